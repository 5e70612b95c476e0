using System.Diagnostics;
using LossEngine.Aggregation;
using LossEngine.Formats;

namespace LossEngine.Pipeline;

/// <summary>
/// Scores whole eval dumps: every row through the statistics kernel and into a <see cref="LossAggregator"/>, the way
/// <c>lossengine score</c> does. Several dumps are scored in order as one dataset: positions continue from one dump to
/// the next, and each dump's example ids are moved past the previous dumps' so that no two shards' examples are confused.
/// </summary>
/// <remarks>
/// Workers score whole batches of about 16 MiB of logits each, ahead of the calling thread, which aggregates the batches
/// in row order (<see cref="BatchPipeline{TBatch}"/>). The result is bitwise identical for every thread count, and equals
/// scoring each dump on its own and joining the aggregators with <see cref="LossAggregator.Append"/>. Cancellation is
/// checked between batches; the first error in row order is the one raised, and no worker outlives the call.
/// </remarks>
public static class DumpScorer
{
    /// <summary>Opens safetensors dumps, scores them in order, and closes them.</summary>
    /// <param name="paths">Safetensors dump files, scored in this order as one dataset.</param>
    /// <param name="options">Scoring, aggregation and file options; null for the defaults.</param>
    /// <param name="progress">Told after each batch; called on the calling thread.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>The aggregator holding every row: call <see cref="LossAggregator.Report"/> for the report.</returns>
    /// <exception cref="DumpFormatException">A file, tensor, shape, target or task id is wrong; the message names the file
    /// and, where it applies, the tensor and row.</exception>
    /// <exception cref="ArgumentException">The options are invalid, or no path is given.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static LossAggregator Score(IReadOnlyList<string> paths, DumpScoringOptions? options = null, IProgress<ScoringProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        options ??= new DumpScoringOptions();
        using var dumps = new DumpList(paths.Select(p => EvalDump.OpenSafetensors(p, options.Dump)));
        return Score(dumps.Items, options, progress, null, cancellationToken);
    }

    /// <summary>Scores opened dumps in order as one dataset.</summary>
    /// <param name="dumps">The dumps; they stay open and owned by the caller.</param>
    /// <param name="options">Scoring and aggregation options; null for the defaults. <see cref="DumpScoringOptions.Dump"/>
    /// is not used: the dumps are already open.</param>
    /// <param name="progress">Told after each batch; called on the calling thread.</param>
    /// <param name="scoredRows">Given each batch's statistics in row order, e.g. to write every token's loss.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <inheritdoc cref="Score(IReadOnlyList{string}, DumpScoringOptions?, IProgress{ScoringProgress}?, CancellationToken)" path="/returns"/>
    /// <inheritdoc cref="Score(IReadOnlyList{string}, DumpScoringOptions?, IProgress{ScoringProgress}?, CancellationToken)" path="/exception"/>
    public static LossAggregator Score(IReadOnlyList<EvalDump> dumps, DumpScoringOptions? options = null, IProgress<ScoringProgress>? progress = null, ScoredRowsHandler? scoredRows = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dumps);
        options ??= new DumpScoringOptions();
        options.Scoring.Validate();
        if (dumps.Count == 0)
        {
            throw new ArgumentException("No dump to score.", nameof(dumps));
        }

        DumpList.CheckAlike(dumps);
        AggregatorOptions aggregation = options.Aggregation with
        {
            TaskNames = options.Aggregation.TaskNames.Count > 0 ? options.Aggregation.TaskNames : DumpTaskNames.Resolve(dumps, options.Aggregation.MaxTasks),
            Vocabulary = dumps[0].Vocabulary,
            LogitType = dumps[0].LogitType,
        };
        var run = new ScoringRun(new LossAggregator(aggregation), options, dumps, progress, scoredRows, cancellationToken);
        foreach (EvalDump dump in dumps)
        {
            run.ExampleOffset += TensorDataTypes.Dispatch<ScoreDump, long>(dump.LogitType, new ScoreDump(run, dump));
        }

        return run.Aggregator;
    }

    /// <summary>What one call carries from dump to dump.</summary>
    private sealed class ScoringRun(LossAggregator aggregator, DumpScoringOptions options, IReadOnlyList<EvalDump> dumps, IProgress<ScoringProgress>? progress, ScoredRowsHandler? scoredRows, CancellationToken cancellationToken)
    {
        public LossAggregator Aggregator { get; } = aggregator;

        public DumpScoringOptions Options { get; } = options;

        public IProgress<ScoringProgress>? Progress { get; } = progress;

        public ScoredRowsHandler? ScoredRows { get; } = scoredRows;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public Stopwatch Clock { get; } = Stopwatch.StartNew();

        public long TotalBytes { get; } = dumps.Sum(d => d.LogitBytes);

        public long TotalRows { get; } = dumps.Sum(d => d.Rows);

        public long DoneBytes { get; set; }

        public long DoneRows { get; set; }

        public long ExampleOffset { get; set; }
    }

    /// <summary>Scores one dump with its element type known; returns the number of example ids it used.</summary>
    private readonly struct ScoreDump(ScoringRun run, EvalDump dump) : ILogitTypeAction<long>
    {
        public long Invoke<T>()
            where T : unmanaged
        {
            ScoringRun r = run;
            EvalDump d = dump;
            int batchRows = RowChecks.BatchRows(d, r.Options.BatchBytes);
            long rowBytes = d.LogitBytes / Math.Max(1, d.Rows);
            int taskCount = r.Aggregator.Options.TaskNames.Count;
            long exampleOffset = r.ExampleOffset;
            ScoringOptions singleThreaded = r.Options.Scoring with { MaxDegreeOfParallelism = 1 };
            long maxExample = -1;
            using var pipeline = new BatchPipeline<ScoredBatch>(d.Rows, batchRows, r.Options.Scoring.MaxDegreeOfParallelism, d.RunLength,
                () => new ScoredBatch(batchRows), (batch, firstRow, rows) => batch.Score<T>(d, firstRow, rows, taskCount, exampleOffset, singleThreaded));
            while (true)
            {
                r.CancellationToken.ThrowIfCancellationRequested();
                if (pipeline.Next() is not ({ } batch, long firstRow, int rows))
                {
                    break;
                }

                maxExample = Math.Max(maxExample, batch.MaxExample);
                try
                {
                    r.Aggregator.Add(batch.Statistics.AsSpan(0, rows), batch.TaskIds.AsSpan(0, rows), batch.ExampleIds.AsSpan(0, rows), batch.Targets.AsSpan(0, rows),
                        d.HasByteLengths ? batch.ByteLengths.AsSpan(0, rows) : default);
                }
                catch (ArgumentException error)
                {
                    throw new DumpFormatException($"{d.File}, rows {firstRow}–{firstRow + rows - 1}: {error.Message}", error);
                }

                r.ScoredRows?.Invoke(r.DoneRows, batch.Statistics.AsSpan(0, rows));
                r.DoneRows += rows;
                r.DoneBytes += rows * rowBytes;
                r.Progress?.Report(new ScoringProgress(r.DoneBytes, r.TotalBytes, r.DoneRows, r.TotalRows, r.Clock.Elapsed));
            }

            return maxExample + 1;
        }
    }
}
