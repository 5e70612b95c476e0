using System.CommandLine;
using LossEngine.Aggregation;
using LossEngine.Cli.Reports;
using LossEngine.Pipeline;

namespace LossEngine.Cli.Commands;

/// <summary><c>lossengine merge</c>: combines shard reports exactly, in the order given, and prints the merged report:
/// the same report as <c>score</c> (or <c>compare</c>) over the shards' files in that order.</summary>
internal static class MergeCommand
{
    public static Command Create(CliContext context)
    {
        var inputs = new Argument<string[]>("reports") { Description = "JSON reports written by 'score --json' (or all by 'compare --json')", Arity = ArgumentArity.OneOrMore };
        var json = new Option<string?>("--json") { Description = "write the merged report and state as JSON" };
        var csv = new Option<string?>("--csv") { Description = "write the per-task table as CSV (score reports)" };
        var markdown = new Option<string?>("--markdown") { Description = "write the per-task table as Markdown (score reports)" };
        var command = new Command("merge", "Merge shard reports (their mergeable state) into one report, exactly: the report 'score' or 'compare' gives for the shards' files in this order.") { inputs, json, csv, markdown };
        command.SetAction(result => context.Guard(() =>
        {
            string[] paths = result.GetValue(inputs) ?? [];
            using var outputs = new OutputFiles(paths, ("--json", result.GetValue(json)), ("--csv", result.GetValue(csv)), ("--markdown", result.GetValue(markdown)));
            context.Output.WriteLine($"LossEngine: merged {paths.Length} report(s)");
            context.Output.WriteLine();
            if (ShardReports.SchemaOf(paths[0]) == ComparisonReportJson.Schema)
            {
                ComparisonAggregator comparison = ShardReports.AppendComparisons(paths);
                context.Output.Write(ComparisonReportText.Render(comparison.Report()));
                outputs.WriteText(result.GetValue(json), () => ComparisonReportJson.Write(comparison, [.. paths], []));
                outputs.Commit();
                return 0;
            }

            LossAggregator merged = ShardReports.AppendScores(paths);
            if (paths.Where(ShardReports.HasMultipleChoice).ToArray() is { Length: > 0 } withQuestions)
            {
                // The multiple-choice table keeps no mergeable state (a question's choices may lie in several shards),
                // so it is left out of the merged report rather than merged wrongly; the user is told, not surprised.
                context.Error.WriteLine($"note: {string.Join(", ", withQuestions)}: the multiple-choice table is not merged (it keeps no mergeable state); the merged report has the per-token tables only. Score all shards in one 'score' run for the multiple-choice table.");
            }

            AggregateReport report = merged.Report();
            context.Output.Write(ScoreReportText.Render(report));
            ScoreCommand.WriteReports(report, merged, [.. paths], outputs, result.GetValue(json), result.GetValue(csv), result.GetValue(markdown));
            outputs.Commit();
            return 0;
        }));
        return command;
    }
}
