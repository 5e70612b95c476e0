using LossEngine.Aggregation;
using LossEngine.Formats;

namespace LossEngine.Pipeline;

/// <summary>How <see cref="ModelComparer"/> reads and compares two models' dumps.</summary>
public sealed record ComparisonOptions
{
    /// <summary>Ignore index, temperature and threads (−1 for every core). Results are bitwise identical for every thread
    /// count.</summary>
    public ScoringOptions Scoring { get; init; } = new();

    /// <summary>Task names by task id. Empty (the default): they come from the reference dumps, see
    /// <see cref="DumpTaskNames.Resolve"/>.</summary>
    public IReadOnlyList<string> TaskNames { get; init; } = [];

    /// <summary>Tokens per task up to which percentiles are exact; see
    /// <see cref="ComparisonAggregator.DefaultExactPercentileLimit"/>.</summary>
    public int ExactPercentileLimit { get; init; } = ComparisonAggregator.DefaultExactPercentileLimit;

    /// <summary>How files are opened when paths are given (shift, the 2-byte .npy type).</summary>
    public DumpOptions Dump { get; init; } = new();

    /// <summary>Bytes of logits per batch and model.</summary>
    internal long BatchBytes { get; init; } = 16L << 20;
}
