namespace LossEngine.Scaling;

/// <summary>The result of <see cref="ScalingAnalysis.Run"/>, written as JSON by <see cref="ScalingReportJson"/>.</summary>
public sealed record ScalingReport
{
    /// <summary>The axis the series run along.</summary>
    public required ScaleAxis Axis { get; init; }

    /// <summary>The settings used.</summary>
    public required ScalingAnalysisOptions Options { get; init; }

    /// <summary>One analysis per series, in the inputs' order.</summary>
    public required IReadOnlyList<SeriesAnalysis> Series { get; init; }

    /// <summary>Every task that has a discontinuous and a continuous metric.</summary>
    public required IReadOnlyList<MirageComparison> Mirage { get; init; }

    /// <summary>The decomposition across scale, or null when no metric has 2 models in every task.</summary>
    public ScaleDecomposition? Decomposition { get; init; }
}
