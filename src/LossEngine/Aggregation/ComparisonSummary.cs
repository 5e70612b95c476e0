namespace LossEngine.Aggregation;

/// <summary>
/// llama.cpp's KL-divergence statistics of a candidate model against a reference, for one task or overall, in the order
/// of its perplexity tool's three sections. Q is the candidate, base the reference; losses are per-token cross-entropies
/// in nats, Δp = p_Q(target) − p_base(target).
/// </summary>
/// <remarks>Every "error" follows llama.cpp's <c>mean_and_uncertainty</c>: for a quantity x with n values,
/// √((mean x² − (mean x)²) / (n−1)), and 0 when n ≤ 10 or the variance is not positive. Its covariance of the two
/// losses is (mean ab − mean a·mean b)/(n−1), 0 when n &lt; 10. Our sums are exact, so only the final rounding differs.</remarks>
/// <param name="Task">The task's name, or "overall".</param>
/// <param name="Tokens">The tokens compared (ignored targets and NaN rows left out).</param>
/// <param name="ExactPercentiles">True when the percentiles are exact; false when they come from a sketch with relative
/// error 0.5%.</param>
/// <param name="CandidatePerplexity">PPL(Q) = exp(mean candidate loss).</param>
/// <param name="CandidatePerplexityError">PPL(Q) × the error of the mean candidate loss (first-order).</param>
/// <param name="ReferencePerplexity">PPL(base) = exp(mean reference loss).</param>
/// <param name="ReferencePerplexityError">PPL(base) × the error of the mean reference loss.</param>
/// <param name="Correlation">Cor(ln PPL(Q), ln PPL(base)): the covariance over the product of the two errors, which is
/// the Pearson correlation of the per-token losses when n &gt; 10 (NaN when an error is 0).</param>
/// <param name="LogRatio">Mean ln(PPL(Q)/PPL(base)) = mean (candidate loss − reference loss).</param>
/// <param name="LogRatioError">√(err_Q² + err_base² − 2·cov), computed as the error of the per-token differences (the
/// same quantity, without the cancellation).</param>
/// <param name="Ratio">PPL(Q)/PPL(base) = exp(<paramref name="LogRatio"/>).</param>
/// <param name="RatioError">Ratio × <paramref name="LogRatioError"/> (first-order).</param>
/// <param name="Difference">PPL(Q) − PPL(base).</param>
/// <param name="DifferenceError">√(PPL err_Q² + PPL err_base² − 2·PPL(Q)·PPL(base)·cov).</param>
/// <param name="MeanKl">Mean KL(base ‖ Q) per token.</param>
/// <param name="MeanKlError">Its error.</param>
/// <param name="MaxKl">The largest per-token KL.</param>
/// <param name="KlPercentiles">KL at <see cref="ComparisonAggregator.PercentileLevels"/>.</param>
/// <param name="MinKl">The smallest per-token KL.</param>
/// <param name="MeanDeltaP">Mean Δp.</param>
/// <param name="MeanDeltaPError">Its error.</param>
/// <param name="MaxDeltaP">The largest Δp (signed, as llama.cpp's "Maximum Δp").</param>
/// <param name="DeltaPPercentiles">Δp at <see cref="ComparisonAggregator.DeltaPPercentileLevels"/>.</param>
/// <param name="MinDeltaP">The smallest Δp.</param>
/// <param name="RmsDeltaP">√(mean Δp²).</param>
/// <param name="RmsDeltaPError">The error of mean Δp² (from Σ Δp⁴) times 1/(2·RMS).</param>
/// <param name="SameTop">The fraction of tokens where both models' top-1 tokens agree.</param>
/// <param name="SameTopError">Its binomial error, √(f·(1−f) / (n−1)).</param>
public sealed record ComparisonSummary(string Task, long Tokens, bool ExactPercentiles,
    double CandidatePerplexity, double CandidatePerplexityError, double ReferencePerplexity, double ReferencePerplexityError, double Correlation,
    double LogRatio, double LogRatioError, double Ratio, double RatioError, double Difference, double DifferenceError,
    double MeanKl, double MeanKlError, double MaxKl, IReadOnlyList<double> KlPercentiles, double MinKl,
    double MeanDeltaP, double MeanDeltaPError, double MaxDeltaP, IReadOnlyList<double> DeltaPPercentiles, double MinDeltaP,
    double RmsDeltaP, double RmsDeltaPError, double SameTop, double SameTopError);
