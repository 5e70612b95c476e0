using System.CommandLine;
using LossEngine.Aggregation;
using LossEngine.Cli.Reports;
using LossEngine.Formats;
using LossEngine.Pipeline;
using LossEngine.Reports.Html;
using LossEngine.Reports.Plots;

namespace LossEngine.Cli.Commands;

/// <summary><c>lossengine compare</c>: token-by-token KL divergence of a candidate model against a reference.</summary>
internal static class CompareCommand
{
    public static Command Create(CliContext context)
    {
        var common = new CommonOptions();
        var reference = new Argument<string>("reference") { Description = "the reference model's dump (safetensors)" };
        var candidate = new Argument<string>("candidate") { Description = "the candidate model's dump, same shape and targets" };
        var json = new Option<string?>("--json") { Description = "write the statistics and the mergeable state as JSON (schema lossengine.compare/1)" };
        var pictures = new PictureOptions();
        var command = new Command("compare", "Compare two models' logits token by token: KL divergence, Δp, same top-1, PPL ratio (llama.cpp's KLD statistics).");
        command.Arguments.Add(reference);
        command.Arguments.Add(candidate);
        foreach (Option option in new Option[] { common.Shift, common.IgnoreIndex, common.TaskNames, common.Threads, json })
        {
            command.Options.Add(option);
        }

        pictures.AddTo(command);

        command.SetAction(result => context.Guard(() =>
        {
            var options = new ComparisonOptions
            {
                Scoring = common.Scoring(result),
                TaskNames = common.TaskNameList(result),
                Dump = new DumpOptions { Shift = result.GetValue(common.Shift) },
            };
            string[] references = [result.GetValue(reference)!], candidates = [result.GetValue(candidate)!];
            string[] inputs = [.. references, .. candidates, .. result.GetValue(common.TaskNames) is { } names ? [names] : Array.Empty<string>()];
            using var outputs = new OutputFiles(inputs, ("--json", result.GetValue(json)), ("--html", result.GetValue(pictures.Html)));
            Pictures drawn = pictures.Of(result, outputs);
            var progress = new ProgressBar(context.Error, context.ErrorIsTerminal);
            ComparisonAggregator comparison = ModelComparer.Compare(references, candidates, options, progress, context.Cancellation);
            progress.Finish();
            ComparisonReport report = comparison.Report();
            context.Output.Write(ComparisonReportText.Render(report));
            outputs.WriteText(result.GetValue(json), () => ComparisonReportJson.Write(comparison, references, candidates));
            if (drawn.Any)
            {
                IReadOnlyList<Figure> figures = ComparisonPlots.All(report);
                drawn.Write(outputs, figures, () => ComparisonHtml.Render(report, figures, references, candidates));
            }

            outputs.Commit();
            return 0;
        }));
        return command;
    }
}
