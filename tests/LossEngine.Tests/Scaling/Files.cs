namespace LossEngine.Tests.Scaling;

/// <summary>A temporary folder for input files, deleted afterwards; and the paths of the committed fixtures.</summary>
internal sealed class Files : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("lossengine-scaling-").FullName;

    public static string Fixture(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "Scaling", "Fixtures", .. parts]);

    public string Write(string name, string text)
    {
        string path = Path.Combine(Folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    /// <summary>The folder holding LossEngine.sln, found by walking up from the test binaries.</summary>
    public static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "LossEngine.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No LossEngine.sln above {AppContext.BaseDirectory}.");
    }
}
