namespace LossEngine.Scaling;

/// <summary>Settings of <see cref="ScalingAnalysis.Run"/>.</summary>
public sealed record ScalingAnalysisOptions
{
    /// <summary>The one-variable fits' settings (bootstrap, seed, confidence, δ).</summary>
    public CurveFitOptions Fit { get; init; } = new();

    /// <summary>A scale at which to evaluate every fit with its interval; null for none.</summary>
    public double? ExtrapolateTo { get; init; }

    /// <summary>Tokens per example L for the mirage view's p_next^L, overriding the inputs' (score reports carry it;
    /// lm-eval results and tidy CSV do not); null keeps the inputs'.</summary>
    public double? TokensPerExample { get; init; }

    /// <summary>The metric to decompose across scale; null picks <c>loss</c>, else the first lower-is-better metric, else
    /// the first metric, among the metrics that more than one task has (among all when none has).</summary>
    public string? DecompositionMetric { get; init; }

    /// <summary>Threads across series; −1 (the default) uses every core. Results do not depend on it.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;
}
