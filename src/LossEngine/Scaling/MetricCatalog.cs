namespace LossEngine.Scaling;

/// <summary>
/// What the analysis knows about metric names. A name's base is its part before the first comma, so that
/// lm-evaluation-harness's filtered names ("exact_match,strict-match") count as their metric.
/// </summary>
/// <remarks>
/// Lower is better: <c>loss</c>, <c>nll</c>, <c>cross_entropy</c>, <c>ppl</c>, <c>perplexity</c>,
/// <c>word_perplexity</c>, <c>byte_perplexity</c>, <c>bits_per_byte</c>, <c>bits_per_token</c>, <c>bpb</c>,
/// <c>bpc</c>, <c>brier_score</c> (the continuous counterpart of multiple-choice accuracy), and any name ending in <c>_loss</c>, <c>_nll</c>, <c>_perplexity</c> or <c>_ppl</c>. Higher is better:
/// <c>acc</c>, <c>acc_norm</c>, <c>accuracy</c>, <c>exact_match</c>, <c>em</c>, <c>f1</c>, <c>mc1</c>, <c>mc2</c>,
/// <c>p_next</c>, <c>mean_example_loglikelihood</c>, <c>top_k_accuracy</c>, <c>mrr</c>, <c>acc_bytes</c>,
/// <c>acc_mutual_info</c>, <c>gold_probability</c>. Any other metric needs its
/// direction named by the caller.
/// </remarks>
public static class MetricCatalog
{
    private static readonly HashSet<string> Lower = new(StringComparer.Ordinal)
    {
        "loss", "nll", "cross_entropy", "ppl", "perplexity", "word_perplexity", "byte_perplexity", "bits_per_byte", "bits_per_token", "bpb", "bpc",
        "brier_score",
    };

    private static readonly HashSet<string> Higher = new(StringComparer.Ordinal)
    {
        "acc", "acc_norm", "accuracy", "exact_match", "em", "f1", "mc1", "mc2", "p_next", "mean_example_loglikelihood", "top_k_accuracy", "mrr",
        "acc_bytes", "acc_mutual_info", "gold_probability",
    };

    private static readonly HashSet<string> PassFail = new(StringComparer.Ordinal) { "exact_match", "em", "acc", "acc_norm", "accuracy", "mc1", "acc_bytes", "acc_mutual_info" };

    private static readonly string[] Continuous =
    [
        "p_next", "mean_example_loglikelihood", "loss", "perplexity", "ppl", "word_perplexity", "byte_perplexity", "bits_per_token", "bits_per_byte", "mc2",
        "brier_score", "gold_probability",
    ];

    /// <summary>The part of <paramref name="metric"/> before its first comma.</summary>
    public static string BaseName(string metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        int comma = metric.IndexOf(',', StringComparison.Ordinal);
        return comma < 0 ? metric : metric[..comma];
    }

    /// <summary>The direction of a known metric (see the remarks); false for any other.</summary>
    public static bool TryGetDirection(string metric, out MetricDirection direction)
    {
        string name = BaseName(metric);
        if (Lower.Contains(name) || name.EndsWith("_loss", StringComparison.Ordinal) || name.EndsWith("_nll", StringComparison.Ordinal)
            || name.EndsWith("_perplexity", StringComparison.Ordinal) || name.EndsWith("_ppl", StringComparison.Ordinal))
        {
            direction = MetricDirection.LowerIsBetter;
            return true;
        }

        direction = MetricDirection.HigherIsBetter;
        return Higher.Contains(name);
    }

    /// <summary>True for metrics that score each example pass or fail, whose mean can jump where the probability behind it
    /// moves smoothly: <c>exact_match</c>, <c>em</c>, <c>acc</c>, <c>acc_norm</c>, <c>accuracy</c>, <c>mc1</c>,
    /// <c>acc_bytes</c>, <c>acc_mutual_info</c>.</summary>
    public static bool IsDiscontinuous(string metric) => PassFail.Contains(BaseName(metric));

    /// <summary>True for exact match (<c>exact_match</c>, <c>em</c>), whose value a per-token probability predicts as
    /// p_next^L.</summary>
    public static bool IsExactMatch(string metric) => BaseName(metric) is "exact_match" or "em";

    /// <summary>The rank of a continuous metric in the mirage view's order of preference (<c>p_next</c>,
    /// <c>mean_example_loglikelihood</c>, <c>loss</c>, <c>perplexity</c>, <c>ppl</c>, <c>word_perplexity</c>,
    /// <c>byte_perplexity</c>, <c>bits_per_token</c>, <c>bits_per_byte</c>, <c>mc2</c>, <c>brier_score</c>,
    /// <c>gold_probability</c>); −1 for a metric that is not one.</summary>
    public static int ContinuousRank(string metric) => Array.IndexOf(Continuous, BaseName(metric));
}
