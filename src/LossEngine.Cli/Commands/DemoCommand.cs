using System.CommandLine;
using LossEngine.Aggregation;
using LossEngine.Cli.Input;
using LossEngine.Formats;

namespace LossEngine.Cli.Commands;

/// <summary><c>lossengine demo</c>: writes the built-in multi-task dump and scores it.</summary>
internal static class DemoCommand
{
    public static Command Create(CliContext context)
    {
        var output = new Option<string?>("--out") { Description = "folder for the demo dump and reports (default: a temporary folder)" };
        var threads = new Option<int>("--threads") { Description = "threads for the kernels (default: all cores)", DefaultValueFactory = _ => -1 };
        var command = new Command("demo", "Write a seeded 7-task bf16 eval dump (V=32000) with planted label errors, and score it.") { output, threads };
        command.SetAction(result => context.Guard(() =>
        {
            string folder = result.GetValue(output) ?? Path.Combine(Path.GetTempPath(), "lossengine-demo");
            Directory.CreateDirectory(folder);
            string dumpPath = Path.Combine(folder, "demo.safetensors");
            long[] planted = DemoDump.Write(dumpPath);
            context.Output.WriteLine($"Wrote {dumpPath}: {DemoDump.Tasks.Length} tasks, {DemoDump.Rows / DemoDump.TokensPerExample} examples of {DemoDump.TokensPerExample} tokens, bf16 logits, V = {DemoDump.Vocabulary}, {planted.Length} corrupted labels.");
            using EvalDump dump = EvalDump.OpenSafetensors(dumpPath, new DumpOptions());
            var options = new AggregatorOptions { TaskNames = dump.TaskNames!, WorstExamples = 10 };
            DumpScorer.Result scored = DumpScorer.Score([dump], options, new ScoringOptions { MaxDegreeOfParallelism = result.GetValue(threads) }, null, new Progress(context.Error, context.ErrorIsTerminal));
            string json = Path.Combine(folder, "demo-report.json");
            ScoreCommand.Publish(context, scored, [dumpPath], json, null, Path.Combine(folder, "demo-report.md"));
            AggregateReport report = scored.Aggregator.Report();
            var found = report.Tasks.SelectMany(t => t.PossibleLabelErrors).Select(e => e.Position).ToHashSet();
            context.Output.WriteLine();
            context.Output.WriteLine($"Planted label errors at rows {string.Join(", ", planted)}: the label-error view found {planted.Count(found.Contains)} of {planted.Length}.");
            context.Output.WriteLine($"Reports: {json} (schema lossengine.score/1, with the mergeable state) and {Path.Combine(folder, "demo-report.md")}.");
            return 0;
        }));
        return command;
    }
}
