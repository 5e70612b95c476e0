using System.CommandLine;
using System.Globalization;
using LossEngine.Cli.Reports;
using LossEngine.Reports.Html;
using LossEngine.Reports.Plots;
using LossEngine.Scaling;

namespace LossEngine.Cli.Commands;

/// <summary><c>lossengine scaling</c>: series across models from score reports or lm-eval results (with a manifest) or
/// a tidy CSV; prints the per-task table (class, fit, extrapolation), the mirage flags and the decomposition across
/// scale.</summary>
internal static class ScalingCommand
{
    public static Command Create(CliContext context)
    {
        var inputs = new Argument<string[]>("inputs") { Description = "score reports (score --json), lm-eval results JSON, or tidy CSV (model,params,tokens,compute,step,task,metric,value,stderr); with none, the manifest's files", Arity = ArgumentArity.ZeroOrMore };
        var manifest = new Option<string?>("--manifest") { Description = "CSV (file,model,params,tokens,compute,step) or JSON mapping each JSON input to its model and scales; files relative to it" };
        var axis = new Option<string>("--x") { Description = "the scale the series run along: params, tokens, compute or step", DefaultValueFactory = _ => "params" };
        var metrics = new Option<string[]>("--metric") { Description = "read only this metric (acc, acc_norm, ppl, loss, exact_match, …); repeat for several", Arity = ArgumentArity.ZeroOrMore };
        var directions = new Option<string[]>("--direction") { Description = "NAME=lower|higher: which way is better for a metric the tool does not know; repeatable", Arity = ArgumentArity.ZeroOrMore };
        var chance = new Option<string[]>("--chance") { Description = "TASK=P: the task's chance level (P alone or *=P for every task); repeatable", Arity = ArgumentArity.ZeroOrMore };
        var extrapolate = new Option<string?>("--extrapolate") { Description = "evaluate every fit at this scale, with its interval (1e12, 70B, …)" };
        var bootstrap = new Option<int>("--bootstrap") { Description = "bootstrap resamples per fit", DefaultValueFactory = _ => 1000 };
        var seed = new Option<long>("--seed") { Description = "bootstrap seed; the same seed gives the same intervals", DefaultValueFactory = _ => 0 };
        var tokensPerExample = new Option<string?>("--tokens-per-example") { Description = "L in the mirage view's p_next^L, for inputs that do not carry it (lm-eval, CSV)" };
        var decompose = new Option<string?>("--decompose") { Description = "the metric to decompose across scale (default: loss, else the first lower-is-better metric)" };
        var threads = new Option<int>("--threads") { Description = "threads across series (default: all cores)", DefaultValueFactory = _ => -1 };
        var json = new Option<string?>("--json") { Description = "write the analysis as JSON (schema lossengine.scaling/1)" };
        var markdown = new Option<string?>("--markdown") { Description = "write the tables as Markdown" };
        var pictures = new PictureOptions();
        var command = new Command("scaling", "Across models: classify, fit and extrapolate every task and metric; mirage flags; decomposition across scale.") { inputs };
        foreach (Option option in new Option[] { manifest, axis, metrics, directions, chance, extrapolate, bootstrap, seed, tokensPerExample, decompose, threads, json, markdown })
        {
            command.Options.Add(option);
        }

        pictures.AddTo(command);
        command.SetAction(result => context.Guard(() =>
        {
            string axisName = result.GetValue(axis) ?? "params";
            if (!ScalingNames.TryParseAxis(axisName, out ScaleAxis scaleAxis))
            {
                throw new UsageException($"--x {axisName}: use params, tokens, compute or step.");
            }

            int resamples = result.GetValue(bootstrap);
            if (resamples < 0)
            {
                throw new UsageException($"--bootstrap {resamples}: use 0 or more resamples.");
            }

            int threadCount = result.GetValue(threads);
            if (threadCount == 0 || threadCount < -1)
            {
                throw new UsageException($"--threads {threadCount}: use a positive count, or omit it for all cores.");
            }

            string[] metricNames = result.GetValue(metrics) ?? [];
            var readOptions = new ScalingReadOptions
            {
                Axis = scaleAxis,
                Metrics = metricNames.Length > 0 ? metricNames : null,
                Directions = Pairs<MetricDirection>(result.GetValue(directions), "--direction", "NAME=lower|higher", value =>
                    ScalingNames.TryParseDirection(value, out MetricDirection d) ? d : null),
                ChanceLevels = Pairs<double>(result.GetValue(chance), "--chance", "TASK=P", value =>
                    TryNumber(value, out double p) && p >= 0 && p < 1 ? p : null, defaultKey: "*"),
            };
            string? manifestPath = result.GetValue(manifest);
            ModelManifest? models = manifestPath is null ? null : ModelManifest.Read(manifestPath);
            string[] paths = result.GetValue(inputs) ?? [];
            if (paths.Length == 0 && models is null)
            {
                throw new UsageException("No inputs: give score reports or lm-eval results with --manifest, or a tidy CSV.");
            }

            using var outputs = new OutputFiles(manifestPath is null ? paths : [.. paths, manifestPath], ("--html", result.GetValue(pictures.Html)));
            Pictures drawn = pictures.Of(result, outputs);
            IReadOnlyList<ScalingSeries> series = ScalingInputs.Read(paths, models, readOptions);
            var options = new ScalingAnalysisOptions
            {
                Fit = new CurveFitOptions { Bootstrap = resamples, Seed = result.GetValue(seed) },
                ExtrapolateTo = Scale(result.GetValue(extrapolate), "--extrapolate"),
                TokensPerExample = Scale(result.GetValue(tokensPerExample), "--tokens-per-example"),
                DecompositionMetric = result.GetValue(decompose),
                MaxDegreeOfParallelism = threadCount,
            };
            if (options.DecompositionMetric is string chosen && series.All(s => s.Metric != chosen))
            {
                throw new UsageException($"--decompose {chosen}: no series has that metric.");
            }

            ScalingReport report = ScalingAnalysis.Run(series, options);
            context.Output.Write(ScalingReportText.Render(report));
            if (result.GetValue(json) is string jsonPath)
            {
                File.WriteAllText(jsonPath, ScalingReportJson.Write(report));
            }

            if (result.GetValue(markdown) is string markdownPath)
            {
                File.WriteAllText(markdownPath, ScalingReportText.Markdown(report));
            }

            WritePictures(outputs, drawn, report);
            return 0;
        }));
        return command;
    }

    /// <summary>Writes the plots (the overview, then one per series) and the page (the overview's plots) and commits
    /// them; nothing when neither was asked for.</summary>
    internal static void WritePictures(OutputFiles outputs, Pictures drawn, ScalingReport report)
    {
        if (!drawn.Any)
        {
            return;
        }

        // The page shows the overview (its sheet has every series); the folder also gets a plot per series.
        IReadOnlyList<Figure> overview = ScalingPlots.Overview(report);
        outputs.WriteFolder(drawn.PlotFolder, folder =>
        {
            foreach (Figure figure in overview.Concat(ScalingPlots.PerSeries(report)))
            {
                figure.Save(folder);
            }
        });
        outputs.WriteText(drawn.HtmlFile, () => ScalingHtml.Render(report, overview));
        outputs.Commit();
    }

    /// <summary>Reads a number, optionally with a K, M, B (or G) or T suffix for 10³, 10⁶, 10⁹, 10¹².</summary>
    internal static bool TryNumber(string text, out double value)
    {
        string trimmed = text.Trim();
        if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        double factor = trimmed.Length > 1 ? char.ToUpperInvariant(trimmed[^1]) switch { 'K' => 1e3, 'M' => 1e6, 'B' or 'G' => 1e9, 'T' => 1e12, _ => 0 } : 0;
        if (factor > 0 && double.TryParse(trimmed[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            value *= factor;
            return true;
        }

        return false;
    }

    /// <summary>A positive scale given on the command line, or null when the option is absent.</summary>
    internal static double? Scale(string? text, string option)
    {
        if (text is null)
        {
            return null;
        }

        return TryNumber(text, out double value) && value > 0 && double.IsFinite(value)
            ? value : throw new UsageException($"{option} {text}: give a positive number (1e12, 70B, …).");
    }

    /// <summary>Parses repeated NAME=VALUE options; a bare VALUE goes under <paramref name="defaultKey"/> when there is one.</summary>
    private static Dictionary<string, T> Pairs<T>(string[]? items, string option, string form, Func<string, T?> parse, string? defaultKey = null)
        where T : struct
    {
        var pairs = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (string item in items ?? [])
        {
            int equals = item.LastIndexOf('=');
            string key = equals > 0 ? item[..equals].Trim() : defaultKey ?? string.Empty;
            string value = equals >= 0 ? item[(equals + 1)..] : item;
            if (key.Length == 0 || parse(value) is not T parsed)
            {
                throw new UsageException($"{option} {item}: expected {form}.");
            }

            pairs[key] = parsed;
        }

        return pairs;
    }
}
