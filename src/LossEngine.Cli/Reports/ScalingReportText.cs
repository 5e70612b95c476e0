using System.Globalization;
using System.Text;
using LossEngine.Scaling;

namespace LossEngine.Cli.Reports;

/// <summary>The terminal and Markdown renderings of a scaling report: the per-task table, the mirage flags, the
/// decomposition across scale.</summary>
internal static class ScalingReportText
{
    private const int MostTasksShown = 8;
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Render(ScalingReport report)
    {
        var text = new StringBuilder();
        text.AppendLine(Heading(report));
        text.AppendLine();
        (string[] header, List<string[]> rows) = SeriesTable(report);
        AppendTable(text, header, rows, rightAligned: [2, 5]);
        text.AppendLine();
        AppendMirage(text, report, markdown: false);
        text.AppendLine();
        AppendDecomposition(text, report, markdown: false);
        return text.ToString();
    }

    public static string Markdown(ScalingReport report)
    {
        var text = new StringBuilder();
        text.AppendLine("## Across models");
        text.AppendLine();
        text.AppendLine(Heading(report));
        text.AppendLine();
        (string[] header, List<string[]> rows) = SeriesTable(report);
        AppendMarkdownTable(text, header, rows);
        text.AppendLine();
        text.AppendLine("### Mirage");
        text.AppendLine();
        AppendMirage(text, report, markdown: true);
        text.AppendLine();
        text.AppendLine("### Decomposition across scale");
        text.AppendLine();
        AppendDecomposition(text, report, markdown: true);
        return text.ToString();
    }

    private static string Heading(ScalingReport report)
    {
        int models = report.Series.SelectMany(a => a.Series.Points.Select(p => p.Model)).Distinct().Count();
        CurveFitOptions fit = report.Options.Fit;
        return string.Create(Invariant,
            $"LossEngine scaling: {report.Series.Count} series over {models} models along {ScalingNames.Of(report.Axis)}; fits with {fit.Bootstrap} bootstrap resamples (seed {fit.Seed}), {fit.Confidence * 100:G3}% intervals");
    }

    private static (string[] Header, List<string[]> Rows) SeriesTable(ScalingReport report)
    {
        bool extrapolated = report.Options.ExtrapolateTo is not null;
        string interval = string.Create(Invariant, $"{report.Options.Fit.Confidence * 100:G3}%");
        string[] header = ["task", "metric", "points", "class", $"fit [{interval} interval]", "R²", .. extrapolated ? new[] { $"y at {Number(report.Options.ExtrapolateTo!.Value)}" } : []];
        var rows = new List<string[]>();
        foreach (SeriesAnalysis analysis in report.Series)
        {
            rows.Add(
            [
                analysis.Series.Task,
                analysis.Series.Metric,
                analysis.Series.Points.Count.ToString(Invariant),
                ScalingNames.Of(analysis.Classification.Class),
                FitText(analysis),
                analysis.Fit is CurveFit fit ? Fixed(fit.RSquared, 3) : "—",
                .. extrapolated ? new[] { analysis.Extrapolation is Extrapolation e ? $"{Number(e.Y)} {Interval(e.Interval)}" : "—" } : [],
            ]);
        }

        return (header, rows);
    }

    private static string FitText(SeriesAnalysis analysis) => analysis.Fit switch
    {
        PowerLawFit power => $"power law: α {Number(power.Alpha)} {Interval(power.Parameter("alpha").Interval)}, E {Number(power.E)} {Interval(power.Parameter("E").Interval)}",
        LogisticFit { MidpointWithinData: true } logistic => $"logistic: x₀ {Number(logistic.Midpoint)} {Interval(logistic.Parameter("x0").Interval)}",
        LogisticFit logistic => logistic.Midpoint > analysis.Series.Points[^1].X
            ? $"logistic: not on by the largest scale (x₀ > {Number(analysis.Series.Points[^1].X)})"
            : $"logistic: on from the smallest scale (x₀ < {Number(analysis.Series.Points[0].X)})",
        _ => $"none: {analysis.FitNote}",
    };

    private static void AppendMirage(StringBuilder text, ScalingReport report, bool markdown)
    {
        if (report.Mirage.Count == 0)
        {
            text.AppendLine("Mirage: no task has both a pass/fail metric (exact match, accuracy) and a continuous one (p_next, loss, log-likelihood, perplexity).");
            return;
        }

        if (!markdown)
        {
            text.AppendLine("Mirage: each task's pass/fail metric against its continuous one (⚑ emergent under the first, smooth under the second)");
        }

        foreach (MirageComparison comparison in report.Mirage)
        {
            string flag = comparison.Flagged ? (markdown ? "**flagged**: " : "⚑ ") : (markdown ? string.Empty : "  ");
            text.AppendLine(markdown ? $"- {flag}{comparison.Task}: {comparison.Note}" : $"  {flag}{comparison.Task}: {comparison.Note}");
            if (comparison.Rows.All(r => double.IsNaN(r.Predicted)))
            {
                continue;
            }

            string[] header = ["model", ScalingNames.Of(report.Axis), comparison.DiscontinuousMetric, "p_next^L"];
            List<string[]> rows = [.. comparison.Rows.Select(r => new[] { r.Model, Number(r.X), Fixed(r.Observed, 3), Fixed(r.Predicted, 3) })];
            if (markdown)
            {
                text.AppendLine();
                AppendMarkdownTable(text, header, rows);
                text.AppendLine();
            }
            else
            {
                AppendTable(text, header, rows, rightAligned: [1, 2, 3], indent: "      ");
            }
        }
    }

    private static void AppendDecomposition(StringBuilder text, ScalingReport report, bool markdown)
    {
        if (report.Decomposition is not ScaleDecomposition decomposition)
        {
            text.AppendLine("Decomposition across scale: no metric has values for 2 models in every task.");
            return;
        }

        // Models and steps are rows and tasks columns; past MostTasksShown tasks, the ones with the smallest mean share
        // are summed into "other" (every task is in the JSON).
        int taskCount = decomposition.Tasks.Count;
        int[] shown = taskCount <= MostTasksShown ? [.. Enumerable.Range(0, taskCount)]
            : [.. Enumerable.Range(0, taskCount).OrderByDescending(t => decomposition.Models.Average(m => Math.Abs(m.Tasks[t].Share))).Take(MostTasksShown - 1).Order()];
        bool other = shown.Length < taskCount;
        string[] taskColumns = [.. shown.Select(t => decomposition.Tasks[t]), .. other ? new[] { $"other {taskCount - shown.Length}" } : []];
        string[] Shares(IReadOnlyList<TaskShare> shares) =>
            [.. shown.Select(t => Percent(shares[t].Share)), .. other ? new[] { Percent(shares.Where((_, t) => !shown.Contains(t)).Sum(s => s.Share)) } : []];

        string better = decomposition.Direction == MetricDirection.LowerIsBetter ? "fall" : "rise";
        text.AppendLine($"{(markdown ? string.Empty : "Decomposition across scale: ")}{decomposition.Metric}, tasks weighted equally");
        if (decomposition.ExcludedModels.Count > 0)
        {
            text.AppendLine($"{(markdown ? string.Empty : "  ")}left out (missing in some task): {string.Join(", ", decomposition.ExcludedModels)}");
        }

        text.AppendLine($"{(markdown ? string.Empty : "  ")}Each task's share of the mean {decomposition.Metric}:");
        Emit(["model", ScalingNames.Of(report.Axis), $"mean {decomposition.Metric}", .. taskColumns],
            [.. decomposition.Models.Select(m => new[] { m.Model, Number(m.X), Fixed(m.Total, 4) }.Concat(Shares(m.Tasks)).ToArray())]);
        text.AppendLine();
        text.AppendLine($"{(markdown ? string.Empty : "  ")}Each task's share of the {better} in the mean {decomposition.Metric}:");
        Emit(["step", better, .. taskColumns],
            [.. decomposition.Steps.Select(s => new[] { $"{s.From} → {s.To}{(s.SpansAll ? " (all)" : string.Empty)}", Fixed(s.Improvement, 4) }.Concat(Shares(s.Tasks)).ToArray())]);

        void Emit(string[] head, List<string[]> body)
        {
            if (markdown)
            {
                text.AppendLine();
                AppendMarkdownTable(text, head, body);
            }
            else
            {
                int first = head[1] == better ? 1 : 2;
                AppendTable(text, head, body, rightAligned: [.. Enumerable.Range(first, head.Length - first)], indent: "  ");
            }
        }
    }

    private static void AppendTable(StringBuilder text, string[] header, List<string[]> rows, int[] rightAligned, string indent = "")
    {
        int[] widths = [.. header.Select((h, c) => Math.Max(h.Length, rows.Select(r => r[c].Length).DefaultIfEmpty(0).Max()))];
        string Line(string[] cells) => indent + string.Join("  ", cells.Select((cell, c) => rightAligned.Contains(c) ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))).TrimEnd();
        string head = Line(header);
        text.AppendLine(head);
        text.AppendLine(indent + new string('-', head.Length - indent.Length));
        foreach (string[] row in rows)
        {
            text.AppendLine(Line(row));
        }
    }

    private static void AppendMarkdownTable(StringBuilder text, string[] header, List<string[]> rows)
    {
        static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);
        text.AppendLine("| " + string.Join(" | ", header.Select(Cell)) + " |");
        text.AppendLine("|" + string.Concat(header.Select(_ => "---|")));
        foreach (string[] row in rows)
        {
            text.AppendLine("| " + string.Join(" | ", row.Select(Cell)) + " |");
        }
    }

    /// <summary>Four significant digits, in exponent form outside [0.001, 10000).</summary>
    internal static string Number(double value)
    {
        if (!double.IsFinite(value))
        {
            return double.IsNaN(value) ? "n/a" : value > 0 ? "∞" : "−∞";
        }

        double size = Math.Abs(value);
        return size != 0 && (size >= 1e4 || size < 1e-3) ? value.ToString("0.###e+0", Invariant) : value.ToString("G4", Invariant);
    }

    internal static string Interval(ConfidenceInterval interval) =>
        double.IsNaN(interval.Low) ? "[n/a]" : $"[{Number(interval.Low)}, {Number(interval.High)}]";

    private static string Fixed(double value, int digits) => double.IsFinite(value) ? value.ToString("F" + digits.ToString(Invariant), Invariant) : "n/a";

    private static string Percent(double share)
    {
        if (!double.IsFinite(share))
        {
            return "n/a";
        }

        // Rounded first, so that a tiny negative share prints as 0.0 rather than -0.0.
        double percent = Math.Round(share * 100, 1);
        return (percent == 0 ? 0 : percent).ToString("F1", Invariant) + " %";
    }
}
