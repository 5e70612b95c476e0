using System.CommandLine;
using System.Globalization;
using LossEngine.Aggregation;
using LossEngine.Cli.Input;
using LossEngine.Cli.Reports;
using LossEngine.Formats;

namespace LossEngine.Cli.Commands;

/// <summary><c>lossengine score</c>: the per-task report of one dataset.</summary>
internal static class ScoreCommand
{
    public static Command Create(CliContext context)
    {
        var common = new CommonOptions();
        var topK = new Option<int>("--top-k") { Description = "k of top-k accuracy", DefaultValueFactory = _ => 5 };
        var worst = new Option<int>("--worst") { Description = "worst examples and label errors kept per task", DefaultValueFactory = _ => 10 };
        var json = new Option<string?>("--json") { Description = "write the report and the mergeable state as JSON" };
        var csv = new Option<string?>("--csv") { Description = "write the per-task table as CSV" };
        var markdown = new Option<string?>("--markdown") { Description = "write the per-task table as Markdown" };
        var tokens = new Option<string?>("--tokens") { Description = "write every row's loss as a float32 .npy (NaN for ignored rows)" };
        var command = new Command("score", "Score eval dumps: per-task loss, perplexity, accuracy, calibration, decomposition, worst examples.");
        common.AddTo(command);
        foreach (Option option in new Option[] { topK, worst, json, csv, markdown, tokens })
        {
            command.Options.Add(option);
        }

        command.SetAction(result => context.Guard(() =>
        {
            var scoring = common.Scoring(result);
            DumpSource source = common.Source(result);
            List<EvalDump> dumps = source.OpenAll();
            try
            {
                var options = new AggregatorOptions
                {
                    TaskNames = TaskNameSource.Resolve(result.GetValue(common.TaskNames), dumps),
                    TopK = result.GetValue(topK),
                    WorstExamples = result.GetValue(worst),
                };
                // --tokens streams one loss per row into a side file, renamed into place only once every row is
                // scored, so a failed run never leaves a file that looks complete.
                string? tokensPath = result.GetValue(tokens);
                string? partialPath = tokensPath is null ? null : tokensPath + ".partial";
                DumpScorer.Result scored;
                try
                {
                    using (FileStream? tokenLosses = partialPath is null ? null : NpyFile.Create(partialPath, "<f4", [dumps.Sum(d => d.Rows)]))
                    {
                        scored = DumpScorer.Score(dumps, options, scoring, tokenLosses, new Progress(context.Error, context.ErrorIsTerminal));
                    }

                    if (partialPath is not null)
                    {
                        File.Move(partialPath, tokensPath!, overwrite: true);
                    }
                }
                catch
                {
                    if (partialPath is not null)
                    {
                        DeleteQuietly(partialPath);
                    }

                    throw;
                }

                Publish(context, scored, dumps.Select(d => d.File).ToList(), result.GetValue(json), result.GetValue(csv), result.GetValue(markdown));
                return 0;
            }
            finally
            {
                dumps.ForEach(d => d.Dispose());
            }
        }));
        return command;
    }

    /// <summary>Deletes a file if it exists, on the way out of a failure that is already being reported.</summary>
    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
        }
    }

    public static void Publish(CliContext context, DumpScorer.Result scored, List<string> inputs, string? json, string? csv, string? markdown)
    {
        AggregateReport report = scored.Aggregator.Report();
        context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"LossEngine: {scored.Rows:N0} rows from {inputs.Count} file(s), {scored.Bytes / 1e6:N1} MB of logits in {scored.Elapsed.TotalSeconds:F2} s ({scored.Bytes / Math.Max(scored.Elapsed.TotalSeconds, 1e-9) / 1e9:F2} GB/s), SIMD {Logits.VectorWidthInBits}-bit"));
        context.Output.WriteLine();
        context.Output.Write(ScoreReportText.Render(report));
        WriteReports(report, scored.Aggregator, inputs, json, csv, markdown);
    }

    public static void WriteReports(AggregateReport report, LossAggregator aggregator, List<string> inputs, string? json, string? csv, string? markdown)
    {
        if (json is not null)
        {
            File.WriteAllText(json, ReportJson.Write(report, aggregator, inputs));
        }

        if (csv is not null)
        {
            File.WriteAllText(csv, ScoreReportText.Csv(report));
        }

        if (markdown is not null)
        {
            File.WriteAllText(markdown, ScoreReportText.Markdown(report));
        }
    }
}
