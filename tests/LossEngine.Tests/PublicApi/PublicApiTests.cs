using System.Runtime.CompilerServices;
using PublicApiGenerator;

namespace LossEngine.Tests.PublicApi;

/// <summary>
/// The library's public API is a committed text file, so that every change to it shows as a diff in review. When this
/// test fails, it writes the API it found beside the approved file as LossEngine.received.txt; if the change is
/// intended, copy that over LossEngine.approved.txt.
/// </summary>
public sealed class PublicApiTests
{
    [Fact]
    public void LibraryPublicApi_MatchesTheApprovedSnapshot()
    {
        string actual = Normalize(typeof(Logits).Assembly.GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false }));
        string approved = Normalize(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "PublicApi", "LossEngine.approved.txt")));
        if (actual != approved)
        {
            string? folder = Path.GetDirectoryName(SourceFile());
            if (folder is not null && Directory.Exists(folder))
            {
                File.WriteAllText(Path.Combine(folder, "LossEngine.received.txt"), actual);
            }
        }

        Assert.Equal(approved, actual);
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Trim() + "\n";

    private static string SourceFile([CallerFilePath] string path = "") => path;
}
