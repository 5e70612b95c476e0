using System.Globalization;
using LossEngine.Aggregation;
using LossEngine.Reports.Plots;

namespace LossEngine.Reports.Html;

/// <summary>The HTML page of a score report: the per-task table, the decomposition, the plots, the worst examples and
/// the possible label errors. Its numbers are the ones the JSON report (schema lossengine.score/1) holds.</summary>
public static class ScoreHtml
{
    /// <summary>Renders the page.</summary>
    /// <param name="report">The report.</param>
    /// <param name="figures">The score plots to show (<see cref="ScorePlots.All"/>).</param>
    /// <param name="inputs">The files scored, named in the page.</param>
    public static string Render(AggregateReport report, IReadOnlyList<Figure> figures, IReadOnlyList<string> inputs)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(figures);
        ArgumentNullException.ThrowIfNull(inputs);
        var page = new HtmlPage("LossEngine score report");
        page.Paragraph($"Inputs: {string.Join(", ", inputs)}. Losses in nats; intervals are 95%. Click a column heading to sort.", note: true);

        page.Heading("Tasks");
        string[] headers = ["task", "tokens", "examples", "loss", "loss s.e.", "perplexity", "p(next)", "bits/token", "accuracy", "accuracy s.e.",
            $"top-{report.TopK}", "MRR", "exact match", "mean entropy", "ECE", "NaN losses"];
        var rows = report.Tasks.Select((t, i) => Row(t, $"tasks.{i}")).Append(Row(report.Overall, "overall"));
        page.Table(headers, rows);

        page.Heading("Loss decomposition");
        page.Paragraph("The overall loss is Σ w·loss over tasks; each task's share is w·loss / Σ w·loss.", note: true);
        page.Table(["task", "weight", "loss", "contribution w·loss", "share of loss"], report.Tasks.Select((t, i) => (IReadOnlyList<Cell>)
            [Cell.Of(t.Task), Cell.Number(t.Weight, $"tasks.{i}.weight"), Cell.Number(t.Loss, $"tasks.{i}.loss"),
             Cell.Number(t.Contribution, $"tasks.{i}.contribution"), Cell.Number(t.ShareOfLoss, $"tasks.{i}.share_of_loss")]));
        page.Table(["aggregate", "value"],
        [
            [Cell.Of("micro loss (token-weighted)"), Cell.Number(report.Overall.Loss, "overall.loss")],
            [Cell.Of("macro loss (tasks equal)"), Cell.Number(report.MacroLoss, "decomposition.macro_loss")],
            [Cell.Of("weighted loss"), Cell.Number(report.WeightedLoss, "decomposition.weighted_loss")],
            [Cell.Of("lm-eval group loss"), Cell.Number(report.LmEvalGroupLoss, "decomposition.lm_eval_group_loss")],
            [Cell.Of("lm-eval group accuracy"), Cell.Number(report.LmEvalGroupAccuracy, "decomposition.lm_eval_group_accuracy")],
        ]);

        page.Heading("Plots");
        foreach (Figure figure in figures)
        {
            page.Figure(figure);
        }

        page.Heading("Worst examples");
        page.Paragraph("The examples with the highest mean token loss per task, worst first, and each one's worst token.", note: true);
        page.Table(["task", "example", "first position", "tokens", "mean loss", "worst position", "worst loss", "target", "model's top-1", "top-1 p"],
            report.Tasks.SelectMany((t, i) => t.WorstExamples.Select((w, k) => (IReadOnlyList<Cell>)
            [
                Cell.Of(t.Task), Cell.Count(w.ExampleId, $"tasks.{i}.worst_examples.{k}.example_id"), Cell.Count(w.FirstPosition, $"tasks.{i}.worst_examples.{k}.first_position"),
                Cell.Count(w.Tokens, $"tasks.{i}.worst_examples.{k}.tokens"), Cell.Number(w.MeanLoss, $"tasks.{i}.worst_examples.{k}.mean_loss"),
                Cell.Count(w.WorstPosition, $"tasks.{i}.worst_examples.{k}.worst_position"), Cell.Number(w.WorstLoss, $"tasks.{i}.worst_examples.{k}.worst_loss"),
                Cell.Count(w.Target, $"tasks.{i}.worst_examples.{k}.target"), Cell.Count(w.ArgMax, $"tasks.{i}.worst_examples.{k}.argmax"),
                Cell.Number(w.ArgMaxProbability, $"tasks.{i}.worst_examples.{k}.argmax_probability"),
            ])));

        page.Heading("Possible label errors");
        page.Paragraph("Tokens where the model is confident in another token and ranks the target far down: worth reading by hand.", note: true);
        var errors = report.Tasks.SelectMany((t, i) => t.PossibleLabelErrors.Select((e, k) => (IReadOnlyList<Cell>)
        [
            Cell.Of(t.Task), Cell.Count(e.ExampleId, $"tasks.{i}.possible_label_errors.{k}.example_id"), Cell.Count(e.Position, $"tasks.{i}.possible_label_errors.{k}.position"),
            Cell.Number(e.Loss, $"tasks.{i}.possible_label_errors.{k}.loss"), Cell.Count(e.Target, $"tasks.{i}.possible_label_errors.{k}.target"),
            Cell.Count(e.TargetRank, $"tasks.{i}.possible_label_errors.{k}.target_rank"), Cell.Count(e.ArgMax, $"tasks.{i}.possible_label_errors.{k}.argmax"),
            Cell.Number(e.ArgMaxProbability, $"tasks.{i}.possible_label_errors.{k}.argmax_probability"),
        ])).ToList();
        if (errors.Count == 0)
        {
            page.Paragraph("None found.");
        }
        else
        {
            page.Table(["task", "example", "position", "loss", "target", "target rank", "model's top-1", "top-1 p"], errors);
        }

        return page.Render();
    }

    private static IReadOnlyList<Cell> Row(TaskMetrics t, string json) =>
    [
        Cell.Of(t.Task == "overall" ? "overall (micro)" : t.Task), Cell.Count(t.Tokens, $"{json}.tokens"), Cell.Count(t.Examples, $"{json}.examples"),
        Cell.Number(t.Loss, $"{json}.loss"), Cell.Number(t.LossStandardError, $"{json}.loss_stderr"), Cell.Number(t.Perplexity, $"{json}.perplexity"),
        Cell.Number(t.TargetProbability, $"{json}.p_next"), Cell.Number(t.BitsPerToken, $"{json}.bits_per_token"), Cell.Number(t.Accuracy, $"{json}.accuracy"),
        Cell.Number(t.AccuracyStandardError, $"{json}.accuracy_stderr"), Cell.Number(t.TopKAccuracy, $"{json}.top_k_accuracy"),
        Cell.Number(t.MeanReciprocalRank, $"{json}.mrr"), Cell.Number(t.ExactMatch, $"{json}.exact_match"), Cell.Number(t.MeanEntropy, $"{json}.mean_entropy"),
        Cell.Number(t.ExpectedCalibrationError, $"{json}.ece"), Cell.Count(t.NaNLosses, $"{json}.nan_losses"),
    ];
}
