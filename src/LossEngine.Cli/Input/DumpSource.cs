using LossEngine.Formats;

namespace LossEngine.Cli.Input;

/// <summary>Where the dumps come from: safetensors paths (globs allowed), or a set of .npy files.</summary>
internal sealed record DumpSource(IReadOnlyList<string> Paths, string? NpyLogits, string? NpyTargets, string? NpyTaskIds, string? NpyExampleIds, DumpOptions Options)
{
    /// <summary>Expands globs (a '*' or '?' in the file name) in order, sorted by name within each pattern.</summary>
    public static List<string> Expand(IEnumerable<string> patterns)
    {
        var files = new List<string>();
        foreach (string pattern in patterns)
        {
            if (pattern.StartsWith('-'))
            {
                throw new UsageException($"Unknown option '{pattern}'. Run 'lossengine --help' for usage.");
            }

            string name = Path.GetFileName(pattern);
            if (name.Contains('*', StringComparison.Ordinal) || name.Contains('?', StringComparison.Ordinal))
            {
                string directory = Path.GetDirectoryName(pattern) is { Length: > 0 } d ? d : ".";
                string[] matches = Directory.Exists(directory) ? Directory.GetFiles(directory, name) : [];
                if (matches.Length == 0)
                {
                    throw new DumpFormatException($"{pattern}: no files match.");
                }

                Array.Sort(matches, StringComparer.Ordinal);
                files.AddRange(matches);
            }
            else
            {
                files.Add(pattern);
            }
        }

        return files;
    }

    /// <summary>Opens every shard, checking that they agree on V and dtype.</summary>
    public List<EvalDump> OpenAll()
    {
        var dumps = new List<EvalDump>();
        try
        {
            if (NpyLogits is not null)
            {
                if (NpyTargets is null)
                {
                    throw new UsageException("--logits needs --targets.");
                }

                dumps.Add(EvalDump.OpenNpy(NpyLogits, NpyTargets, NpyTaskIds, NpyExampleIds, Options));
            }

            foreach (string path in Expand(Paths))
            {
                EvalDump dump = EvalDump.OpenSafetensors(path, Options);
                dumps.Add(dump);
                if (dump.Vocabulary != dumps[0].Vocabulary)
                {
                    throw new DumpFormatException($"{path}: V = {dump.Vocabulary}, but {dumps[0].File} has V = {dumps[0].Vocabulary}; every shard must share the vocabulary.");
                }

                if (dump.LogitType != dumps[0].LogitType)
                {
                    throw new DumpFormatException($"{path}: logits are {dump.LogitType}, but {dumps[0].File} has {dumps[0].LogitType}; every shard must share the dtype.");
                }
            }

            if (dumps.Count == 0)
            {
                throw new UsageException("No dump given: pass safetensors paths, or --logits and --targets .npy files.");
            }

            if (dumps.All(d => d.Rows == 0))
            {
                throw new DumpFormatException($"{dumps[0].File}: the dump has no rows to score.");
            }

            return dumps;
        }
        catch
        {
            dumps.ForEach(d => d.Dispose());
            throw;
        }
    }
}

/// <summary>A command-line mistake: exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
