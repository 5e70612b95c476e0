using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using LossEngine.Aggregation;
using LossEngine.Cli.Reports;
using LossEngine.Formats;
using LossEngine.LmEval;
using LossEngine.MultipleChoice;
using LossEngine.Pipeline;
using LossEngine.Reports.Html;
using LossEngine.Reports.Plots;

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
        var maxTasks = new Option<int>("--max-tasks") { Description = "the most tasks (each takes ~31 KB of state); task ids without names beyond it are errors", DefaultValueFactory = _ => AggregatorOptions.DefaultMaxTasks };
        var pictures = new PictureOptions();
        var command = new Command("score", "Score eval dumps: per-task loss, perplexity, accuracy, calibration, decomposition, worst examples.");
        common.AddTo(command);
        pictures.AddTo(command);
        var unordered = new Option<bool>("--examples-unordered") { Description = "examples' tokens may interleave (memory grows with the number of examples)" };
        var samples = new Option<string[]>("--lm-eval-samples")
        {
            Description = "recompute lm-evaluation-harness sample logs (samples_*.jsonl files or folders) instead of scoring dumps",
            AllowMultipleArgumentsPerToken = true,
            Arity = ArgumentArity.ZeroOrMore,
        };
        var delimiter = new Option<string>("--target-delimiter") { Description = "lm-eval's target_delimiter, taken off each logged choice for acc_norm", DefaultValueFactory = _ => " " };
        foreach (Option option in new Option[] { topK, worst, json, csv, markdown, tokens, maxTasks, unordered, samples, delimiter })
        {
            command.Options.Add(option);
        }

        command.SetAction(result => context.Guard(() =>
        {
            if (result.GetValue(samples) is { Length: > 0 } sampleFiles)
            {
                if (result.GetValue(common.Dumps) is { Length: > 0 })
                {
                    throw new UsageException("--lm-eval-samples reads sample logs instead of dumps: give one or the other.");
                }

                return ScoreSamples(context, sampleFiles, new LmEvalSampleOptions { TargetDelimiter = result.GetValue(delimiter) ?? " ", Keep = result.GetValue(worst) }, result.GetValue(json));
            }

            DumpSource source = common.Source(result);
            string? tokensPath = result.GetValue(tokens);
            using var outputs = new OutputFiles(common.InputFiles(result, source), ("--json", result.GetValue(json)), ("--csv", result.GetValue(csv)),
                ("--markdown", result.GetValue(markdown)), ("--tokens", tokensPath), ("--html", result.GetValue(pictures.Html)));
            Pictures drawn = pictures.Of(result, outputs);
            var options = new DumpScoringOptions
            {
                Scoring = common.Scoring(result),
                Aggregation = new AggregatorOptions
                {
                    TaskNames = common.TaskNameList(result),
                    TopK = result.GetValue(topK),
                    WorstExamples = result.GetValue(worst),
                    ExamplesUnordered = result.GetValue(unordered),
                    MaxTasks = result.GetValue(maxTasks) > 0 ? result.GetValue(maxTasks) : throw new UsageException($"--max-tasks {result.GetValue(maxTasks)}: give a positive count."),
                },
            };
            List<EvalDump> dumps = source.OpenAll();
            try
            {
                var clock = Stopwatch.StartNew();
                // Dumps that group their examples into questions also get the multiple-choice metrics.
                MultipleChoiceCollector? choices = dumps.Any(d => d.HasQuestions) ? new MultipleChoiceCollector(dumps) : null;
                TokenLossHistogram? histogram = drawn.Any ? new TokenLossHistogram(options.Aggregation.MaxTasks) : null;
                LossAggregator aggregator = Score(context, dumps, options, tokensPath is null ? null : outputs.TemporaryFor(tokensPath), choices, histogram);
                MultipleChoiceReport? multipleChoice = choices?.Aggregate(aggregator.Options.TaskNames, result.GetValue(worst)).Report();
                Publish(context, aggregator, dumps, clock.Elapsed, outputs, result.GetValue(json), result.GetValue(csv), result.GetValue(markdown), multipleChoice, drawn, histogram);
                outputs.Commit();
                return 0;
            }
            finally
            {
                dumps.ForEach(d => d.Dispose());
            }
        }));
        return command;
    }

    /// <summary>Recomputes lm-eval sample logs and prints (and with --json writes) the per-task report.</summary>
    private static int ScoreSamples(CliContext context, IReadOnlyList<string> paths, LmEvalSampleOptions options, string? json)
    {
        using var outputs = new OutputFiles(LmEvalSamples.FindFiles(paths), ("--json", json));
        LmEvalSamplesReport report = LmEvalSamples.Read(paths, options);
        context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"LossEngine: lm-eval samples from {report.Files.Count} file(s)"));
        context.Output.WriteLine();
        context.Output.Write(SamplesReportText.Render(report));
        outputs.WriteText(json, () => LmEvalSamplesReportJson.Write(report));
        outputs.Commit();
        return 0;
    }

    /// <summary>Scores the dumps; with <c>--tokens</c>, streams one loss per row into its (temporary) file; with a
    /// histogram, counts every token's loss in it.</summary>
    internal static LossAggregator Score(CliContext context, IReadOnlyList<EvalDump> dumps, DumpScoringOptions options, string? tokensPath, MultipleChoiceCollector? choices, TokenLossHistogram? histogram = null)
    {
        var progress = new ProgressBar(context.Error, context.ErrorIsTerminal);
        if (tokensPath is null)
        {
            ScoredRowsHandler? collect = choices is null ? null : choices.Add;
            LossAggregator scored = DumpScorer.Score(dumps, options, progress, histogram is null ? collect : histogram.Observe(dumps, collect), context.Cancellation);
            progress.Finish();
            return scored;
        }

        using FileStream tokenLosses = NpyFile.Create(tokensPath, TensorDataType.Float32, [dumps.Sum(d => d.Rows)]);
        float[] buffer = [];
        ScoredRowsHandler writeLosses = (firstRow, rows) =>
        {
            choices?.Add(firstRow, rows);
            if (buffer.Length < rows.Length)
            {
                buffer = new float[rows.Length];
            }

            for (int i = 0; i < rows.Length; i++)
            {
                buffer[i] = rows[i].IsIgnored ? float.NaN : rows[i].Loss;
            }

            tokenLosses.Write(MemoryMarshal.AsBytes(buffer.AsSpan(0, rows.Length)));
        };
        LossAggregator aggregator = DumpScorer.Score(dumps, options, progress, histogram?.Observe(dumps, writeLosses) ?? writeLosses, context.Cancellation);
        progress.Finish();
        return aggregator;
    }

    public static void Publish(CliContext context, LossAggregator aggregator, IReadOnlyList<EvalDump> dumps, TimeSpan elapsed, OutputFiles outputs, string? json, string? csv, string? markdown, MultipleChoiceReport? multipleChoice = null,
        Pictures? pictures = null, TokenLossHistogram? histogram = null)
    {
        AggregateReport report = aggregator.Report();
        long rows = dumps.Sum(d => d.Rows), bytes = dumps.Sum(d => d.LogitBytes);
        context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"LossEngine: {rows:N0} rows from {dumps.Count} file(s), {bytes / 1e6:N1} MB of logits in {elapsed.TotalSeconds:F2} s ({bytes / Math.Max(elapsed.TotalSeconds, 1e-9) / 1e9:F2} GB/s), SIMD {Logits.VectorWidthInBits}-bit"));
        context.Output.WriteLine();
        context.Output.Write(ScoreReportText.Render(report));
        if (multipleChoice is not null)
        {
            context.Output.WriteLine();
            context.Output.Write(SamplesReportText.MultipleChoice(multipleChoice));
        }

        string[] inputs = [.. dumps.Select(d => d.File)];
        WriteReports(report, aggregator, inputs, outputs, json, csv, markdown, multipleChoice);
        if (pictures is { Any: true })
        {
            IReadOnlyList<Figure> figures = ScorePlots.All(report, histogram, aggregator.Options.TaskNames);
            pictures.Write(outputs, figures, () => ScoreHtml.Render(report, figures, inputs));
        }
    }

    /// <summary>Writes the requested reports under their temporary names; the caller commits them.</summary>
    public static void WriteReports(AggregateReport report, LossAggregator aggregator, IReadOnlyList<string> inputs, OutputFiles outputs, string? json, string? csv, string? markdown, MultipleChoiceReport? multipleChoice = null)
    {
        outputs.WriteText(json, () => ReportJson.Write(report, aggregator, inputs, multipleChoice));
        outputs.WriteText(csv, () => ScoreReportText.Csv(report));
        outputs.WriteText(markdown, () => ScoreReportText.Markdown(report));
    }
}
