using System.Globalization;
using LossEngine.Aggregation;
using LossEngine.Reports.Plots;

namespace LossEngine.Reports.Html;

/// <summary>The HTML page of a model comparison (the numbers of the JSON report, schema lossengine.compare/1).</summary>
public static class ComparisonHtml
{
    /// <summary>Renders the page.</summary>
    /// <param name="report">The comparison.</param>
    /// <param name="figures">The plots to show (<see cref="ComparisonPlots.All"/>).</param>
    /// <param name="reference">The reference model's files.</param>
    /// <param name="candidate">The candidate model's files.</param>
    public static string Render(ComparisonReport report, IReadOnlyList<Figure> figures, IReadOnlyList<string> reference, IReadOnlyList<string> candidate)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(figures);
        var page = new HtmlPage("LossEngine model comparison");
        page.Paragraph($"Reference (base): {string.Join(", ", reference)}. Candidate (Q): {string.Join(", ", candidate)}. KL(base ‖ Q) per token in nats; Δp = p_Q(target) − p_base(target).", note: true);
        if (report.NaNTokens > 0)
        {
            page.Paragraph(string.Create(CultureInfo.InvariantCulture, $"{report.NaNTokens} tokens had NaN logits or losses and were left out."));
        }

        page.Heading("Per task");
        string[] headers = ["task", "tokens", "mean KLD", "KLD s.e.", "median KLD", "99% KLD", "max KLD", "mean Δp", "RMS Δp", "same top-1", "PPL(Q)", "PPL(base)", "PPL ratio", "loss correlation"];
        int median = Index(0.50), p99 = Index(0.99);
        page.Table(headers, report.Summaries.Select((s, i) => Row(s, i == 0 ? "overall" : $"tasks.{i - 1}")));

        page.Heading("KLD percentiles");
        IReadOnlyList<double> levels = ComparisonAggregator.PercentileLevels;
        page.Table(["task", .. levels.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l * 100:0.#}%"))],
            report.Summaries.Select((s, i) => (IReadOnlyList<Cell>)
                [Cell.Of(s.Task), .. s.KlPercentiles.Select((v, k) => Cell.Number(v, $"{(i == 0 ? "overall" : $"tasks.{i - 1}")}.kld_percentiles.{k}"))]));

        page.Heading("Plots");
        foreach (Figure figure in figures)
        {
            page.Figure(figure);
        }

        return page.Render();

        IReadOnlyList<Cell> Row(ComparisonSummary s, string json) =>
        [
            Cell.Of(s.Task), Cell.Count(s.Tokens, $"{json}.tokens"), Cell.Number(s.MeanKl, $"{json}.mean_kld"), Cell.Number(s.MeanKlError, $"{json}.mean_kld_stderr"),
            Cell.Number(s.KlPercentiles[median], $"{json}.kld_percentiles.{median}"), Cell.Number(s.KlPercentiles[p99], $"{json}.kld_percentiles.{p99}"),
            Cell.Number(s.MaxKl, $"{json}.max_kld"), Cell.Number(s.MeanDeltaP, $"{json}.mean_delta_p"), Cell.Number(s.RmsDeltaP, $"{json}.rms_delta_p"),
            Cell.Number(s.SameTop, $"{json}.same_top"), Cell.Number(s.CandidatePerplexity, $"{json}.ppl_candidate"), Cell.Number(s.ReferencePerplexity, $"{json}.ppl_reference"),
            Cell.Number(s.Ratio, $"{json}.ppl_ratio"), Cell.Number(s.Correlation, $"{json}.loss_correlation"),
        ];
    }

    private static int Index(double level)
    {
        IReadOnlyList<double> levels = ComparisonAggregator.PercentileLevels;
        for (int i = 0; i < levels.Count; i++)
        {
            if (levels[i] == level)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"The comparison has no {level} percentile.");
    }
}
