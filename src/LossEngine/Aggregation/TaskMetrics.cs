namespace LossEngine.Aggregation;

/// <summary>
/// One task's metrics (or the overall ones). Token-level means are over scored tokens (ignored rows and NaN losses
/// excluded); example-level means are over examples with at least one scored token.
/// </summary>
public sealed record TaskMetrics
{
    /// <summary>The task's name ("overall" for the whole stream).</summary>
    public required string Task { get; init; }

    /// <summary>N: scored tokens.</summary>
    public long Tokens { get; init; }

    /// <summary>G: examples with at least one scored token.</summary>
    public long Examples { get; init; }

    /// <summary>Tokens whose loss was NaN: counted here, left out of every mean.</summary>
    public long NaNLosses { get; init; }

    /// <summary>Mean token loss Σloss/N, nats.</summary>
    public double Loss { get; init; }

    /// <summary>Cluster-robust standard error of <see cref="Loss"/>, clustering tokens by example:
    /// √(G/(G−1) · Σ_e (S_e − n_e·Loss)²) / N.</summary>
    public double LossStandardError { get; init; }

    /// <summary>exp(Loss).</summary>
    public double Perplexity { get; init; }

    /// <summary>The 95% interval for perplexity by the delta method on the log scale: exp(Loss ± 1.96·SE).</summary>
    public double PerplexityLow { get; init; }

    /// <summary>Upper end of the 95% perplexity interval.</summary>
    public double PerplexityHigh { get; init; }

    /// <summary>e^(−Loss): the geometric-mean probability of the right next token.</summary>
    public double TargetProbability { get; init; }

    /// <summary>Loss / ln 2.</summary>
    public double BitsPerToken { get; init; }

    /// <summary>Σloss / (ln 2 · Σbytes) when every scored token had a byte length; NaN otherwise.</summary>
    public double BitsPerByte { get; init; }

    /// <summary>Top-1 accuracy: the fraction of tokens with rank 0.</summary>
    public double Accuracy { get; init; }

    /// <summary>Cluster-robust standard error of <see cref="Accuracy"/>, as for the loss.</summary>
    public double AccuracyStandardError { get; init; }

    /// <summary>The fraction of tokens with rank &lt; k.</summary>
    public double TopKAccuracy { get; init; }

    /// <summary>Mean of 1/(rank+1).</summary>
    public double MeanReciprocalRank { get; init; }

    /// <summary>The fraction of examples whose every token is the model's argmax.</summary>
    public double ExactMatch { get; init; }

    /// <summary>Sample standard deviation of the per-example exact-match indicator over √G.</summary>
    public double ExactMatchStandardError { get; init; }

    /// <summary>Mean over examples of Σ log p (lm-evaluation-harness's log-likelihood), nats.</summary>
    public double MeanExampleLogLikelihood { get; init; }

    /// <summary>Sample standard deviation of the example log-likelihoods over √G.</summary>
    public double MeanExampleLogLikelihoodStandardError { get; init; }

    /// <summary>Mean softmax entropy, nats, over the tokens whose entropy is defined (a row with a +∞ logit has none,
    /// like a NaN loss); NaN when none is.</summary>
    public double MeanEntropy { get; init; }

    /// <summary>Expected calibration error of top-1 confidence p(argmax) against top-1 correctness, 15 equal-width bins:
    /// Σ_b (n_b/N)·|acc_b − conf_b|, over the N tokens whose top-1 probability is defined (not rows with a +∞ logit).</summary>
    public double ExpectedCalibrationError { get; init; }

    /// <summary>The 15 confidence bins the ECE is computed from, lowest first.</summary>
    public IReadOnlyList<CalibrationBin> Calibration { get; init; } = [];

    /// <summary>w_t in Overall = Σ w_t·loss_t: the task's token share, or the user's weight normalised to sum 1.</summary>
    public double Weight { get; init; }

    /// <summary>w_t·loss_t.</summary>
    public double Contribution { get; init; }

    /// <summary>w_t·loss_t / Σ_u w_u·loss_u: the task's share of the overall loss.</summary>
    public double ShareOfLoss { get; init; }

    /// <summary>The k examples with the highest mean token loss, worst first.</summary>
    public IReadOnlyList<WorstExample> WorstExamples { get; init; } = [];

    /// <summary>Tokens where the model's top-1 probability is at least the threshold and the target's rank at least the
    /// minimum rank, highest loss first.</summary>
    public IReadOnlyList<PossibleLabelError> PossibleLabelErrors { get; init; } = [];
}
