namespace LossEngine.Scaling;

/// <summary>One task and one metric across models: points sorted by scale, one per model, at distinct scales.</summary>
public sealed record ScalingSeries
{
    /// <summary>The task's name as the input spells it.</summary>
    public required string Task { get; init; }

    /// <summary>The metric's name as the input spells it (<c>acc</c>, <c>acc_norm</c>, <c>ppl</c>, <c>loss</c>,
    /// <c>exact_match</c>, …).</summary>
    public required string Metric { get; init; }

    /// <summary>Which way the metric gets better.</summary>
    public required MetricDirection Direction { get; init; }

    /// <summary>The scale the points' x are on.</summary>
    public required ScaleAxis Axis { get; init; }

    /// <summary>The points, in increasing x.</summary>
    public required IReadOnlyList<ScalingPoint> Points { get; init; }

    /// <summary>The value a model scores by guessing (0.25 for four-way multiple choice), when known; it is the logistic
    /// fit's floor and the classifier's test for "near chance".</summary>
    public double? ChanceLevel { get; init; }
}
