namespace LossEngine.Scaling;

/// <summary>One model's value of a series' metric.</summary>
public sealed record ScalingPoint
{
    /// <summary>The model's name, unique within a series.</summary>
    public required string Model { get; init; }

    /// <summary>The model's scale on the series' axis; positive.</summary>
    public required double X { get; init; }

    /// <summary>The metric's value.</summary>
    public required double Y { get; init; }

    /// <summary>The standard error of <see cref="Y"/>; NaN when the input gives none.</summary>
    public double StandardError { get; init; } = double.NaN;

    /// <summary>How many units the value is a mean over (tokens or examples); 0 when unknown.</summary>
    public long Count { get; init; }

    /// <summary>Scored tokens per example of the task for this model (tokens / examples in a score report); NaN when
    /// unknown. The mirage view needs it to turn a per-token probability into an exact match.</summary>
    public double TokensPerExample { get; init; } = double.NaN;
}
