using System.Globalization;
using LossEngine.Scaling;
using ScottPlot;

namespace LossEngine.Reports.Plots;

/// <summary>The plots of a scaling analysis: one per series, the small-multiples sheet, the decomposition across scale
/// and the mirage pairs.</summary>
public static class ScalingPlots
{
    private const int GridPoints = 60;

    /// <summary>Every plot: <see cref="Overview"/>, then one plot per series.</summary>
    public static IReadOnlyList<Figure> All(ScalingReport report) => [.. Overview(report), .. PerSeries(report)];

    /// <summary>The plots a reader starts from: the sheet, the decomposition (when there is one) and the mirage pairs of
    /// flagged tasks.</summary>
    public static IReadOnlyList<Figure> Overview(ScalingReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var figures = new List<Figure> { SmallMultiples(report) };
        if (Decomposition(report) is Figure decomposition)
        {
            figures.Add(decomposition);
        }

        figures.AddRange(MiragePairs(report));
        return figures;
    }

    /// <summary>The colour of each task, the same in every scaling plot.</summary>
    public static IReadOnlyDictionary<string, Color> TaskColors(ScalingReport report) =>
        PlotStyle.Colors(report.Series.Select(s => s.Series.Task));

    /// <summary>The series in the order the sheet shows them: by class (the enum's order), then as the inputs gave them.</summary>
    public static IReadOnlyList<SeriesAnalysis> ByClass(ScalingReport report) =>
        [.. report.Series.Select((s, i) => (s, i)).OrderBy(p => p.s.Classification.Class).ThenBy(p => p.i).Select(p => p.s)];

    /// <summary>One plot per series, named <c>scaling-TASK-METRIC</c>.</summary>
    public static IReadOnlyList<Figure> PerSeries(ScalingReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var colors = TaskColors(report);
        var stems = new HashSet<string>(StringComparer.Ordinal);
        var figures = new List<Figure>();
        foreach (SeriesAnalysis analysis in report.Series)
        {
            string stem = PlotStyle.FileStem($"scaling-{analysis.Series.Task}-{analysis.Series.Metric}");
            // Two names that differ only in characters a file name cannot hold get numbered apart.
            string unique = stem;
            for (int n = 2; !stems.Add(unique); n++)
            {
                unique = string.Create(CultureInfo.InvariantCulture, $"{stem}-{n}");
            }

            Color color = colors[analysis.Series.Task];
            figures.Add(PlotStyle.Single(unique, $"{analysis.Series.Task} · {analysis.Series.Metric}: {ScalingNames.Of(analysis.Classification.Class)}",
                SeriesPlot(analysis, color, report.Options.ExtrapolateTo), new Dictionary<string, Color> { [analysis.Series.Task] = color }));
        }

        return figures;
    }

    /// <summary>Every series on one sheet, grouped by class.</summary>
    public static Figure SmallMultiples(ScalingReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var colors = TaskColors(report);
        Plot[] panels = [.. ByClass(report).Select(s => SeriesPlot(s, colors[s.Series.Task], null, compact: true))];
        if (panels.Length == 0)
        {
            panels = [PlotStyle.Create("No series", string.Empty, string.Empty)];
        }

        int columns = panels.Length <= 4 ? panels.Length : panels.Length <= 9 ? 3 : 4;
        return new Figure("scaling-small-multiples", "Every task and metric across scale, grouped by class (points with ±1 s.e., fit with its bootstrap band)",
            panels, columns, 420, 300, PlotStyle.Hex(colors));
    }

    /// <summary>Each task's part of the mean metric as a stacked area over scale; null when the report has no decomposition.</summary>
    public static Figure? Decomposition(ScalingReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Decomposition is not ScaleDecomposition decomposition)
        {
            return null;
        }

        var colors = PlotStyle.Colors(decomposition.Tasks);
        Plot plot = PlotStyle.Create($"Where the mean {decomposition.Metric} comes from across scale", $"{ScalingNames.Of(report.Axis)} (log scale)", $"mean {decomposition.Metric} over tasks");
        double[] xs = [.. decomposition.Models.Select(m => Math.Log10(m.X))];
        double[] lower = new double[xs.Length];
        for (int t = 0; t < decomposition.Tasks.Count; t++)
        {
            double[] upper = [.. decomposition.Models.Select((m, i) => lower[i] + m.Tasks[t].Value)];
            var band = plot.Add.FillY(xs, upper, lower);
            band.FillColor = colors[decomposition.Tasks[t]].WithAlpha(0.75);
            band.LineColor = colors[decomposition.Tasks[t]];
            band.LegendText = decomposition.Tasks[t];
            lower = upper;
        }

        var total = plot.Add.ScatterLine(xs, lower, Colors.Black);
        total.LineWidth = 2;
        total.MarkerSize = 6;
        total.LegendText = "mean over tasks";
        PlotStyle.LogTicks(plot.Axes.Bottom, PlotStyle.Scale);
        plot.ShowLegend(Edge.Right);
        return PlotStyle.Single("scaling-decomposition", $"Decomposition across scale: each task's value / T stacked to the mean {decomposition.Metric}", plot, colors, width: 960);
    }

    /// <summary>For each flagged task, the discontinuous metric (with the exact match p_next^L predicts, where known) and
    /// the continuous metric side by side.</summary>
    public static IReadOnlyList<Figure> MiragePairs(ScalingReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var colors = TaskColors(report);
        var figures = new List<Figure>();
        foreach (MirageComparison mirage in report.Mirage.Where(m => m.Flagged))
        {
            SeriesAnalysis? discontinuous = report.Series.FirstOrDefault(s => s.Series.Task == mirage.Task && s.Series.Metric == mirage.DiscontinuousMetric);
            SeriesAnalysis? continuous = report.Series.FirstOrDefault(s => s.Series.Task == mirage.Task && s.Series.Metric == mirage.ContinuousMetric);
            if (discontinuous is null || continuous is null)
            {
                continue;
            }

            Color color = colors[mirage.Task];
            Plot left = SeriesPlot(discontinuous, color, null);
            MirageRow[] predicted = [.. mirage.Rows.Where(r => double.IsFinite(r.Predicted) && r.X > 0)];
            if (predicted.Length > 0)
            {
                var line = left.Add.ScatterLine(predicted.Select(r => Math.Log10(r.X)).ToArray(), predicted.Select(r => r.Predicted).ToArray(), Colors.Black);
                line.LinePattern = LinePattern.Dotted;
                line.MarkerShape = MarkerShape.OpenCircle;
                line.MarkerSize = 7;
                line.LegendText = "p_next^L (predicted)";
                left.ShowLegend(Alignment.UpperLeft);
            }

            Plot right = SeriesPlot(continuous, color, null);
            figures.Add(new Figure(PlotStyle.FileStem($"mirage-{mirage.Task}"), $"Mirage: {mirage.Note}", [left, right], 2, 560, 400,
                new Dictionary<string, string> { [mirage.Task] = PlotStyle.Hex(color) }));
        }

        return figures;
    }

    /// <summary>One series on a log x axis: points with ±1 standard-error bars, the fitted curve and its bootstrap band
    /// (to the extrapolation target when there is one), the chance level, and the class in the title.</summary>
    internal static Plot SeriesPlot(SeriesAnalysis analysis, Color color, double? extrapolateTo, bool compact = false)
    {
        ScalingSeries series = analysis.Series;
        string className = ScalingNames.Of(analysis.Classification.Class);
        Plot plot = PlotStyle.Create($"{series.Task} · {series.Metric} — {className}", compact ? string.Empty : $"{ScalingNames.Of(series.Axis)} (log scale)", compact ? string.Empty : series.Metric);
        if (compact)
        {
            plot.Axes.Title.Label.FontSize = 12;
        }

        double[] xs = [.. series.Points.Select(p => Math.Log10(p.X))];
        double[] ys = [.. series.Points.Select(p => p.Y)];
        if (analysis.Fit is CurveFit fit && xs.Length > 0)
        {
            double low = xs.Min() - 0.15, high = Math.Max(xs.Max(), extrapolateTo is double target ? Math.Log10(target) : double.MinValue) + 0.15;
            double[] grid = [.. Enumerable.Range(0, GridPoints).Select(i => low + ((high - low) * i / (GridPoints - 1)))];
            Extrapolation[] curve = [.. grid.Select(g => fit.Extrapolate(Math.Pow(10, g)))];
            int[] banded = [.. Enumerable.Range(0, grid.Length).Where(i => double.IsFinite(curve[i].Interval.Low) && double.IsFinite(curve[i].Interval.High))];
            if (banded.Length > 1)
            {
                var band = plot.Add.FillY(banded.Select(i => grid[i]).ToArray(), banded.Select(i => curve[i].Interval.High).ToArray(), banded.Select(i => curve[i].Interval.Low).ToArray());
                band.FillColor = color.WithAlpha(0.2);
                band.LineWidth = 0;
                band.LegendText = string.Create(CultureInfo.InvariantCulture, $"{fit.Confidence:P0} band");
            }

            var line = plot.Add.ScatterLine(grid, curve.Select(c => c.Y).ToArray(), color);
            line.LineWidth = 2;
            line.MarkerSize = 0;
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"{fit.Form.Replace('_', ' ')} fit, R² {fit.RSquared:0.000}");
        }

        if (series.ChanceLevel is double chance)
        {
            var level = plot.Add.HorizontalLine(chance, 1, Colors.Gray, LinePattern.Dashed);
            level.LegendText = "chance";
        }

        double[] errors = [.. series.Points.Select(p => double.IsFinite(p.StandardError) ? p.StandardError : 0)];
        var bars = plot.Add.ErrorBar(xs, ys, errors);
        bars.Color = color;
        var points = plot.Add.ScatterPoints(xs, ys, color);
        points.MarkerSize = 8;
        points.LegendText = series.Task;
        PlotStyle.LogTicks(plot.Axes.Bottom, PlotStyle.Scale);
        if (compact)
        {
            plot.HideLegend(); // the sheet's panels are small; their titles say what the legend would
        }
        else
        {
            plot.ShowLegend(Alignment.LowerRight);
        }

        return plot;
    }
}
