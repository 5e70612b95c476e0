using System.Globalization;
using System.Text;
using LossEngine.Aggregation;

namespace LossEngine.Cli.Reports;

/// <summary>Prints a comparison the way llama.cpp's perplexity tool prints its KL-divergence block (its three
/// "======" sections, line for line and with its number formats), once overall and once per task, each under a line
/// naming the task, so that a block can be diffed against llama.cpp's output.</summary>
internal static class ComparisonReportText
{
    public static string Render(ComparisonReport report)
    {
        var text = new StringBuilder();
        foreach (ComparisonSummary s in report.Summaries)
        {
            Line(text, $"###### {s.Task}: {s.Tokens} tokens{(s.ExactPercentiles ? string.Empty : " (percentiles from a sketch, ±0.5% relative)")}");
            Line(text, $"====== Perplexity statistics ======");
            Line(text, $"Mean PPL(Q)                   : {s.CandidatePerplexity,10:F6} ± {s.CandidatePerplexityError,10:F6}");
            Line(text, $"Mean PPL(base)                : {s.ReferencePerplexity,10:F6} ± {s.ReferencePerplexityError,10:F6}");
            Line(text, $"Cor(ln(PPL(Q)), ln(PPL(base))): {100 * s.Correlation,6:F2}%");
            Line(text, $"Mean ln(PPL(Q)/PPL(base))     : {s.LogRatio,10:F6} ± {s.LogRatioError,10:F6}");
            Line(text, $"Mean PPL(Q)/PPL(base)         : {s.Ratio,10:F6} ± {s.RatioError,10:F6}");
            Line(text, $"Mean PPL(Q)-PPL(base)         : {s.Difference,10:F6} ± {s.DifferenceError,10:F6}");
            text.AppendLine();
            Line(text, $"====== KL divergence statistics ======");
            Line(text, $"Mean    KLD: {s.MeanKl,10:F6} ± {s.MeanKlError,10:F6}");
            Line(text, $"Maximum KLD: {s.MaxKl,10:F6}");
            Percentiles(text, "KLD", ComparisonAggregator.PercentileLevels, s.KlPercentiles, 1, "10:F6");
            Line(text, $"Minimum KLD: {s.MinKl,10:F6}");
            text.AppendLine();
            Line(text, $"====== Token probability statistics ======");
            Line(text, $"Mean    Δp: {100 * s.MeanDeltaP,6:F3} ± {100 * s.MeanDeltaPError,5:F3} %");
            Line(text, $"Maximum Δp: {100 * s.MaxDeltaP,6:F3}%");
            Percentiles(text, "Δp", ComparisonAggregator.DeltaPPercentileLevels, s.DeltaPPercentiles, 100, "6:F3");
            Line(text, $"Minimum Δp: {100 * s.MinDeltaP,6:F3}%");
            Line(text, $"RMS Δp    : {100 * s.RmsDeltaP,6:F3} ± {100 * s.RmsDeltaPError,5:F3} %");
            Line(text, $"Same top p: {100 * s.SameTop,6:F3} ± {100 * s.SameTopError,5:F3} %");
            text.AppendLine();
        }

        if (report.NaNTokens > 0)
        {
            Line(text, $"{report.NaNTokens} tokens had NaN logits or losses and were left out.");
        }

        return text.ToString();
    }

    /// <summary>llama.cpp's percentile lines: "99.9%   KLD:", " 5.0%   Δp:", and "Median  KLD:" for 50%; Δp lines carry
    /// a percent sign after the value.</summary>
    private static void Percentiles(StringBuilder text, string name, IReadOnlyList<double> levels, IReadOnlyList<double> values, double scale, string format)
    {
        string suffix = scale == 100 ? "%" : string.Empty;
        for (int i = 0; i < levels.Count; i++)
        {
            string label = levels[i] == 0.5 ? "Median " : string.Create(CultureInfo.InvariantCulture, $"{levels[i] * 100,4:F1}%  ");
            string value = string.Format(CultureInfo.InvariantCulture, $"{{0,{format}}}", scale * values[i]);
            text.Append(label).Append(' ').Append(name).Append(": ").Append(value).AppendLine(suffix);
        }
    }

    private static void Line(StringBuilder text, FormattableString line) => text.AppendLine(line.ToString(CultureInfo.InvariantCulture));
}
