using CommunityToolkit.HighPerformance;
using LossEngine.Aggregation;
using LossEngine.Formats;
using LossEngine.Pipeline;
using LossEngine.Tests.Formats;

namespace LossEngine.Tests.Pipeline;

/// <summary>The library's dump pipeline (<see cref="DumpScorer"/> and <see cref="ModelComparer"/>): batches filled on
/// worker threads and consumed in row order must give the same report, to the last bit, whatever the thread count and
/// batch size, and report the first bad row.</summary>
public sealed class DumpPipelineTests : IDisposable
{
    private const int Vocabulary = 97;
    private readonly DumpBuilder _files = new();

    public void Dispose() => _files.Dispose();

    private static (LossAggregator Result, float[] TokenLosses) Score(EvalDump dump, int threads, int batchRows)
    {
        var tokenLosses = new List<float>();
        long nextRow = 0;
        var options = new DumpScoringOptions
        {
            Scoring = new ScoringOptions { MaxDegreeOfParallelism = threads },
            Aggregation = new AggregatorOptions { TaskNames = ["grammar", "arithmetic", "translation"], WorstExamples = 4 },
            BatchBytes = (long)batchRows * Vocabulary * sizeof(float),
        };
        LossAggregator result = DumpScorer.Score([dump], options, null, (firstRow, rows) =>
        {
            Assert.Equal(nextRow, firstRow);
            nextRow += rows.Length;
            foreach (TokenStatistics row in rows)
            {
                tokenLosses.Add(row.IsIgnored ? float.NaN : row.Loss);
            }
        });
        return (result, [.. tokenLosses]);
    }

    private static ComparisonAggregator Compare(EvalDump a, EvalDump b, int threads, string[] names, int batchRows = 1 << 16) =>
        ModelComparer.Compare([a], [b], new ComparisonOptions { Scoring = new ScoringOptions { MaxDegreeOfParallelism = threads }, TaskNames = names, BatchBytes = (long)batchRows * Vocabulary * sizeof(float) }, cancellationToken: TestContext.Current.CancellationToken);

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
        using EvalDump dump = EvalDump.OpenSafetensors(path);

        (LossAggregator baseline, float[] baselineLosses) = Score(dump, threads: 1, batchRows: rows);
        (LossAggregator pipelined, float[] pipelinedLosses) = Score(dump, threads, batchRows);

        Assert.Equal(rows, pipelined.NextPosition);
        Assert.Equal(baseline.ToJson(), pipelined.ToJson());
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

        (LossAggregator baseline, float[] baselineLosses) = Score(dump, threads: 1, batchRows: 1000);
        (LossAggregator pipelined, float[] pipelinedLosses) = Score(dump, threads: 3, batchRows: 5);

        Assert.Equal(batches * (sequence - 1), pipelined.NextPosition);
        Assert.Equal(baseline.ToJson(), pipelined.ToJson());
        Assert.Equal(baselineLosses, pipelinedLosses);
        Assert.Equal(6, pipelined.Report().Overall.Examples);
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
        using EvalDump dump = EvalDump.OpenSafetensors(path);

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
        using EvalDump dump = EvalDump.OpenSafetensors(path);

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
        using EvalDump a = EvalDump.OpenSafetensors(reference);
        using EvalDump b = EvalDump.OpenSafetensors(candidate);

        ComparisonAggregator baseline = Compare(a, b, threads: 1, names);
        ComparisonAggregator pipelined = Compare(a, b, threads: 3, names, batchRows: 3);

        Assert.Equal(baseline.ToJson(), pipelined.ToJson());
        Assert.Equal(rows - 1, pipelined.Tokens);
        Assert.Equal("translation", pipelined.Report().Summaries[^1].Task);
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
        using EvalDump a = EvalDump.OpenSafetensors(reference);
        using EvalDump b = EvalDump.OpenSafetensors(candidate);

        var error = Assert.Throws<DumpFormatException>(() => Compare(a, b, threads: 2, ["a", "b", "c"], batchRows: 4));

        Assert.True(error.Message.Contains("row 40", StringComparison.Ordinal) && error.Message.Contains("cand.safetensors", StringComparison.Ordinal), error.Message);
    }

    [Fact]
    public void Progress_ReportsBytesRowsAndTime_AndCancellationStopsBetweenBatches()
    {
        const int rows = 96;
        (float[] logits, long[] labels, int[] tasks, long[] examples) = DumpBuilder.Random(rows, Vocabulary, 3, 47);
        string path = _files.WriteSafetensors("dump.safetensors", logits, labels, tasks, examples, Vocabulary, taskNames: ["a", "b", "c"]);
        var reports = new List<ScoringProgress>();
        var options = new DumpScoringOptions { Scoring = new ScoringOptions { MaxDegreeOfParallelism = 2 }, BatchBytes = 12L * Vocabulary * sizeof(float) };
        DumpScorer.Score([path], options, new Reporter(reports.Add), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(8, reports.Count);
        Assert.Equal([.. Enumerable.Range(1, 8).Select(i => i * 12L)], reports.Select(r => r.Rows));
        Assert.All(reports, r => Assert.Equal(rows * Vocabulary * sizeof(float), r.TotalBytes));
        Assert.Equal(reports[^1].TotalBytes, reports[^1].Bytes);
        Assert.Equal(1.0, reports[^1].Fraction);
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.Second.Elapsed >= p.First.Elapsed));

        using var cancel = new CancellationTokenSource();
        int seen = 0;
        Assert.Throws<OperationCanceledException>(() => DumpScorer.Score([path], options, new Reporter(_ =>
        {
            if (++seen == 3)
            {
                cancel.Cancel();
            }
        }), cancel.Token));
        Assert.Equal(3, seen);
    }

    [Fact]
    public void SeveralDumps_ScoreAsOneDataset_EqualToAppendingTheirAggregators()
    {
        const int rows = 120;
        (float[] logits, long[] labels, int[] tasks, long[] examples) = DumpBuilder.Random(rows, Vocabulary, 3, 53);
        string[] names = ["grammar", "arithmetic", "translation"];
        string whole = _files.WriteSafetensors("whole.safetensors", logits, labels, tasks, examples, Vocabulary, taskNames: names);
        string first = _files.WriteSafetensors("first.safetensors", logits[..(48 * Vocabulary)], labels[..48], tasks[..48], examples[..48], Vocabulary, taskNames: names);
        string second = _files.WriteSafetensors("second.safetensors", logits[(48 * Vocabulary)..], labels[48..], tasks[48..], [.. examples[48..].Select(e => e - 12)], Vocabulary, taskNames: names);
        var options = new DumpScoringOptions { Scoring = new ScoringOptions { MaxDegreeOfParallelism = 2 } };

        LossAggregator oneFile = DumpScorer.Score([whole], options, cancellationToken: TestContext.Current.CancellationToken);
        LossAggregator twoFiles = DumpScorer.Score([first, second], options, cancellationToken: TestContext.Current.CancellationToken);
        LossAggregator appended = DumpScorer.Score([first], options, cancellationToken: TestContext.Current.CancellationToken);
        appended.Append(DumpScorer.Score([second], options, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(oneFile.ToJson(), twoFiles.ToJson());
        // Appending keeps the examples at the shards' edges open in the state, so the states differ; every reported number
        // is the same.
        Assert.Equal(ReportOnly(twoFiles), ReportOnly(appended));
        Assert.Equal(names, twoFiles.Options.TaskNames);

        // The same split, compared against a perturbed model: shards merged equal one pass to the last bit.
        float[] other = [.. logits.Select((v, i) => v + (0.2f * MathF.Sin(i)))];
        string otherFirst = _files.WriteSafetensors("other1.safetensors", other[..(48 * Vocabulary)], labels[..48], tasks[..48], examples[..48], Vocabulary, taskNames: names);
        string otherSecond = _files.WriteSafetensors("other2.safetensors", other[(48 * Vocabulary)..], labels[48..], tasks[48..], examples[48..], Vocabulary, taskNames: names);
        string otherWhole = _files.WriteSafetensors("other.safetensors", other, labels, tasks, examples, Vocabulary, taskNames: names);
        ComparisonAggregator onePass = ModelComparer.Compare([whole], [otherWhole], cancellationToken: TestContext.Current.CancellationToken);
        ComparisonAggregator merged = ModelComparer.Compare([second], [otherSecond], cancellationToken: TestContext.Current.CancellationToken);
        merged.Merge(ModelComparer.Compare([first], [otherFirst], cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(onePass.ToJson(), merged.ToJson());
        Assert.Equal(onePass.ToJson(), ModelComparer.Compare([first, second], [otherFirst, otherSecond], cancellationToken: TestContext.Current.CancellationToken).ToJson());
    }

    [Fact]
    public void ATargetOutsideTheVocabulary_IsReportedWithFileTensorAndRow()
    {
        const int rows = 40;
        (float[] logits, long[] labels, int[] tasks, long[] examples) = DumpBuilder.Random(rows, Vocabulary, 1, 59);
        labels[33] = Vocabulary;
        string path = _files.WriteSafetensors("target.safetensors", logits, labels, tasks, examples, Vocabulary);

        var error = Assert.Throws<DumpFormatException>(() => DumpScorer.Score([path], cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("target.safetensors: tensor 'labels', row 33: target 97 is outside the vocabulary [0, 97)", error.Message, StringComparison.Ordinal);
        var ignoreIndex = new DumpScoringOptions { Scoring = new ScoringOptions { IgnoreIndex = Vocabulary } };
        Assert.Equal(rows - 1, DumpScorer.Score([path], ignoreIndex, cancellationToken: TestContext.Current.CancellationToken).Report().Overall.Tokens);
    }

    /// <summary>An <see cref="IProgress{T}"/> that reports synchronously, unlike <see cref="Progress{T}"/>.</summary>
    private sealed class Reporter(Action<ScoringProgress> report) : IProgress<ScoringProgress>
    {
        public void Report(ScoringProgress value) => report(value);
    }

    /// <summary>Every number of an aggregator's report, as JSON, without its state.</summary>
    private static string ReportOnly(LossAggregator aggregator) =>
        ReportJson.Write(aggregator.Report(), new LossAggregator(new AggregatorOptions { TaskNames = ["-"] }), []);
}
