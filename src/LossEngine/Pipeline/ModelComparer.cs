using System.Diagnostics;
using LossEngine.Aggregation;
using LossEngine.Formats;

namespace LossEngine.Pipeline;

/// <summary>
/// Compares two models token by token over dumps of the same text, the way <c>lossengine compare</c> does: the fused KL
/// kernel over each pair of rows, into a <see cref="ComparisonAggregator"/> (llama.cpp's KL-divergence statistics,
/// overall and per task). The pairs of dumps are compared in order as one dataset.
/// </summary>
/// <remarks>Rows are compared in batches on worker threads and aggregated in row order on the calling thread, as in
/// <see cref="DumpScorer"/>; the result is bitwise identical for every thread count. Cancellation is checked between
/// batches.</remarks>
public static class ModelComparer
{
    /// <summary>Opens pairs of safetensors dumps, compares them in order, and closes them.</summary>
    /// <param name="referencePaths">The reference model's dumps (llama.cpp's "base").</param>
    /// <param name="candidatePaths">The candidate model's dumps ("Q"), one per reference, of the same shape and targets.</param>
    /// <param name="options">Scoring, task and file options; null for the defaults.</param>
    /// <param name="progress">Told after each batch; called on the calling thread.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>The comparison: call <see cref="ComparisonAggregator.Report"/> for the statistics.</returns>
    /// <exception cref="DumpFormatException">A file is wrong, a pair differs in rows, V, element type or targets, or a
    /// target or task id is out of range; the message names the files and row.</exception>
    /// <exception cref="ArgumentException">The lists differ in length or are empty, or the options are invalid.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static ComparisonAggregator Compare(IReadOnlyList<string> referencePaths, IReadOnlyList<string> candidatePaths, ComparisonOptions? options = null, IProgress<ScoringProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(referencePaths);
        ArgumentNullException.ThrowIfNull(candidatePaths);
        options ??= new ComparisonOptions();
        using var references = new DumpList(referencePaths.Select(p => EvalDump.OpenSafetensors(p, options.Dump)));
        using var candidates = new DumpList(candidatePaths.Select(p => EvalDump.OpenSafetensors(p, options.Dump)));
        return Compare(references.Items, candidates.Items, options, progress, cancellationToken);
    }

    /// <summary>Compares pairs of opened dumps in order.</summary>
    /// <param name="references">The reference model's dumps; they stay open and owned by the caller.</param>
    /// <param name="candidates">The candidate model's dumps, one per reference.</param>
    /// <param name="options">Scoring and task options; null for the defaults. <see cref="ComparisonOptions.Dump"/> is not
    /// used: the dumps are already open.</param>
    /// <param name="progress">Told after each batch; called on the calling thread.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <inheritdoc cref="Compare(IReadOnlyList{string}, IReadOnlyList{string}, ComparisonOptions?, IProgress{ScoringProgress}?, CancellationToken)" path="/returns"/>
    /// <inheritdoc cref="Compare(IReadOnlyList{string}, IReadOnlyList{string}, ComparisonOptions?, IProgress{ScoringProgress}?, CancellationToken)" path="/exception"/>
    public static ComparisonAggregator Compare(IReadOnlyList<EvalDump> references, IReadOnlyList<EvalDump> candidates, ComparisonOptions? options = null, IProgress<ScoringProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(references);
        ArgumentNullException.ThrowIfNull(candidates);
        options ??= new ComparisonOptions();
        options.Scoring.Validate();
        if (references.Count == 0 || references.Count != candidates.Count)
        {
            throw new ArgumentException($"Compare needs one candidate dump per reference dump, and at least one: {references.Count} references, {candidates.Count} candidates.", nameof(candidates));
        }

        for (int i = 0; i < references.Count; i++)
        {
            EvalDump a = references[i], b = candidates[i];
            if (a.Rows != b.Rows || a.Vocabulary != b.Vocabulary || a.LogitType != b.LogitType)
            {
                throw new DumpFormatException($"{b.File}: {b.Rows} rows × V={b.Vocabulary} ({b.LogitType}) do not match {a.File}: {a.Rows} rows × V={a.Vocabulary} ({a.LogitType}).");
            }
        }

        DumpList.CheckAlike(references);
        IReadOnlyList<string> names = options.TaskNames.Count > 0 ? options.TaskNames : DumpTaskNames.Resolve(references);
        var run = new ComparisonRun(new ComparisonAggregator(names, options.ExactPercentileLimit), options, references, progress, cancellationToken);
        for (int i = 0; i < references.Count; i++)
        {
            TensorDataTypes.Dispatch<ComparePair, bool>(references[i].LogitType, new ComparePair(run, references[i], candidates[i]));
        }

        return run.Aggregator;
    }

    /// <summary>What one call carries from pair to pair.</summary>
    private sealed class ComparisonRun(ComparisonAggregator aggregator, ComparisonOptions options, IReadOnlyList<EvalDump> references, IProgress<ScoringProgress>? progress, CancellationToken cancellationToken)
    {
        public ComparisonAggregator Aggregator { get; } = aggregator;

        public ComparisonOptions Options { get; } = options;

        public IProgress<ScoringProgress>? Progress { get; } = progress;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public Stopwatch Clock { get; } = Stopwatch.StartNew();

        public long TotalBytes { get; } = 2 * references.Sum(d => d.LogitBytes);

        public long TotalRows { get; } = references.Sum(d => d.Rows);

        public long DoneBytes { get; set; }

        public long DoneRows { get; set; }
    }

    /// <summary>Compares one pair of dumps with their element type known.</summary>
    private readonly struct ComparePair(ComparisonRun run, EvalDump reference, EvalDump candidate) : ILogitTypeAction<bool>
    {
        public bool Invoke<T>()
            where T : unmanaged
        {
            ComparisonRun r = run;
            EvalDump a = reference, b = candidate;
            int batchRows = RowChecks.BatchRows(a, r.Options.BatchBytes);
            long rowBytes = 2 * a.LogitBytes / Math.Max(1, a.Rows);
            int taskCount = r.Aggregator.TaskNames.Count;
            ScoringOptions singleThreaded = r.Options.Scoring with { MaxDegreeOfParallelism = 1 };
            using var pipeline = new BatchPipeline<ComparedBatch>(a.Rows, batchRows, r.Options.Scoring.MaxDegreeOfParallelism, a.RunLength,
                () => new ComparedBatch(batchRows), (batch, firstRow, rows) => batch.Compare<T>(a, b, firstRow, rows, taskCount, singleThreaded));
            while (true)
            {
                r.CancellationToken.ThrowIfCancellationRequested();
                if (pipeline.Next() is not ({ } batch, _, int rows))
                {
                    break;
                }

                r.Aggregator.Add(batch.Results.AsSpan(0, rows), batch.TaskIds.AsSpan(0, rows));
                r.DoneRows += rows;
                r.DoneBytes += rows * rowBytes;
                r.Progress?.Report(new ScoringProgress(r.DoneBytes, r.TotalBytes, r.DoneRows, r.TotalRows, r.Clock.Elapsed));
            }

            return true;
        }
    }
}
