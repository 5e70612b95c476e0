using LossEngine.Aggregation;
using LossEngine.Formats;

namespace LossEngine.Pipeline;

/// <summary>How <see cref="DumpScorer"/> reads, scores and aggregates dumps.</summary>
public sealed record DumpScoringOptions
{
    /// <summary>Ignore index, temperature and threads (<see cref="ScoringOptions.MaxDegreeOfParallelism"/>: −1 for every
    /// core). Results are bitwise identical for every thread count.</summary>
    public ScoringOptions Scoring { get; init; } = new();

    /// <summary>Task names, top-k, worst examples and label-error thresholds. With no task names (the default), they come
    /// from the dumps: see <see cref="DumpTaskNames.Resolve"/>.</summary>
    public AggregatorOptions Aggregation { get; init; } = new();

    /// <summary>How files are opened when paths are given (shift, the 2-byte .npy type).</summary>
    public DumpOptions Dump { get; init; } = new();

    /// <summary>Bytes of logits per batch: each batch is scored by one worker. About 16 MiB keeps the last batches from
    /// leaving a core idle for long while making hand-over free.</summary>
    internal long BatchBytes { get; init; } = 16L << 20;
}
