using System.CommandLine;
using LossEngine.Aggregation;
using LossEngine.Cli.Reports;
using LossEngine.Formats;
using LossEngine.Pipeline;
using LossEngine.Synthetic;

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
            IReadOnlyList<long> planted = DemoDump.Write(dumpPath);
            context.Output.WriteLine($"Wrote {dumpPath}: {DemoDump.TaskNames.Count} tasks, {DemoDump.Rows / DemoDump.TokensPerExample} examples of {DemoDump.TokensPerExample} tokens, bf16 logits, V = {DemoDump.Vocabulary}, {planted.Count} corrupted labels.");
            using EvalDump dump = EvalDump.OpenSafetensors(dumpPath);
            var options = new DumpScoringOptions { Scoring = new ScoringOptions { MaxDegreeOfParallelism = result.GetValue(threads) } };
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var histogram = new TokenLossHistogram(options.Aggregation.MaxTasks);
            LossAggregator scored = ScoreCommand.Score(context, [dump], options, null, histogram);
            string json = Path.Combine(folder, "demo-report.json");
            string html = Path.Combine(folder, "demo-report.html"), plots = Path.Combine(folder, "demo-plots");
            using var outputs = new OutputFiles([dumpPath], ("report", json), ("report", Path.Combine(folder, "demo-report.md")), ("report", html));
            outputs.AddFolder("plots", plots);
            ScoreCommand.Publish(context, scored, [dump], clock.Elapsed, outputs, json, null, Path.Combine(folder, "demo-report.md"), new Pictures(plots, html), histogram);
            outputs.Commit();
            AggregateReport report = scored.Report();
            var found = report.Tasks.SelectMany(t => t.PossibleLabelErrors).Select(e => e.Position).ToHashSet();
            context.Output.WriteLine();
            context.Output.WriteLine($"Planted label errors at rows {string.Join(", ", planted)}: the label-error view found {planted.Count(found.Contains)} of {planted.Count}.");
            context.Output.WriteLine($"Reports: {json} (schema lossengine.score/1, with the mergeable state) and {Path.Combine(folder, "demo-report.md")}.");
            context.Output.WriteLine($"HTML report: {html} (open it in a browser); plots (PNG and SVG): {plots}.");
            return 0;
        }));
        return command;
    }
}
