using System.Globalization;
using System.Text;
using LossEngine.Aggregation;

namespace LossEngine.Cli.Reports;

/// <summary>The terminal rendering of a score report, and its CSV and Markdown forms.</summary>
internal static class ScoreReportText
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Render(AggregateReport report)
    {
        var text = new StringBuilder();
        int nameWidth = Math.Max(16, report.Tasks.Select(t => t.Task.Length).DefaultIfEmpty(0).Max() + 1);
        string header = string.Format(Invariant, "{0} {1,9} {2,8} {3,17} {4,9} {5,8} {6,7} {7,7} {8,7} {9,6} {10,6}",
            "task".PadRight(nameWidth), "tokens", "examples", "loss ± stderr", "ppl", "p(next)", "acc", $"top-{report.TopK}", "exact", "ECE", "NaN");
        text.AppendLine(header);
        text.AppendLine(new string('-', header.Length));
        foreach (TaskMetrics task in report.Tasks)
        {
            text.AppendLine(Row(task, task.Task, nameWidth));
        }

        text.AppendLine(new string('-', header.Length));
        text.AppendLine(Row(report.Overall, "overall (micro)", nameWidth));
        text.AppendLine(string.Format(Invariant, "{0} {1,36:F4}", "overall (macro)".PadRight(nameWidth), report.MacroLoss));
        text.AppendLine(string.Format(Invariant, "{0} {1,36:F4}", "lm-eval group".PadRight(nameWidth), report.LmEvalGroupLoss));
        if (double.IsFinite(report.Overall.BitsPerByte) || report.Tasks.Any(t => double.IsFinite(t.BitsPerByte)))
        {
            // Only dumps with byte lengths have bits per byte; without them every value is NaN and the line is left out.
            text.AppendLine();
            text.AppendLine("Bits per byte (loss in bits over the targets' UTF-8 bytes, as lm-eval's bits_per_byte):");
            foreach (TaskMetrics task in report.Tasks.Append(report.Overall))
            {
                text.AppendLine(string.Format(Invariant, "  {0} {1,8:F4}", task.Task.PadRight(nameWidth), task.BitsPerByte));
            }
        }

        text.AppendLine();

        text.AppendLine("Loss decomposition: each task's share of the overall loss, w·loss / Σ w·loss");
        foreach (TaskMetrics task in report.Tasks)
        {
            int bar = (int)Math.Round(Math.Clamp(task.ShareOfLoss, 0, 1) * 40);
            text.AppendLine(string.Format(Invariant, "  {0} {1,6:P1}  {2}{3}  w={4:F3} loss={5:F4}",
                task.Task.PadRight(nameWidth), task.ShareOfLoss, new string('█', bar), new string('·', 40 - bar), task.Weight, task.Loss));
        }

        text.AppendLine();
        text.AppendLine("Worst examples (highest mean loss)");
        foreach (TaskMetrics task in report.Tasks)
        {
            foreach (WorstExample w in task.WorstExamples.Take(3))
            {
                text.AppendLine(string.Format(Invariant,
                    "  {0}: example {1} (positions {2}–{3}, {4} tokens) mean loss {5:F3}; worst token at {6}: loss {7:F3}, target {8}, model's top-1 {9} (p={10:F3})",
                    task.Task, w.ExampleId, w.FirstPosition, w.LastPosition, w.Tokens, w.MeanLoss, w.WorstPosition, w.WorstLoss, w.Target, w.ArgMax, w.ArgMaxProbability));
            }
        }

        text.AppendLine();
        int errors = report.Tasks.Sum(t => t.PossibleLabelErrors.Count);
        text.AppendLine(errors == 0
            ? "Possible label errors: none (no token with a confident top-1 and a low-ranked target)"
            : "Possible label errors (model confident in another token, target ranked low): read these by hand");
        foreach (TaskMetrics task in report.Tasks)
        {
            foreach (PossibleLabelError e in task.PossibleLabelErrors)
            {
                text.AppendLine(string.Format(Invariant,
                    "  {0}: example {1}, position {2}: target {3} (rank {4}, loss {5:F2}) but the model says {6} with p={7:F3}",
                    task.Task, e.ExampleId, e.Position, e.Target, e.TargetRank, e.Loss, e.ArgMax, e.ArgMaxProbability));
            }
        }

        return text.ToString();
    }

    private static string Row(TaskMetrics m, string name, int nameWidth) =>
        string.Format(Invariant, "{0} {1,9} {2,8} {3,8:F4} ± {4,6:F4} {5,9:F2} {6,8:F4} {7,7:P1} {8,7:P1} {9,7:P1} {10,6:F3} {11,6}",
            name.PadRight(nameWidth), m.Tokens, m.Examples, m.Loss, m.LossStandardError, m.Perplexity, m.TargetProbability, m.Accuracy, m.TopKAccuracy, m.ExactMatch, m.ExpectedCalibrationError, m.NaNLosses);

    public static string Csv(AggregateReport report)
    {
        var text = new StringBuilder("task,tokens,examples,nan_losses,loss,loss_stderr,perplexity,p_next,accuracy,top_k_accuracy,exact_match,ece,weight,share_of_loss\n");
        foreach (TaskMetrics m in report.Tasks.Append(report.Overall))
        {
            text.Append(string.Create(Invariant,
                $"{Quote(m.Task)},{m.Tokens},{m.Examples},{m.NaNLosses},{m.Loss:R},{m.LossStandardError:R},{m.Perplexity:R},{m.TargetProbability:R},{m.Accuracy:R},{m.TopKAccuracy:R},{m.ExactMatch:R},{m.ExpectedCalibrationError:R},{m.Weight:R},{m.ShareOfLoss:R}\n"));
        }

        return text.ToString();
    }

    public static string Markdown(AggregateReport report)
    {
        var text = new StringBuilder($"| task | tokens | examples | loss | ± stderr | ppl | acc | top-{report.TopK} | exact match | ECE | share of loss |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (TaskMetrics m in report.Tasks.Append(report.Overall))
        {
            text.Append(string.Create(Invariant,
                $"| {MarkdownCell(m.Task)} | {m.Tokens} | {m.Examples} | {m.Loss:F4} | {m.LossStandardError:F4} | {m.Perplexity:F2} | {m.Accuracy:P1} | {m.TopKAccuracy:P1} | {m.ExactMatch:P1} | {m.ExpectedCalibrationError:F3} | {m.ShareOfLoss:P1} |\n"));
        }

        text.Append(string.Create(Invariant, $"\nMacro loss {report.MacroLoss:F4}; lm-eval group loss {report.LmEvalGroupLoss:F4}.\n"));
        return text.ToString();
    }

    /// <summary>A table cell: '|' escaped and line breaks made spaces, so a task name cannot break the table.</summary>
    private static string MarkdownCell(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");

    /// <summary>A CSV field, quoted (RFC 4180) when it holds a comma, a quote or a line break.</summary>
    private static string Quote(string value) => value.AsSpan().IndexOfAny(",\"\r\n") >= 0
        ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
        : value;
}
