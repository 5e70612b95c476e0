using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using LossEngine.Aggregation;
using LossEngine.Cli.Reports;
using LossEngine.Formats;
using LossEngine.Pipeline;

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
            var options = new DumpScoringOptions
            {
                Scoring = common.Scoring(result),
                Aggregation = new AggregatorOptions { TaskNames = common.TaskNameList(result), TopK = result.GetValue(topK), WorstExamples = result.GetValue(worst) },
            };
            List<EvalDump> dumps = common.Source(result).OpenAll();
            try
            {
                var clock = Stopwatch.StartNew();
                LossAggregator aggregator = ScoreWithTokenFile(context, dumps, options, result.GetValue(tokens));
                Publish(context, aggregator, dumps, clock.Elapsed, result.GetValue(json), result.GetValue(csv), result.GetValue(markdown));
                return 0;
            }
            finally
            {
                dumps.ForEach(d => d.Dispose());
            }
        }));
        return command;
    }

    /// <summary>Scores the dumps; with <c>--tokens</c>, streams one loss per row into a side file that is renamed into
    /// place only once every row is scored, so a failed run never leaves a file that looks complete.</summary>
    private static LossAggregator ScoreWithTokenFile(CliContext context, List<EvalDump> dumps, DumpScoringOptions options, string? tokensPath)
    {
        var progress = new ProgressBar(context.Error, context.ErrorIsTerminal);
        if (tokensPath is null)
        {
            LossAggregator scored = DumpScorer.Score(dumps, options, progress);
            progress.Finish();
            return scored;
        }

        string partialPath = tokensPath + ".partial";
        try
        {
            LossAggregator aggregator;
            using (FileStream tokenLosses = NpyFile.Create(partialPath, TensorDataType.Float32, [dumps.Sum(d => d.Rows)]))
            {
                float[] buffer = [];
                aggregator = DumpScorer.Score(dumps, options, progress, (_, rows) =>
                {
                    if (buffer.Length < rows.Length)
                    {
                        buffer = new float[rows.Length];
                    }

                    for (int i = 0; i < rows.Length; i++)
                    {
                        buffer[i] = rows[i].IsIgnored ? float.NaN : rows[i].Loss;
                    }

                    tokenLosses.Write(MemoryMarshal.AsBytes(buffer.AsSpan(0, rows.Length)));
                });
            }

            progress.Finish();
            File.Move(partialPath, tokensPath, overwrite: true);
            return aggregator;
        }
        catch
        {
            DeleteQuietly(partialPath);
            throw;
        }
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

    public static void Publish(CliContext context, LossAggregator aggregator, IReadOnlyList<EvalDump> dumps, TimeSpan elapsed, string? json, string? csv, string? markdown)
    {
        AggregateReport report = aggregator.Report();
        long rows = dumps.Sum(d => d.Rows), bytes = dumps.Sum(d => d.LogitBytes);
        context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"LossEngine: {rows:N0} rows from {dumps.Count} file(s), {bytes / 1e6:N1} MB of logits in {elapsed.TotalSeconds:F2} s ({bytes / Math.Max(elapsed.TotalSeconds, 1e-9) / 1e9:F2} GB/s), SIMD {Logits.VectorWidthInBits}-bit"));
        context.Output.WriteLine();
        context.Output.Write(ScoreReportText.Render(report));
        WriteReports(report, aggregator, [.. dumps.Select(d => d.File)], json, csv, markdown);
    }

    public static void WriteReports(AggregateReport report, LossAggregator aggregator, IReadOnlyList<string> inputs, string? json, string? csv, string? markdown)
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
