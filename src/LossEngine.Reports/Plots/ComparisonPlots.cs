using System.Globalization;
using LossEngine.Aggregation;
using ScottPlot;

namespace LossEngine.Reports.Plots;

/// <summary>The plot of a model comparison: the distribution of per-token KL divergence per task.</summary>
public static class ComparisonPlots
{
    /// <summary>Every plot of the comparison.</summary>
    public static IReadOnlyList<Figure> All(ComparisonReport report) => [KlDistribution(report)];

    /// <summary>Each task's KL quantiles (the percentiles of the report, with the minimum and maximum at the ends) on a log
    /// scale: the curve is the task's KL distribution read sideways, so a long tail shows as a steep right end.</summary>
    public static Figure KlDistribution(ComparisonReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        ComparisonSummary[] tasks = [.. report.Summaries.Skip(1)];
        var colors = PlotStyle.Colors(tasks.Select(t => t.Task));
        Plot plot = PlotStyle.Create("KL divergence per task", "quantile of tokens", "KL(reference ‖ candidate), nats (log scale)");
        foreach (ComparisonSummary task in tasks)
        {
            Add(task, colors[task.Task], 2);
        }

        Add(report.Summaries[0], Colors.Black, 3);
        PlotStyle.LogTicks(plot.Axes.Left, PlotStyle.Small);
        plot.Axes.SetLimitsX(0, 1);
        plot.ShowLegend(Alignment.UpperLeft);
        return PlotStyle.Single("compare-kl-distribution", "Distribution of per-token KL divergence per task (quantiles; log scale)", plot, colors);

        void Add(ComparisonSummary summary, Color color, float width)
        {
            IReadOnlyList<double> levels = ComparisonAggregator.PercentileLevels;
            var points = new List<(double Level, double Kl)> { (0, summary.MinKl), (1, summary.MaxKl) };
            points.AddRange(levels.Select((level, i) => (level, summary.KlPercentiles[i])));
            // Tokens with a KL of zero (or a rounding error below it) have no place on a log axis.
            (double Level, double Kl)[] shown = [.. points.Where(p => p.Kl > 0 && double.IsFinite(p.Kl)).OrderBy(p => p.Level)];
            var line = plot.Add.ScatterLine(shown.Select(p => p.Level).ToArray(), shown.Select(p => Math.Log10(p.Kl)).ToArray(), color);
            line.LineWidth = width;
            line.MarkerSize = 5;
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"{summary.Task} (mean {summary.MeanKl:0.0000})");
        }
    }
}
