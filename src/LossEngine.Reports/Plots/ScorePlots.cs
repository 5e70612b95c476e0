using System.Globalization;
using LossEngine.Aggregation;
using LossEngine.Pipeline;
using ScottPlot;

namespace LossEngine.Reports.Plots;

/// <summary>The plots of one score report: token-loss histograms, the reliability diagram and the loss decomposition.</summary>
public static class ScorePlots
{
    /// <summary>Every plot of the report: the histogram only when <paramref name="histogram"/> is given.</summary>
    /// <param name="report">The report.</param>
    /// <param name="histogram">Token losses per task id, or null.</param>
    /// <param name="taskNames">The names of the histogram's task ids.</param>
    public static IReadOnlyList<Figure> All(AggregateReport report, TokenLossHistogram? histogram, IReadOnlyList<string> taskNames)
    {
        ArgumentNullException.ThrowIfNull(report);
        var figures = new List<Figure>();
        if (histogram is not null)
        {
            figures.Add(LossHistogram(report, histogram, taskNames));
        }

        figures.Add(Reliability(report));
        figures.Add(Decomposition(report));
        return figures;
    }

    /// <summary>Counts of token losses per task on a log scale, one line per task.</summary>
    public static Figure LossHistogram(AggregateReport report, TokenLossHistogram histogram, IReadOnlyList<string> taskNames)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(histogram);
        ArgumentNullException.ThrowIfNull(taskNames);
        var colors = PlotStyle.Colors(report.Tasks.Select(t => t.Task));
        Plot plot = PlotStyle.Create("Token losses per task", "token loss (nats)", "tokens (log scale)");
        for (int id = 0; id < Math.Min(histogram.TaskCount, taskNames.Count); id++)
        {
            if (!colors.TryGetValue(taskNames[id], out Color color))
            {
                continue; // a task without tokens has no row in the report and nothing to draw
            }

            // One stepped line per run of non-empty bins: log 0 has no place on the axis, and a line drawn across an empty
            // stretch would read as counts that are not there.
            IReadOnlyList<long> counts = histogram.Counts(id);
            bool named = false;
            for (int bin = 0; bin < counts.Count;)
            {
                if (counts[bin] == 0)
                {
                    bin++;
                    continue;
                }

                int end = bin;
                while (end < counts.Count && counts[end] > 0)
                {
                    end++;
                }

                // Each bin drawn as a flat step from its left edge to its right edge.
                double[] xs = [.. Enumerable.Range(bin, end - bin).SelectMany(b => new[] { b * TokenLossHistogram.BinWidth, (b + 1) * TokenLossHistogram.BinWidth })];
                double[] ys = [.. Enumerable.Range(bin, end - bin).SelectMany(b => new[] { Math.Log10(counts[b]), Math.Log10(counts[b]) })];
                var line = plot.Add.ScatterLine(xs, ys, color);
                line.LineWidth = 2;
                line.MarkerSize = 0;
                if (!named)
                {
                    line.LegendText = taskNames[id];
                    named = true;
                }

                bin = end;
            }
        }

        PlotStyle.LogTicks(plot.Axes.Left, c => c.ToString("#,0", CultureInfo.InvariantCulture));
        plot.Axes.SetLimitsY(-0.1, double.NaN);
        plot.ShowLegend(Alignment.UpperRight);
        return PlotStyle.Single("score-loss-histogram", "Token losses per task (counts on a log scale, bins of 0.25 nats)", plot, colors);
    }

    /// <summary>Accuracy against confidence in the 15 ECE bins, one line per task and the overall line, with the ECE in
    /// the legend; the diagonal is perfect calibration.</summary>
    public static Figure Reliability(AggregateReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var colors = PlotStyle.Colors(report.Tasks.Select(t => t.Task));
        Plot plot = PlotStyle.Create("Reliability", "confidence: top-1 probability", "accuracy: top-1 correct");
        var diagonal = plot.Add.Line(0, 0, 1, 1);
        diagonal.Color = Colors.Gray;
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.LegendText = "perfect calibration";
        foreach (TaskMetrics task in report.Tasks)
        {
            Add(task, colors[task.Task], 1.5f);
        }

        Add(report.Overall, Colors.Black, 3);
        plot.Axes.SetLimits(0, 1, 0, 1.02);
        plot.ShowLegend(Alignment.LowerRight);
        return PlotStyle.Single("score-reliability", "Reliability diagram: accuracy against confidence in 15 bins; the ECE is in the legend", plot, colors, height: 560);

        void Add(TaskMetrics task, Color color, float width)
        {
            CalibrationBin[] bins = [.. task.Calibration.Where(b => b.Tokens > 0)];
            var line = plot.Add.ScatterLine(bins.Select(b => b.MeanConfidence).ToArray(), bins.Select(b => b.Accuracy).ToArray(), color);
            line.LineWidth = width;
            line.MarkerSize = 5;
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"{task.Task} (ECE {task.ExpectedCalibrationError:0.0000})");
        }
    }

    /// <summary>Each task's contribution w_t·loss_t to the overall loss, as horizontal bars labelled with its share.</summary>
    public static Figure Decomposition(AggregateReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var colors = PlotStyle.Colors(report.Tasks.Select(t => t.Task));
        Plot plot = PlotStyle.Create(string.Create(CultureInfo.InvariantCulture, $"Where the overall loss ({report.Overall.Loss:0.0000} nats) comes from"), "contribution w·loss (nats)", string.Empty);
        int count = report.Tasks.Count;
        var ticks = new List<Tick>();
        for (int i = 0; i < count; i++)
        {
            TaskMetrics task = report.Tasks[i];
            double position = count - 1 - i; // first task on top
            var bars = plot.Add.Bars(new Bar[] { new Bar
            {
                Position = position,
                Value = task.Contribution,
                FillColor = colors[task.Task],
                LineWidth = 0,
                Orientation = Orientation.Horizontal,
                Label = string.Create(CultureInfo.InvariantCulture, $"{task.ShareOfLoss:P1}"),
            } });
            bars.LegendText = task.Task;
            bars.Horizontal = true;
            ticks.Add(new Tick(position, task.Task));
        }

        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.Margins(left: 0, right: 0.15);
        return PlotStyle.Single("score-decomposition", "Loss decomposition: each task's w·loss and its share of the overall loss", plot, colors, height: Math.Max(PlotStyle.Height, 120 + (32 * count)));
    }
}
