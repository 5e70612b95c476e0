using System.Globalization;
using System.Text;

namespace LossEngine.Cli.Reports;

/// <summary>
/// llama.cpp's KL-divergence statistics, overall and per task, from every token's comparison. Percentiles are exact:
/// every per-token KL and Δp is kept (8 bytes per token; 100M tokens is 800 MB).
/// </summary>
internal sealed class ComparisonReport(IReadOnlyList<string> taskNames)
{
    private readonly List<Sample>[] _byTask = [.. taskNames.Select(_ => new List<Sample>())];

    private readonly record struct Sample(float Kl, float DeltaP, bool SameTop, double ReferenceLoss, double CandidateLoss);

    public long NaNTokens { get; private set; }

    public void Add(int task, in ComparisonStatistics c)
    {
        if (float.IsNaN(c.KlDivergence) || float.IsNaN(c.ReferenceLoss) || float.IsNaN(c.CandidateLoss))
        {
            NaNTokens++;
            return;
        }

        _byTask[task].Add(new Sample(c.KlDivergence, c.CandidateTargetProbability - c.ReferenceTargetProbability, c.SameArgMax, c.ReferenceLoss, c.CandidateLoss));
    }

    public sealed record Summary(string Task, long Tokens, double MeanKl, double MeanKlError, double[] KlPercentiles, double MaxKl, double MinKl,
        double MeanDeltaP, double MeanDeltaPError, double RmsDeltaP, double[] DeltaPPercentiles, double SameTop, double SameTopError,
        double ReferencePerplexity, double CandidatePerplexity, double LogRatio, double LogRatioError, double Ratio, double RatioError, double Correlation);

    /// <summary>The percentile levels printed, as llama.cpp does: 99.9, 99, 95, 90, 50, 10, 5, 1, 0.1.</summary>
    public static readonly double[] Levels = [0.999, 0.99, 0.95, 0.90, 0.50, 0.10, 0.05, 0.01, 0.001];

    public IEnumerable<Summary> Summaries()
    {
        var all = _byTask.SelectMany(s => s).ToList();
        yield return Summarize("overall", all);
        for (int t = 0; t < _byTask.Length; t++)
        {
            if (_byTask[t].Count > 0)
            {
                yield return Summarize(taskNames[t], _byTask[t]);
            }
        }
    }

    private static Summary Summarize(string task, List<Sample> samples)
    {
        int n = samples.Count;
        double[] kl = [.. samples.Select(s => (double)s.Kl).Order()];
        double[] deltaP = [.. samples.Select(s => (double)s.DeltaP).Order()];
        (double klMean, double klError) = MeanAndError(kl);
        (double dpMean, double dpError) = MeanAndError(deltaP);
        double same = samples.Count(s => s.SameTop) / (double)n;
        double[] diff = [.. samples.Select(s => s.CandidateLoss - s.ReferenceLoss)];
        (double logRatio, double logRatioError) = MeanAndError(diff);
        double referenceMean = samples.Average(s => s.ReferenceLoss);
        double candidateMean = samples.Average(s => s.CandidateLoss);
        double cov = samples.Sum(s => (s.ReferenceLoss - referenceMean) * (s.CandidateLoss - candidateMean));
        double varRef = samples.Sum(s => Math.Pow(s.ReferenceLoss - referenceMean, 2));
        double varCand = samples.Sum(s => Math.Pow(s.CandidateLoss - candidateMean, 2));
        return new Summary(task, n, klMean, klError, [.. Levels.Select(l => Percentile(kl, l))], kl.Length > 0 ? kl[^1] : double.NaN, kl.Length > 0 ? kl[0] : double.NaN,
            dpMean, dpError, Math.Sqrt(deltaP.Average(d => d * d)), [.. Levels.Select(l => Percentile(deltaP, l))],
            same, n > 1 ? Math.Sqrt(same * (1 - same) / (n - 1)) : double.NaN,
            Math.Exp(referenceMean), Math.Exp(candidateMean), logRatio, logRatioError, Math.Exp(logRatio), Math.Exp(logRatio) * logRatioError,
            cov / Math.Sqrt(varRef * varCand));
    }

    /// <summary>Mean and its standard error √(Σ(x−x̄)²/(n−1)/n). For the log PPL ratio this is the error of the mean
    /// per-token difference, which includes the covariance of the two models' losses.</summary>
    private static (double Mean, double Error) MeanAndError(double[] values)
    {
        int n = values.Length;
        if (n == 0)
        {
            return (double.NaN, double.NaN);
        }

        double mean = values.Average();
        double variance = n > 1 ? values.Sum(v => (v - mean) * (v - mean)) / (n - 1) : double.NaN;
        return (mean, Math.Sqrt(variance / n));
    }

    /// <summary>Linear interpolation between closest ranks on sorted values: position p·(n−1).</summary>
    public static double Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        double position = p * (sorted.Length - 1);
        int low = (int)Math.Floor(position);
        int high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + ((position - low) * (sorted[high] - sorted[low]));
    }

    public string Render()
    {
        var text = new StringBuilder();
        foreach (Summary s in Summaries())
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"====== {s.Task}: {s.Tokens} tokens ======"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Mean PPL(Q)                   : {s.CandidatePerplexity:F6}"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Mean PPL(base)                : {s.ReferencePerplexity:F6}"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Cor(ln(PPL(Q)), ln(PPL(base))): {100 * s.Correlation:F2}%"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Mean ln(PPL(Q)/PPL(base))     : {s.LogRatio:F6} ± {s.LogRatioError:F6}"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Mean PPL(Q)/PPL(base)         : {s.Ratio:F6} ± {s.RatioError:F6}"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Mean    KLD: {s.MeanKl,10:F6} ± {s.MeanKlError:F6}"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Maximum KLD: {s.MaxKl,10:F6}"));
            for (int i = 0; i < Levels.Length; i++)
            {
                text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{Levels[i] * 100,5:0.#}%   KLD: {s.KlPercentiles[i],10:F6}"));
            }

            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Minimum KLD: {s.MinKl,10:F6}"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Mean    Δp: {100 * s.MeanDeltaP,8:F3} ± {100 * s.MeanDeltaPError:F3} %"));
            for (int i = 0; i < Levels.Length; i++)
            {
                text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{Levels[i] * 100,5:0.#}%   Δp: {100 * s.DeltaPPercentiles[i],8:F3}%"));
            }

            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"RMS Δp    : {100 * s.RmsDeltaP,8:F3} %"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Same top p: {100 * s.SameTop,7:F3} ± {100 * s.SameTopError:F3} %"));
            text.AppendLine();
        }

        if (NaNTokens > 0)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{NaNTokens} tokens had NaN logits or losses and were left out."));
        }

        return text.ToString();
    }
}
