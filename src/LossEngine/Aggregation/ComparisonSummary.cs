namespace LossEngine.Aggregation;

/// <summary>
/// llama.cpp's KL-divergence statistics of a candidate model against a reference, for one task or overall. Q is the
/// candidate, base the reference; losses are per-token cross-entropies in nats, Δp = p_Q(target) − p_base(target).
/// </summary>
/// <param name="Task">The task's name, or "overall".</param>
/// <param name="Tokens">The tokens compared (ignored targets and NaN rows left out).</param>
/// <param name="ExactPercentiles">True when the percentiles are exact; false when they come from a sketch with relative
/// error 0.5%.</param>
/// <param name="MeanKl">Mean KL(base ‖ Q) per token.</param>
/// <param name="MeanKlError">Its standard error, √(var / n); NaN for one token.</param>
/// <param name="KlPercentiles">KL at <see cref="ComparisonAggregator.PercentileLevels"/>.</param>
/// <param name="MaxKl">The largest per-token KL.</param>
/// <param name="MinKl">The smallest per-token KL.</param>
/// <param name="MeanDeltaP">Mean Δp.</param>
/// <param name="MeanDeltaPError">Its standard error.</param>
/// <param name="RmsDeltaP">√(mean Δp²).</param>
/// <param name="DeltaPPercentiles">Δp at <see cref="ComparisonAggregator.PercentileLevels"/>.</param>
/// <param name="SameTop">The fraction of tokens where both models' top-1 tokens agree.</param>
/// <param name="SameTopError">Its standard error, √(f·(1−f) / (n−1)).</param>
/// <param name="ReferencePerplexity">exp(mean reference loss): PPL(base).</param>
/// <param name="CandidatePerplexity">exp(mean candidate loss): PPL(Q).</param>
/// <param name="LogRatio">Mean ln(PPL(Q)/PPL(base)) = mean (candidate loss − reference loss).</param>
/// <param name="LogRatioError">Its standard error.</param>
/// <param name="Ratio">PPL(Q)/PPL(base) = exp(<paramref name="LogRatio"/>).</param>
/// <param name="RatioError">Ratio × <paramref name="LogRatioError"/> (first-order).</param>
/// <param name="Correlation">Pearson correlation of the two models' per-token losses.</param>
public sealed record ComparisonSummary(string Task, long Tokens, bool ExactPercentiles, double MeanKl, double MeanKlError, IReadOnlyList<double> KlPercentiles, double MaxKl, double MinKl,
    double MeanDeltaP, double MeanDeltaPError, double RmsDeltaP, IReadOnlyList<double> DeltaPPercentiles, double SameTop, double SameTopError,
    double ReferencePerplexity, double CandidatePerplexity, double LogRatio, double LogRatioError, double Ratio, double RatioError, double Correlation);
