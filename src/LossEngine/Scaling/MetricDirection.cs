namespace LossEngine.Scaling;

/// <summary>Which way a metric gets better.</summary>
public enum MetricDirection
{
    /// <summary>Lower is better: loss, perplexity, bits.</summary>
    LowerIsBetter,

    /// <summary>Higher is better: accuracy, exact match, p_next.</summary>
    HigherIsBetter,
}
