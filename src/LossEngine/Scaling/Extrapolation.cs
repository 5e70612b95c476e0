namespace LossEngine.Scaling;

/// <summary>A fitted curve's value at a scale, with the percentile interval of the bootstrap curves' values there.</summary>
/// <param name="X">The scale.</param>
/// <param name="Y">The fitted curve at <paramref name="X"/>.</param>
/// <param name="Interval">The bootstrap interval of the curve's value at <paramref name="X"/>.</param>
public sealed record Extrapolation(double X, double Y, ConfidenceInterval Interval);
