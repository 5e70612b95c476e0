using System.Runtime.InteropServices;
using CommunityToolkit.HighPerformance;
using LossEngine.Aggregation;
using LossEngine.Cli.Commands;
using LossEngine.Cli.Input;
using LossEngine.Formats;
using LossEngine.Tests.Formats;

namespace LossEngine.Tests.Cli;

/// <summary>The tool's batch pipeline (score and compare): batches filled on worker threads and consumed in row order
/// must give the same report, to the last bit, whatever the thread count and batch size, and report the first bad row.</summary>
public sealed class BatchPipelineTests : IDisposable
{
    private const int Vocabulary = 97;
    private readonly DumpBuilder _files = new();

    public void Dispose() => _files.Dispose();

    private static (DumpScorer.Result Result, float[] TokenLosses) Score(EvalDump dump, int threads, int batchRows)
    {
        using var tokenLosses = new MemoryStream();
        DumpScorer.Result result = DumpScorer.Score([dump], new AggregatorOptions { TaskNames = ["grammar", "arithmetic", "translation"], WorstExamples = 4 },
            new ScoringOptions { MaxDegreeOfParallelism = threads }, tokenLosses, new Progress(TextWriter.Null, enabled: false),
            batchBytes: (long)batchRows * Vocabulary * sizeof(float));
        return (result, MemoryMarshal.Cast<byte, float>(tokenLosses.ToArray()).ToArray());
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(2, 3)]
    [InlineData(3, 5)]
    [InlineData(8, 2)]
    [InlineData(3, 1000)]
    public void ManyBatchesOnManyThreads_GiveTheOneThreadReportExactly(int threads, int batchRows)
    {
        const int rows = 120;
        (float[] logits, long[] labels, int[] tasks, long[] examples) = DumpBuilder.Random(rows, Vocabulary, 3, 17);
        labels[7] = -100;
        string path = _files.WriteSafetensors("dump.safetensors", logits, labels, tasks, examples, Vocabulary, taskNames: ["grammar", "arithmetic", "translation"]);
        using EvalDump dump = EvalDump.OpenSafetensors(path, new DumpOptions());

        (DumpScorer.Result baseline, float[] baselineLosses) = Score(dump, threads: 1, batchRows: rows);
        (DumpScorer.Result pipelined, float[] pipelinedLosses) = Score(dump, threads, batchRows);

        Assert.Equal(rows, pipelined.Rows);
        Assert.Equal(baseline.Aggregator.ToJson(), pipelined.Aggregator.ToJson());
        Assert.Equal(baselineLosses, pipelinedLosses);

        // And the losses are the batch kernel's, row by row, in row order.
        var expected = new TokenStatistics[rows];
        Logits.Statistics(new ReadOnlySpan2D<float>(logits, rows, Vocabulary), labels, expected, new ScoringOptions { MaxDegreeOfParallelism = 1 });
        Assert.Equal(expected.Select(s => s.IsIgnored ? float.NaN : s.Loss), pipelinedLosses);
    }

    [Fact]
    public void ShiftedSequences_BatchAtSequenceEnds_AndMatchOneThread()
    {
        // [B=6, S=9, V]: with --shift each sequence gives 8 rows, and no batch may cross a sequence end.
        const int batches = 6, sequence = 9;
        (float[] logits, long[] labels, _, _) = DumpBuilder.Random(batches * sequence, Vocabulary, 1, 23);
        string path = _files.PathOf("bsv.safetensors");
        SafetensorsFile.Write(path,
        [
            ("logits", TensorDataType.Float32, [batches, sequence, Vocabulary], DumpBuilder.Bytes(logits)),
            ("labels", TensorDataType.Int64, [batches, sequence], DumpBuilder.Bytes(labels)),
            ("task_ids", TensorDataType.Int32, [batches], DumpBuilder.Bytes(new[] { 0, 1, 2, 0, 1, 2 })),
        ]);
        using EvalDump dump = EvalDump.OpenSafetensors(path, new DumpOptions { Shift = true });

        (DumpScorer.Result baseline, float[] baselineLosses) = Score(dump, threads: 1, batchRows: 1000);
        (DumpScorer.Result pipelined, float[] pipelinedLosses) = Score(dump, threads: 3, batchRows: 5);

        Assert.Equal(batches * (sequence - 1), pipelined.Rows);
        Assert.Equal(baseline.Aggregator.ToJson(), pipelined.Aggregator.ToJson());
        Assert.Equal(baselineLosses, pipelinedLosses);
        Assert.Equal(6, pipelined.Aggregator.Report().Overall.Examples);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void ABadRow_IsReportedFirstInRowOrder_AndTheWorkersStop(int threads)
    {
        const int rows = 96;
        (float[] logits, long[] labels, int[] tasks, long[] examples) = DumpBuilder.Random(rows, Vocabulary, 3, 29);
        tasks[61] = 9;
        tasks[37] = 7; // the first bad row, in a later batch than the workers will already have scored
        string path = _files.WriteSafetensors("bad.safetensors", logits, labels, tasks, examples, Vocabulary, taskNames: ["grammar", "arithmetic", "translation"]);
        using EvalDump dump = EvalDump.OpenSafetensors(path, new DumpOptions());

        var error = Assert.Throws<DumpFormatException>(() => Score(dump, threads, batchRows: 2));

        Assert.True(error.Message.Contains("bad.safetensors", StringComparison.Ordinal), error.Message);
        Assert.True(error.Message.Contains("row 37", StringComparison.Ordinal), error.Message);
        Assert.Contains("task id 7", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnErrorWhileAggregating_StopsTheWorkers_AndNamesTheRows()
    {
        // Example ids that go back at row 50: found by the aggregator on the calling thread while workers run ahead.
        const int rows = 96;
        (float[] logits, long[] labels, int[] tasks, long[] examples) = DumpBuilder.Random(rows, Vocabulary, 3, 43);
        for (int r = 50; r < rows; r++)
        {
            examples[r] -= 20;
        }

        string path = _files.WriteSafetensors("backwards.safetensors", logits, labels, tasks, examples, Vocabulary, taskNames: ["grammar", "arithmetic", "translation"]);
        using EvalDump dump = EvalDump.OpenSafetensors(path, new DumpOptions());

        var error = Assert.Throws<DumpFormatException>(() => Score(dump, threads: 3, batchRows: 3));

        Assert.True(error.Message.Contains("backwards.safetensors, rows 48–50", StringComparison.Ordinal), error.Message);
    }

    [Fact]
    public void Compare_ManyBatchesOnManyThreads_GivesTheOneThreadReportExactly()
    {
        const int rows = 96;
        (float[] logits, long[] labels, int[] tasks, long[] examples) = DumpBuilder.Random(rows, Vocabulary, 3, 31);
        labels[11] = -100;
        string[] names = ["grammar", "arithmetic", "translation"];
        string reference = _files.WriteSafetensors("ref.safetensors", logits, labels, tasks, examples, Vocabulary, taskNames: names);
        string candidate = _files.WriteSafetensors("cand.safetensors", [.. logits.Select((v, i) => v + (0.3f * MathF.Cos(i)))], labels, tasks, examples, Vocabulary, taskNames: names);
        using EvalDump a = EvalDump.OpenSafetensors(reference, new DumpOptions());
        using EvalDump b = EvalDump.OpenSafetensors(candidate, new DumpOptions());

        string baseline = CompareCommand.CompareDumps(a, b, new ScoringOptions { MaxDegreeOfParallelism = 1 }, names).Render();
        string pipelined = CompareCommand.CompareDumps(a, b, new ScoringOptions { MaxDegreeOfParallelism = 3 }, names, batchBytes: 3L * Vocabulary * sizeof(float)).Render();

        Assert.Equal(baseline, pipelined);
        Assert.Contains("====== translation:", pipelined, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_DifferentTargets_AreReportedAtTheFirstRow()
    {
        const int rows = 96;
        (float[] logits, long[] labels, int[] tasks, long[] examples) = DumpBuilder.Random(rows, Vocabulary, 3, 37);
        long[] otherLabels = [.. labels];
        otherLabels[70] = (labels[70] + 1) % Vocabulary;
        otherLabels[40] = (labels[40] + 1) % Vocabulary;
        string reference = _files.WriteSafetensors("ref.safetensors", logits, labels, tasks, examples, Vocabulary, taskNames: ["a", "b", "c"]);
        string candidate = _files.WriteSafetensors("cand.safetensors", logits, otherLabels, tasks, examples, Vocabulary, taskNames: ["a", "b", "c"]);
        using EvalDump a = EvalDump.OpenSafetensors(reference, new DumpOptions());
        using EvalDump b = EvalDump.OpenSafetensors(candidate, new DumpOptions());

        var error = Assert.Throws<DumpFormatException>(() => CompareCommand.CompareDumps(a, b, new ScoringOptions { MaxDegreeOfParallelism = 2 }, ["a", "b", "c"], batchBytes: 4L * Vocabulary * sizeof(float)));

        Assert.True(error.Message.Contains("row 40", StringComparison.Ordinal) && error.Message.Contains("cand.safetensors", StringComparison.Ordinal), error.Message);
    }
}
