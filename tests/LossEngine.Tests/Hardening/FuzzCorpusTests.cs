using LossEngine.Fuzz;

namespace LossEngine.Tests.Hardening;

/// <summary>
/// Replays every file under tests/fuzz (the seed corpora and the inputs of past fuzz findings) through the same target
/// code that afl-fuzz runs, so a finding once fixed stays fixed in every CI run, at every instruction-set level. A
/// target throws only on a finding: an exception other than its entry point's documented format error.
/// </summary>
public sealed class FuzzCorpusTests : IDisposable
{
    private static readonly string CorpusRoot = Path.Combine(AppContext.BaseDirectory, "fuzz");
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lossengine-fuzz-replay-");

    public void Dispose() => _folder.Delete(recursive: true);

    /// <summary>Every corpus file, as (target, file name).</summary>
    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (string folder in Directory.GetDirectories(CorpusRoot).Order(StringComparer.Ordinal))
        {
            foreach (string file in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetFileName(folder), Path.GetFileName(file));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void CorpusFile_IsReadOrRefusedWithTheDocumentedError(string target, string file)
    {
        FuzzTarget fuzzTarget = FuzzTargets.Find(target);

        // Under afl-fuzz the input is written to a file named by the target's extension; some readers choose by it.
        string input = Path.Combine(_folder.FullName, "input" + fuzzTarget.Extension);
        File.Copy(Path.Combine(CorpusRoot, target, file), input);

        FuzzOutcome outcome = fuzzTarget.Read(input);

        // Seeds named valid-* must parse: a target that refused everything would replay cleanly and fuzz nothing.
        if (file.StartsWith("valid-", StringComparison.Ordinal))
        {
            Assert.Equal(FuzzOutcome.Accepted, outcome);
        }
    }

    [Fact]
    public void EveryTarget_HasACorpusWithValidSeeds_AndEveryCorpusHasATarget()
    {
        string[] folders = [.. Directory.GetDirectories(CorpusRoot).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];
        Assert.Equal(FuzzTargets.All.Select(t => t.Name).Order(StringComparer.Ordinal), folders);
        foreach (string folder in folders)
        {
            Assert.Contains(Directory.GetFiles(Path.Combine(CorpusRoot, folder)), f => Path.GetFileName(f).StartsWith("valid-", StringComparison.Ordinal));
        }
    }
}
