using System.Text.Json.Nodes;
using LossEngine.Cli;
using LossEngine.Formats;
using LossEngine.Tests.Formats;

namespace LossEngine.Tests.Cli;

/// <summary>
/// <c>score</c>, <c>compare</c> and <c>merge</c> print and write exactly the reports kept under <c>Cli/Fixtures</c>:
/// seeded dumps, every output compared as text. The temporary folder is written as <c>{dir}</c> and the timing line
/// that opens <c>score</c>'s output is left out. Set <c>LOSSENGINE_WRITE_REPORT_FIXTURES</c> to the fixture folder to
/// write them anew (only when a report's change is intended).
/// </summary>
public sealed partial class ReportFixtureTests : IDisposable
{
    private const int Vocabulary = 1000;
    private const int Rows = 240;
    private static readonly string[] TaskNames = ["grammar", "arithmetic", "translation"];
    private readonly DumpBuilder _files = new();

    public void Dispose() => _files.Dispose();

    private static string FixtureFolder() =>
        Environment.GetEnvironmentVariable("LOSSENGINE_WRITE_REPORT_FIXTURES") is { Length: > 0 } target ? target : Path.Combine(AppContext.BaseDirectory, "Cli", "Fixtures");

    private string Normalize(string text) => text.Replace(_files.Folder, "{dir}", StringComparison.Ordinal).ReplaceLineEndings("\n");

    private void Check(string name, string actual)
    {
        actual = Normalize(actual);
        string path = Path.Combine(FixtureFolder(), name);
        if (Environment.GetEnvironmentVariable("LOSSENGINE_WRITE_REPORT_FIXTURES") is { Length: > 0 })
        {
            File.WriteAllText(path, actual);
            return;
        }

        Assert.True(File.Exists(path), $"missing fixture {path}");
        string expected = File.ReadAllText(path).ReplaceLineEndings("\n");
        if (Logits.VectorWidthInBits == FixtureWidth && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64)
        {
            Assert.Equal(expected, actual);
            return;
        }

        // Other widths sum the lanes in another order, so numbers may differ in their last bits (within the kernels'
        // stated bound) and the exact-sum limbs of the state differ: compare numbers with a tolerance, the rest exactly.
        if (name.EndsWith(".json", StringComparison.Ordinal))
        {
            AssertSameJson(JsonNode.Parse(expected), JsonNode.Parse(actual), "$");
        }
        else
        {
            AssertSameText(expected, actual);
        }
    }

    /// <summary>The width the fixtures were written at; at it (on x64) every byte must match.</summary>
    private const int FixtureWidth = 512;

    private static bool Close(double expected, double actual, double unit) =>
        expected == actual || (double.IsNaN(expected) && double.IsNaN(actual)) || Math.Abs(expected - actual) <= Math.Max(unit, 1e-5 * Math.Abs(expected)) + 2e-5;

    private static void AssertSameJson(JsonNode? expected, JsonNode? actual, string path)
    {
        switch (expected)
        {
            case JsonObject e:
                var a = Assert.IsType<JsonObject>(actual);
                Assert.Equal(e.Select(p => p.Key), a.Select(p => p.Key));
                foreach ((string key, JsonNode? value) in e)
                {
                    if (key != "state")
                    {
                        AssertSameJson(value, a[key], $"{path}.{key}");
                    }
                }

                break;
            case JsonArray e:
                var list = Assert.IsType<JsonArray>(actual);
                Assert.True(e.Count == list.Count, $"{path}: {list.Count} elements, expected {e.Count}");
                for (int i = 0; i < e.Count; i++)
                {
                    AssertSameJson(e[i], list[i], $"{path}[{i}]");
                }

                break;
            case JsonValue e when e.TryGetValue(out double number):
                double other = actual!.GetValue<double>();
                Assert.True(Close(number, other, 0), $"{path}: {other}, expected {number}");
                break;
            default:
                Assert.True(expected?.ToJsonString() == actual?.ToJsonString(), $"{path}: {actual?.ToJsonString()}, expected {expected?.ToJsonString()}");
                break;
        }
    }

    /// <summary>The same text, except that printed numbers may differ by a unit in their last printed digit.</summary>
    private static void AssertSameText(string expected, string actual)
    {
        string[] e = NumberPattern().Split(expected), a = NumberPattern().Split(actual);
        Assert.True(e.Length == a.Length, $"the text has another shape:\n{actual}");
        for (int i = 0; i < e.Length; i++)
        {
            if (i % 2 == 0)
            {
                Assert.Equal(e[i], a[i]);
                continue;
            }

            int decimals = e[i].Contains('.', StringComparison.Ordinal) ? e[i].Length - e[i].IndexOf('.', StringComparison.Ordinal) - 1 : 0;
            double x = double.Parse(e[i], System.Globalization.CultureInfo.InvariantCulture), y = double.Parse(a[i], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(Close(x, y, 1.01 * Math.Pow(10, -decimals)), $"printed {a[i]} where the fixture has {e[i]}");
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(-?\d+(?:\.\d+)?)")]
    private static partial System.Text.RegularExpressions.Regex NumberPattern();

    private static string Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = CliApplication.Run(args, output, error);
        Assert.True(exit == 0, error.ToString());
        return output.ToString();
    }

    /// <summary>The printed report without its first line (rows, bytes, seconds and GB/s of this run).</summary>
    private static string WithoutTiming(string output) => output[(output.IndexOf('\n', StringComparison.Ordinal) + 1)..];

    private string WriteModel(string name, int seed, int firstRow = 0, int rows = Rows, TensorDataType dtype = TensorDataType.Float32)
    {
        (float[] logits, long[] labels, int[] tasks, long[] examples) = DumpBuilder.Random(Rows, Vocabulary, TaskNames.Length, 7);
        var noise = new Random(seed);
        float[] model = [.. logits.Select(v => seed == 0 ? v : v + (float)(noise.NextDouble() - 0.5))];
        labels[7] = -100;
        labels[100] = -100;
        // A label the model is sure is wrong, for the label-error view.
        model[(9 * Vocabulary) + 3] = 40f;
        return _files.WriteSafetensors(name, model[(firstRow * Vocabulary)..((firstRow + rows) * Vocabulary)], labels[firstRow..(firstRow + rows)], tasks[firstRow..(firstRow + rows)],
            [.. examples[firstRow..(firstRow + rows)].Select(e => e - (firstRow / 4))], Vocabulary, dtype, TaskNames);
    }

    [Fact]
    public void Score_WritesTheKeptReports()
    {
        string dump = WriteModel("model.safetensors", 0);
        string output = Run("score", dump, "--json", _files.PathOf("score.json"), "--csv", _files.PathOf("score.csv"), "--markdown", _files.PathOf("score.md"), "--threads", "2", "--top-k", "3", "--worst", "4");
        Check("score.txt", WithoutTiming(output));
        Check("score.json", File.ReadAllText(_files.PathOf("score.json")));
        Check("score.csv", File.ReadAllText(_files.PathOf("score.csv")));
        Check("score.md", File.ReadAllText(_files.PathOf("score.md")));
    }

    [Fact]
    public void ScoreOfShiftedNpyShards_WritesTheKeptReport()
    {
        const int batch = 3, sequence = 17, vocab = 300;
        var random = new Random(11);
        string[] shards = new string[2];
        for (int shard = 0; shard < 2; shard++)
        {
            Half[] logits = [.. Enumerable.Range(0, batch * sequence * vocab).Select(_ => (Half)((random.NextDouble() * 10) - 5))];
            long[] labels = [.. Enumerable.Range(0, batch * sequence).Select(i => i % 13 == 5 ? -100L : random.Next(vocab))];
            int[] tasks = [.. Enumerable.Range(0, batch).Select(b => (b + shard) % 2)];
            string prefix = _files.PathOf($"shard{shard}");
            NpyFile.Write(prefix + ".logits.npy", "<f2", [batch, sequence, vocab], DumpBuilder.Bytes(logits));
            NpyFile.Write(prefix + ".labels.npy", "<i8", [batch, sequence], DumpBuilder.Bytes(labels));
            NpyFile.Write(prefix + ".tasks.npy", "<i4", [batch], DumpBuilder.Bytes(tasks));
            shards[shard] = prefix;
        }

        string output = Run("score", "--logits", shards[0] + ".logits.npy", shards[1] + ".logits.npy", "--targets", shards[0] + ".labels.npy", shards[1] + ".labels.npy",
            "--task-ids", shards[0] + ".tasks.npy", shards[1] + ".tasks.npy", "--shift", "--threads", "1", "--json", _files.PathOf("shifted.json"));
        Check("score-shifted.txt", WithoutTiming(output));
        Check("score-shifted.json", File.ReadAllText(_files.PathOf("shifted.json")));
    }

    [Fact]
    public void Compare_PrintsTheKeptReport()
    {
        string reference = WriteModel("reference.safetensors", 0, dtype: TensorDataType.BFloat16);
        string candidate = WriteModel("candidate.safetensors", 5, dtype: TensorDataType.BFloat16);
        Check("compare.txt", Run("compare", reference, candidate, "--threads", "2"));
    }

    [Fact]
    public void LmEvalSamples_PrintTheKeptReport()
    {
        // Several tasks' sample logs: multiple choice with acc, acc_norm, Brier and planted label errors, a
        // loglikelihood task and a rolling one.
        string samples = Path.Combine(AppContext.BaseDirectory, "LmEval", "Fixtures");
        Check("lm-eval-samples.txt", Run("score", "--lm-eval-samples", samples));
    }

    [Fact]
    public void MergeOfTwoShards_PrintsAndWritesTheKeptReport()
    {
        string first = WriteModel("first.safetensors", 0, 0, 120);
        string second = WriteModel("second.safetensors", 0, 120, 120);
        Run("score", first, "--json", _files.PathOf("first.json"), "--worst", "4");
        Run("score", second, "--json", _files.PathOf("second.json"), "--worst", "4");
        string output = Run("merge", _files.PathOf("first.json"), _files.PathOf("second.json"), "--json", _files.PathOf("merged.json"));
        Check("merge.txt", output);
        Check("merge.json", File.ReadAllText(_files.PathOf("merged.json")));
    }
}
