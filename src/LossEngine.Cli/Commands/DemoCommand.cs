using System.CommandLine;
using LossEngine.Aggregation;
using LossEngine.Cli.Reports;
using LossEngine.Formats;
using LossEngine.Pipeline;
using LossEngine.Scaling;
using LossEngine.Synthetic;

namespace LossEngine.Cli.Commands;

/// <summary><c>lossengine demo</c>: writes the built-in multi-task dump and scores it.</summary>
internal static class DemoCommand
{
    public static Command Create(CliContext context)
    {
        var output = new Option<string?>("--out") { Description = "folder for the demo dump and reports (default: a temporary folder)" };
        var threads = new Option<int>("--threads") { Description = "threads for the kernels (default: all cores)", DefaultValueFactory = _ => -1 };
        var scaling = new Option<bool>("--scaling") { Description = "instead: write a family of six model sizes with planted scaling shapes, score each, and run the scaling analysis" };
        var command = new Command("demo", "Write a seeded 7-task bf16 eval dump (V=32000) with planted label errors, and score it.") { output, threads, scaling };
        command.SetAction(result => context.Guard(() =>
        {
            if (result.GetValue(scaling))
            {
                return RunScaling(context, result.GetValue(output) ?? Path.Combine(Path.GetTempPath(), "lossengine-scaling-demo"), result.GetValue(threads));
            }

            string folder = result.GetValue(output) ?? Path.Combine(Path.GetTempPath(), "lossengine-demo");
            Directory.CreateDirectory(folder);
            string dumpPath = Path.Combine(folder, "demo.safetensors");
            IReadOnlyList<long> planted = DemoDump.Write(dumpPath);
            context.Output.WriteLine($"Wrote {dumpPath}: {DemoDump.TaskNames.Count} tasks, {DemoDump.Rows / DemoDump.TokensPerExample} examples of {DemoDump.TokensPerExample} tokens, bf16 logits, V = {DemoDump.Vocabulary}, {planted.Count} corrupted labels.");
            using EvalDump dump = EvalDump.OpenSafetensors(dumpPath);
            var options = new DumpScoringOptions { Scoring = new ScoringOptions { MaxDegreeOfParallelism = result.GetValue(threads) } };
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var histogram = new TokenLossHistogram(options.Aggregation.MaxTasks);
            LossAggregator scored = ScoreCommand.Score(context, [dump], options, null, null, histogram);
            string json = Path.Combine(folder, "demo-report.json");
            string html = Path.Combine(folder, "demo-report.html"), plots = Path.Combine(folder, "demo-plots");
            using var outputs = new OutputFiles([dumpPath], ("report", json), ("report", Path.Combine(folder, "demo-report.md")), ("report", html));
            outputs.AddFolder("plots", plots);
            ScoreCommand.Publish(context, scored, [dump], clock.Elapsed, outputs, json, null, Path.Combine(folder, "demo-report.md"), null, new Pictures(plots, html), histogram);
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

    /// <summary><c>demo --scaling</c>: the family of <see cref="ScalingDemoFamily"/> through scoring and the scaling
    /// analysis, then each planted shape beside the class recovered for it.</summary>
    private static int RunScaling(CliContext context, string folder, int threads)
    {
        context.Output.WriteLine($"Writing and scoring {ScalingDemoFamily.Parameters.Count} models ({ScalingDemoFamily.TaskNames.Count} tasks, {ScalingDemoFamily.Rows} tokens each, bf16 logits, V = {ScalingDemoFamily.Vocabulary}) in {folder}.");
        var scoring = new DumpScoringOptions { Scoring = new ScoringOptions { MaxDegreeOfParallelism = threads } };
        var analysis = new ScalingAnalysisOptions { MaxDegreeOfParallelism = threads };
        ScalingDemoResult demo = ScalingDemo.Run(folder, scoring, analysis, cancellationToken: context.Cancellation);
        context.Output.WriteLine();
        context.Output.Write(ScalingReportText.Render(demo.Report));
        string json = Path.Combine(folder, "scaling.json");
        string markdown = Path.Combine(folder, "scaling.md");
        File.WriteAllText(json, ScalingReportJson.Write(demo.Report));
        File.WriteAllText(markdown, ScalingReportText.Markdown(demo.Report));
        string html = Path.Combine(folder, "scaling.html"), plots = Path.Combine(folder, "scaling-plots");
        using (var outputs = new OutputFiles([demo.ManifestPath], ("report", html)))
        {
            outputs.AddFolder("plots", plots);
            ScalingCommand.WritePictures(outputs, new Pictures(plots, html), demo.Report);
        }

        context.Output.WriteLine();
        context.Output.WriteLine("Planted shapes and the classes recovered:");
        int width = demo.Recovered.Max(r => r.Planted.Task.Length + r.Planted.Metric.Length + 3);
        foreach (RecoveredShape shape in demo.Recovered)
        {
            string series = $"{shape.Planted.Task} ({shape.Planted.Metric})";
            context.Output.WriteLine($"  {series.PadRight(width)}  planted {ScalingNames.Of(shape.Planted.Class),-12} recovered {ScalingNames.Of(shape.Class),-12} {(shape.IsRecovered ? "ok" : "MISSED")}");
        }

        context.Output.WriteLine($"The analysis recovered {demo.Recovered.Count(r => r.IsRecovered)} of {demo.Recovered.Count} planted shapes.");
        context.Output.WriteLine($"Reports: {demo.ManifestPath} and the score reports beside it; {json} (schema lossengine.scaling/1) and {markdown}.");
        context.Output.WriteLine($"HTML report: {html} (open it in a browser); plots (PNG and SVG): {plots}.");
        context.Output.WriteLine($"Again by hand: lossengine scaling --manifest {demo.ManifestPath}");
        return 0;
    }
}
