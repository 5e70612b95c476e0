using System.CommandLine;
using LossEngine.Aggregation;
using LossEngine.Cli.Reports;

namespace LossEngine.Cli.Commands;

/// <summary><c>lossengine merge</c>: combines shard reports exactly, in the order given, and prints the merged report:
/// the same report as <c>score</c> over the shards' files in that order.</summary>
internal static class MergeCommand
{
    public static Command Create(CliContext context)
    {
        var inputs = new Argument<string[]>("reports") { Description = "JSON reports written by 'score --json'", Arity = ArgumentArity.OneOrMore };
        var json = new Option<string?>("--json") { Description = "write the merged report and state as JSON" };
        var csv = new Option<string?>("--csv") { Description = "write the per-task table as CSV" };
        var markdown = new Option<string?>("--markdown") { Description = "write the per-task table as Markdown" };
        var command = new Command("merge", "Merge shard reports (their mergeable state) into one report, exactly: the report 'score' gives for the shards' files in this order.") { inputs, json, csv, markdown };
        command.SetAction(result => context.Guard(() =>
        {
            string[] paths = result.GetValue(inputs) ?? [];
            LossAggregator? merged = null;
            foreach (string path in paths)
            {
                LossAggregator shard = ReportFiles.ReadState(path);
                if (merged is null)
                {
                    merged = shard;
                    continue;
                }

                try
                {
                    // Each report was scored on its own, from position 0 and its own example ids: append it after the
                    // previous ones, as 'score' does with several files, so that no two shards' examples are confused.
                    merged.Append(shard);
                }
                catch (ArgumentException error)
                {
                    throw new Formats.DumpFormatException($"{path}: cannot be merged with {paths[0]}: {error.Message}", error);
                }
            }

            AggregateReport report = merged!.Report();
            context.Output.WriteLine($"LossEngine: merged {paths.Length} report(s)");
            context.Output.WriteLine();
            context.Output.Write(ScoreReportText.Render(report));
            ScoreCommand.WriteReports(report, merged, [.. paths], result.GetValue(json), result.GetValue(csv), result.GetValue(markdown));
            return 0;
        }));
        return command;
    }
}
