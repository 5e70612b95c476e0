namespace LossEngine.Scaling;

/// <summary>One series with its class, fit and extrapolation.</summary>
public sealed record SeriesAnalysis
{
    /// <summary>The series.</summary>
    public required ScalingSeries Series { get; init; }

    /// <summary>Its class and the scores behind it.</summary>
    public required SeriesClassification Classification { get; init; }

    /// <summary>The fitted curve, or null (see <see cref="FitNote"/>).</summary>
    public CurveFit? Fit { get; init; }

    /// <summary>Why there is no fit; null when there is one.</summary>
    public string? FitNote { get; init; }

    /// <summary>The fit at the requested scale, or null when none was requested or there is no fit.</summary>
    public Extrapolation? Extrapolation { get; init; }
}
