using LossEngine.Aggregation;
using LossEngine.Cli;
using LossEngine.Formats;
using LossEngine.Pipeline;
using LossEngine.Tests.Cli;
using LossEngine.Tests.Formats;

namespace LossEngine.Tests.Pipeline;

/// <summary>Metrics that users compare with other tools, checked against those tools' own formulas, written out here.</summary>
public sealed class CrossToolMetricTests : IDisposable
{
    private const int Vocabulary = 64;
    private readonly DumpBuilder _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>A dump with byte lengths; examples of four tokens, tasks changing at example boundaries.</summary>
    private (string Path, long[] Labels, int[] Tasks, long[] Examples, int[] Bytes, float[] Logits) Dump(int rows = 48)
    {
        (float[] logits, long[] labels, int[] tasks, long[] examples) = DumpBuilder.Random(rows, Vocabulary, 3, 21);
        var random = new Random(4);
        int[] bytes = [.. Enumerable.Range(0, rows).Select(_ => random.Next(1, 9))];
        string path = _files.PathOf("bytes.safetensors");
        SafetensorsFile.Write(path,
        [
            ("logits", TensorDataType.Float32, [rows, Vocabulary], DumpBuilder.Bytes(logits)),
            ("labels", TensorDataType.Int64, [rows], DumpBuilder.Bytes(labels)),
            ("task_ids", TensorDataType.Int32, [rows], DumpBuilder.Bytes(tasks)),
            ("example_ids", TensorDataType.Int64, [rows], DumpBuilder.Bytes(examples)),
            ("byte_lengths", TensorDataType.Int32, [rows], DumpBuilder.Bytes(bytes)),
        ], new Dictionary<string, string> { ["task_names"] = "[\"a\", \"b\", \"c\"]" });
        return (path, labels, tasks, examples, bytes, logits);
    }

    [Fact]
    public void BitsPerByte_FromADumpsByteLengths_IsLmEvalsFormula()
    {
        (string path, long[] labels, int[] tasks, long[] examples, int[] bytes, float[] logits) = Dump();
        AggregateReport report = DumpScorer.Score([path], cancellationToken: TestContext.Current.CancellationToken).Report();

        // lm-eval: each document contributes (loglikelihood, bytes); bits_per_byte = −Σ ll / Σ bytes / ln 2.
        var losses = new TokenStatistics[labels.Length];
        Logits.Statistics(new CommunityToolkit.HighPerformance.ReadOnlySpan2D<float>(logits, labels.Length, Vocabulary), labels, losses);
        var documents = Enumerable.Range(0, labels.Length).GroupBy(r => examples[r])
            .Select(d => (Task: tasks[d.First()], LogLikelihood: -d.Sum(r => (double)losses[r].Loss), Bytes: d.Sum(r => (double)bytes[r]))).ToList();
        double LmEval(IEnumerable<(int Task, double LogLikelihood, double Bytes)> items) => -items.Sum(i => i.LogLikelihood) / items.Sum(i => i.Bytes) / Math.Log(2);
        Assert.Equal(LmEval(documents), report.Overall.BitsPerByte, 5e-13);
        for (int t = 0; t < 3; t++)
        {
            Assert.Equal(LmEval(documents.Where(d => d.Task == t)), report.Tasks[t].BitsPerByte, 5e-13);
        }

        (int exit, string output, string error) = Run("score", path);
        Assert.True(exit == 0, error);
        Assert.Contains("Bits per byte", output, StringComparison.Ordinal);
    }

    [Fact]
    public void BitsPerByte_FromNpyShards_EqualsTheSafetensorsDump()
    {
        (string path, long[] labels, _, _, int[] bytes, float[] logits) = Dump();
        NpyFile.Write(_files.PathOf("l.npy"), TensorDataType.Float32, [labels.Length, Vocabulary], DumpBuilder.Bytes(logits));
        NpyFile.Write(_files.PathOf("t.npy"), TensorDataType.Int64, [labels.Length], DumpBuilder.Bytes(labels));
        NpyFile.Write(_files.PathOf("b.npy"), TensorDataType.Int32, [labels.Length], DumpBuilder.Bytes(bytes));
        using EvalDump npy = EvalDump.OpenNpy(_files.PathOf("l.npy"), _files.PathOf("t.npy"), byteLengthsPath: _files.PathOf("b.npy"));
        using EvalDump safetensors = EvalDump.OpenSafetensors(path);
        var options = new DumpScoringOptions { Aggregation = new AggregatorOptions { TaskNames = ["all"] } };
        double fromNpy = DumpScorer.Score([npy], options, cancellationToken: TestContext.Current.CancellationToken).Report().Overall.BitsPerByte;
        Assert.True(double.IsFinite(fromNpy));
        (int exit, string output, _) = Run("score", "--logits", _files.PathOf("l.npy"), "--targets", _files.PathOf("t.npy"), "--byte-lengths", _files.PathOf("b.npy"));
        Assert.Equal(0, exit);
        Assert.Contains(fromNpy.ToString("F4", System.Globalization.CultureInfo.InvariantCulture), output, StringComparison.Ordinal);
    }

    [Fact]
    public void LmEvalGroupStandardError_IsItsPooledSampleFormula_AndDiffersFromTheOverallOne()
    {
        (string path, _, _, _, _, _) = Dump(96);
        AggregateReport report = DumpScorer.Score([path], cancellationToken: TestContext.Current.CancellationToken).Report();

        // lm_eval/api/metrics.py, pooled_sample_stderr(stderrs, sizes).
        static double Pooled(IReadOnlyList<(double Stderr, double Size)> tasks) =>
            Math.Sqrt(tasks.Sum(t => (t.Size - 1) * t.Stderr * t.Stderr * t.Size) / (tasks.Sum(t => t.Size) - tasks.Count) / tasks.Sum(t => t.Size));
        Assert.Equal(Pooled([.. report.Tasks.Select(t => (t.LossStandardError, (double)t.Examples))]), report.LmEvalGroupLossStandardError, 14);
        Assert.Equal(Pooled([.. report.Tasks.Select(t => (t.AccuracyStandardError, (double)t.Examples))]), report.LmEvalGroupAccuracyStandardError, 14);
        Assert.NotEqual(report.Overall.LossStandardError, report.LmEvalGroupLossStandardError);
        Assert.Equal(Math.Sqrt(0.1875), MetricsCalculator.PooledSampleStandardError([(1.0, 1), (0.5, 3)]), 15);
        Assert.True(double.IsNaN(MetricsCalculator.PooledSampleStandardError([(1.0, 1), (2.0, 1)])));
    }

    private static (int Exit, string Output, string Error) Run(params string[] args) => CliRunner.Run(args);
}
