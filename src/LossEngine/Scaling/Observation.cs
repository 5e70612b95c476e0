namespace LossEngine.Scaling;

/// <summary>One value read from one input: what a reader hands to <see cref="SeriesBuilder"/>, with where it came
/// from for messages.</summary>
internal sealed record Observation(
    string Task,
    string Metric,
    MetricDirection Direction,
    string Model,
    double X,
    double Y,
    double StandardError,
    long Count,
    double TokensPerExample,
    double? ChanceLevel,
    string File,
    string Field);
