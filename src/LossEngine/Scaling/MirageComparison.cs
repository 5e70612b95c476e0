namespace LossEngine.Scaling;

/// <summary>
/// One task's discontinuous metric (exact match, accuracy) next to a continuous one (p_next, loss, mean example
/// log-likelihood, perplexity) of the same task, after Schaeffer et al. (2023, "Are Emergent Abilities of Large Language
/// Models a Mirage?"): an ability that looks emergent under a pass/fail metric often rises smoothly under a continuous
/// one.
/// </summary>
public sealed record MirageComparison
{
    /// <summary>The task.</summary>
    public required string Task { get; init; }

    /// <summary>The discontinuous metric's name.</summary>
    public required string DiscontinuousMetric { get; init; }

    /// <summary>Its class.</summary>
    public required ScalingClass DiscontinuousClass { get; init; }

    /// <summary>The continuous metric's name (the first of <see cref="MetricCatalog.ContinuousRank"/>'s order the task has).</summary>
    public required string ContinuousMetric { get; init; }

    /// <summary>Its class.</summary>
    public required ScalingClass ContinuousClass { get; init; }

    /// <summary>True when the discontinuous metric is emergent and the continuous one smooth.</summary>
    public required bool Flagged { get; init; }

    /// <summary>"emergent under X, smooth under Y" (or the two classes as they are).</summary>
    public required string Note { get; init; }

    /// <summary>The discontinuous metric per model, with the exact match p_next predicts.</summary>
    public required IReadOnlyList<MirageRow> Rows { get; init; }
}
