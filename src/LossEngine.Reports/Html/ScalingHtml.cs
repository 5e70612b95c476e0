using LossEngine.Reports.Plots;
using LossEngine.Scaling;

namespace LossEngine.Reports.Html;

/// <summary>The HTML page of a scaling analysis (the numbers of the JSON report, schema lossengine.scaling/1).</summary>
public static class ScalingHtml
{
    /// <summary>Renders the page.</summary>
    /// <param name="report">The analysis.</param>
    /// <param name="figures">The plots to show: usually the sheet, the decomposition and the mirage pairs.</param>
    public static string Render(ScalingReport report, IReadOnlyList<Figure> figures)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(figures);
        var page = new HtmlPage("LossEngine scaling analysis");
        page.Paragraph($"Series along {ScalingNames.Of(report.Axis)}; {report.Series.Count} series; bootstrap {report.Options.Fit.Bootstrap} resamples (seed {report.Options.Fit.Seed}), {report.Options.Fit.Confidence:P0} intervals.", note: true);

        page.Heading("Series");
        bool extrapolated = report.Options.ExtrapolateTo is not null;
        string[] headers = ["task", "metric", "class", "points", "first y", "last y", "rank correlation", "largest pair z", "pair threshold", "fit", "R²",
            .. extrapolated ? new[] { "extrapolated y", "low", "high" } : []];
        page.Table(headers, report.Series.Select((s, i) =>
        {
            string json = $"series.{i}";
            var cells = new List<Cell>
            {
                Cell.Of(s.Series.Task), Cell.Of(s.Series.Metric), Cell.Of(ScalingNames.Of(s.Classification.Class)), Cell.Count(s.Series.Points.Count),
                s.Series.Points.Count > 0 ? Cell.Number(s.Series.Points[0].Y, $"{json}.points.0.y") : Cell.Of(string.Empty),
                s.Series.Points.Count > 0 ? Cell.Number(s.Series.Points[^1].Y, $"{json}.points.{s.Series.Points.Count - 1}.y") : Cell.Of(string.Empty),
                Cell.Number(s.Classification.RankCorrelation, $"{json}.scores.rank_correlation"), Cell.Number(s.Classification.LargestPairZ, $"{json}.scores.largest_pair_z"),
                Cell.Number(s.Classification.PairThreshold, $"{json}.scores.pair_threshold"),
                Cell.Of(s.Fit?.Form ?? s.FitNote ?? string.Empty), s.Fit is CurveFit fit ? Cell.Number(fit.RSquared, $"{json}.fit.r2") : Cell.Of(string.Empty),
            };
            if (extrapolated)
            {
                cells.AddRange(s.Extrapolation is Extrapolation e
                    ? [Cell.Number(e.Y, $"{json}.extrapolation.y"), Cell.Number(e.Interval.Low, $"{json}.extrapolation.ci.0"), Cell.Number(e.Interval.High, $"{json}.extrapolation.ci.1")]
                    : [Cell.Of(string.Empty), Cell.Of(string.Empty), Cell.Of(string.Empty)]);
            }

            return (IReadOnlyList<Cell>)cells;
        }), textColumns: 3);

        page.Heading("Plots");
        foreach (Figure figure in figures)
        {
            page.Figure(figure);
        }

        page.Heading("Points");
        page.Table(["task", "metric", "model", "x", "y", "s.e."], report.Series.SelectMany((s, i) => s.Series.Points.Select((p, k) => (IReadOnlyList<Cell>)
            [Cell.Of(s.Series.Task), Cell.Of(s.Series.Metric), Cell.Of(p.Model), Cell.Number(p.X, $"series.{i}.points.{k}.x"), Cell.Number(p.Y, $"series.{i}.points.{k}.y"),
             Cell.Number(p.StandardError, $"series.{i}.points.{k}.stderr")])), textColumns: 3);

        page.Heading("Mirage check");
        if (report.Mirage.Count == 0)
        {
            page.Paragraph("No task has both a discontinuous and a continuous metric.");
        }
        else
        {
            page.Table(["task", "discontinuous", "class", "continuous", "class", "flagged", "note"], report.Mirage.Select(m => (IReadOnlyList<Cell>)
                [Cell.Of(m.Task), Cell.Of(m.DiscontinuousMetric), Cell.Of(ScalingNames.Of(m.DiscontinuousClass)), Cell.Of(m.ContinuousMetric),
                 Cell.Of(ScalingNames.Of(m.ContinuousClass)), Cell.Of(m.Flagged ? "yes" : "no"), Cell.Of(m.Note)]), textColumns: 7);
        }

        page.Heading("Decomposition across scale");
        if (report.Decomposition is ScaleDecomposition d)
        {
            page.Paragraph($"Each task's {d.Metric} / T, which sum to the mean over tasks, and its share of that mean.", note: true);
            page.Table(["model", "x", "mean", .. d.Tasks],
                d.Models.Select((m, i) => (IReadOnlyList<Cell>)
                    [Cell.Of(m.Model), Cell.Number(m.X, $"decomposition.{i}.x"), Cell.Number(m.Total, $"decomposition.{i}.total"),
                     .. m.Tasks.Select((t, k) => Cell.Number(t.Share, $"decomposition.{i}.tasks.{k}.share"))]));
            int offset = d.Models.Count;
            page.Table(["from", "to", "improvement", .. d.Tasks],
                d.Steps.Select((s, i) => (IReadOnlyList<Cell>)
                    [Cell.Of(s.From), Cell.Of(s.To), Cell.Number(s.Improvement, $"decomposition.{offset + i}.improvement"),
                     .. s.Tasks.Select((t, k) => Cell.Number(t.Share, $"decomposition.{offset + i}.tasks.{k}.share"))]), textColumns: 2);
        }
        else
        {
            page.Paragraph("No metric has two models in every task.");
        }

        return page.Render();
    }
}
