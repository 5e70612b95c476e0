using System.Text.Json;
using LossEngine.Aggregation;

namespace LossEngine.Scaling;

/// <summary>
/// Reads the inputs of a scaling analysis into series, one per task and metric. Each file is recognised by its content:
/// a <c>lossengine.score/1</c> report (every per-task metric becomes a series: loss, perplexity, p_next,
/// bits_per_token, bits_per_byte, accuracy, exact_match, mean_example_loglikelihood), lm-evaluation-harness results
/// JSON in either layout, or (by the extension .csv) a tidy CSV. A report or results file is one model, whose name and
/// scale come from the manifest; a tidy CSV carries its own.
/// </summary>
public static class ScalingInputs
{
    /// <summary>Reads <paramref name="paths"/> (or, when there are none, every file the manifest lists) into series
    /// sorted by task and metric in the order first seen, each with its points in increasing x.</summary>
    /// <param name="paths">Input files.</param>
    /// <param name="manifest">Models and scales of the JSON inputs; may be null when every input is a tidy CSV.</param>
    /// <param name="options">The axis, metric selection, directions and chance levels.</param>
    /// <exception cref="ScalingInputException">A file is missing or not one of the formats; a JSON input is not in the
    /// manifest or its model has no scale on the axis; a metric's direction is unknown; a metric named in the options is
    /// in no input; a model appears twice in a series or two models share a scale; a series has fewer than 2 points.
    /// The message names the file and the field.</exception>
    public static IReadOnlyList<ScalingSeries> Read(IReadOnlyList<string> paths, ModelManifest? manifest, ScalingReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> files = paths.Count > 0 ? paths
            : manifest is not null ? [.. manifest.Entries.Select(e => e.File)]
            : throw new ScalingInputException(string.Empty, string.Empty, "no inputs: give score reports, lm-eval results or a tidy CSV (and a manifest for the JSON files).");
        var builder = new SeriesBuilder(options);
        foreach (string path in files)
        {
            ReadOne(path, manifest, builder);
        }

        return builder.Build();
    }

    private static void ReadOne(string path, ModelManifest? manifest, SeriesBuilder builder)
    {
        if (!File.Exists(path))
        {
            throw new ScalingInputException(path, string.Empty, "no such file.");
        }

        if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            TidyCsvReader.Read(path, builder);
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException error)
        {
            throw new ScalingInputException(path, string.Empty, $"neither a tidy CSV (.csv) nor valid JSON: {error.Message}", error);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            JsonValues.CheckValues(root, path);
            bool isReport = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("schema", out JsonElement schema) && schema.ValueKind == JsonValueKind.String;
            bool isLmEval = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("results", out _);
            if (isReport && root.GetProperty("schema").GetString() != ReportJson.Schema)
            {
                throw new ScalingInputException(path, "schema", $"'{root.GetProperty("schema").GetString()}' is not {ReportJson.Schema}.");
            }

            if (!isReport && !isLmEval)
            {
                throw new ScalingInputException(path, string.Empty, $"not a {ReportJson.Schema} report (no 'schema') nor lm-evaluation-harness results (no 'results').");
            }

            if (manifest is null)
            {
                throw new ScalingInputException(path, string.Empty, "a manifest is needed to give this file's model and scale (--manifest models.csv).");
            }

            ModelEntry entry = manifest.Find(path)
                ?? throw new ScalingInputException(path, string.Empty, $"not listed in the manifest {manifest.Path} (files there are relative to its folder).");
            string axis = ScalingNames.Of(builder.Options.Axis);
            double x = entry.Scale(builder.Options.Axis)
                ?? throw new ScalingInputException(manifest.Path, entry.Field(axis), $"missing scale: model '{entry.Model}' ({path}) has no {axis}, the axis the series run along.");
            if (isReport)
            {
                ScoreReportReader.Read(root, path, entry, x, builder);
            }
            else
            {
                LmEvalResultsReader.Read(root, path, entry, x, builder);
            }
        }
    }
}
