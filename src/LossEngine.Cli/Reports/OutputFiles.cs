using LossEngine.Cli.Commands;

namespace LossEngine.Cli.Reports;

/// <summary>
/// A command's output files, written as one transaction: each is written under a temporary name beside its final
/// path, and all are renamed into place only by <see cref="Commit"/>, after the whole run succeeded. Disposing without
/// a commit deletes the temporaries, so a failed or interrupted run leaves no output, complete-looking or not. Paths
/// are checked first: an output that is also an input, or two outputs with one path, is a usage error before anything
/// is read.
/// </summary>
internal sealed class OutputFiles : IDisposable
{
    private readonly Dictionary<string, string> _temporaries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _folders = new(StringComparer.Ordinal);
    private bool _committed;

    /// <exception cref="UsageException">An output path equals an input path or another output path.</exception>
    public OutputFiles(IEnumerable<string> inputs, params (string Option, string? Path)[] outputs)
    {
        var inputPaths = inputs.Select(Path.GetFullPath).ToHashSet(StringComparer.Ordinal);
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string option, string? path) in outputs)
        {
            if (path is null)
            {
                continue;
            }

            string full = Path.GetFullPath(path);
            if (inputPaths.Contains(full))
            {
                throw new UsageException($"{option} {path} is also an input; writing it would destroy the input.");
            }

            if (!seen.TryAdd(full, option))
            {
                throw new UsageException($"{option} {path} is also the path of {seen[full]}; give each output its own file.");
            }

            _temporaries[path] = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.partial");
        }
    }

    /// <summary>Adds an output folder (<c>--plots DIR</c>): its files are written into a temporary folder beside it and
    /// moved into it, created if need be, by <see cref="Commit"/>. Files already in it that the run does not write are
    /// left alone.</summary>
    /// <exception cref="UsageException">The path is an existing file.</exception>
    public void AddFolder(string option, string? folder)
    {
        if (folder is null)
        {
            return;
        }

        if (File.Exists(folder))
        {
            throw new UsageException($"{option} {folder} is a file; give a folder (it is created if missing).");
        }

        string full = Path.GetFullPath(folder.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        _folders[folder] = Path.Combine(Path.GetDirectoryName(full) ?? full, $".{Path.GetFileName(full)}.{Environment.ProcessId}.partial");
    }

    /// <summary>Lets <paramref name="write"/> fill the temporary folder of an output folder added by <see cref="AddFolder"/>.</summary>
    public void WriteFolder(string? folder, Action<string> write)
    {
        if (folder is not null)
        {
            string temporary = _folders[folder];
            Directory.CreateDirectory(temporary);
            write(temporary);
        }
    }

    /// <summary>Where to write the output that will appear at <paramref name="path"/>.</summary>
    public string TemporaryFor(string path) => _temporaries[path];

    /// <summary>Writes an output's text under its temporary name.</summary>
    public void WriteText(string? path, Func<string> text)
    {
        if (path is not null)
        {
            File.WriteAllText(TemporaryFor(path), text());
        }
    }

    /// <summary>Renames every written output into place.</summary>
    public void Commit()
    {
        foreach ((string path, string temporary) in _temporaries)
        {
            if (File.Exists(temporary))
            {
                File.Move(temporary, path, overwrite: true);
            }
        }

        foreach ((string folder, string temporary) in _folders)
        {
            if (Directory.Exists(temporary))
            {
                Directory.CreateDirectory(folder);
                foreach (string file in Directory.GetFiles(temporary))
                {
                    File.Move(file, Path.Combine(folder, Path.GetFileName(file)), overwrite: true);
                }

                Directory.Delete(temporary);
            }
        }

        _committed = true;
    }

    /// <summary>Deletes the temporaries of a run that did not commit.</summary>
    public void Dispose()
    {
        if (_committed)
        {
            return;
        }

        foreach (string temporary in _temporaries.Values.Concat(_folders.Values))
        {
            try
            {
                if (Directory.Exists(temporary))
                {
                    Directory.Delete(temporary, recursive: true);
                }
                else
                {
                    File.Delete(temporary);
                }
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // Already on the way out of a failure that is being reported.
            }
        }
    }
}
