using System.Globalization;
using System.Text;
using LossEngine.Aggregation;

namespace LossEngine.Cli.Reports;

/// <summary>Prints a comparison the way llama.cpp's perplexity tool prints its KL-divergence block, per task.</summary>
internal static class ComparisonReportText
{
    public static string Render(ComparisonReport report)
    {
        IReadOnlyList<double> levels = ComparisonAggregator.PercentileLevels;
        var text = new StringBuilder();
        foreach (ComparisonSummary s in report.Summaries)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"====== {s.Task}: {s.Tokens} tokens ======{(s.ExactPercentiles ? string.Empty : " (percentiles from a sketch, ±0.5% relative)")}"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Mean PPL(Q)                   : {s.CandidatePerplexity:F6}"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Mean PPL(base)                : {s.ReferencePerplexity:F6}"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Cor(ln(PPL(Q)), ln(PPL(base))): {100 * s.Correlation:F2}%"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Mean ln(PPL(Q)/PPL(base))     : {s.LogRatio:F6} ± {s.LogRatioError:F6}"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Mean PPL(Q)/PPL(base)         : {s.Ratio:F6} ± {s.RatioError:F6}"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Mean    KLD: {s.MeanKl,10:F6} ± {s.MeanKlError:F6}"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Maximum KLD: {s.MaxKl,10:F6}"));
            for (int i = 0; i < levels.Count; i++)
            {
                text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{levels[i] * 100,5:0.#}%   KLD: {s.KlPercentiles[i],10:F6}"));
            }

            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Minimum KLD: {s.MinKl,10:F6}"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Mean    Δp: {100 * s.MeanDeltaP,8:F3} ± {100 * s.MeanDeltaPError:F3} %"));
            for (int i = 0; i < levels.Count; i++)
            {
                text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{levels[i] * 100,5:0.#}%   Δp: {100 * s.DeltaPPercentiles[i],8:F3}%"));
            }

            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"RMS Δp    : {100 * s.RmsDeltaP,8:F3} %"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Same top p: {100 * s.SameTop,7:F3} ± {100 * s.SameTopError:F3} %"));
            text.AppendLine();
        }

        if (report.NaNTokens > 0)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{report.NaNTokens} tokens had NaN logits or losses and were left out."));
        }

        return text.ToString();
    }
}
