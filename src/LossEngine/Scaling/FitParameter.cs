namespace LossEngine.Scaling;

/// <summary>One fitted parameter: its name as the JSON writes it, its estimate and its bootstrap interval.</summary>
/// <param name="Name">"E", "A", "alpha", "x0", "slope", …</param>
/// <param name="Value">The estimate from all the points.</param>
/// <param name="Interval">The percentile interval over the bootstrap refits (NaN ends for a fixed parameter).</param>
public sealed record FitParameter(string Name, double Value, ConfidenceInterval Interval);
