using System.Text.Json;

namespace LossEngine.Scaling;

/// <summary>
/// Reads lm-evaluation-harness results as observations of one model, in both layouts: the older one,
/// <c>results.{task}.{metric}</c> with <c>{metric}_stderr</c> beside it (EleutherAI's published Pythia evaluations),
/// and the current one, <c>results.{task}."{metric},{filter}"</c> with <c>"{metric}_stderr,{filter}"</c>. A metric
/// with the filter <c>none</c> keeps its bare name (<c>acc</c>); one with another filter keeps the full key
/// (<c>exact_match,strict-match</c>). Standard errors written as "N/A" are unknown. The count of a point is
/// <c>n-samples.{task}.effective</c> when the file has it.
/// </summary>
internal static class LmEvalResultsReader
{
    private const string StandardErrorSuffix = "_stderr";

    public static void Read(JsonElement root, string path, ModelEntry model, double x, SeriesBuilder builder)
    {
        if (!root.TryGetProperty("results", out JsonElement results) || results.ValueKind != JsonValueKind.Object)
        {
            throw new ScalingInputException(path, "results", "missing: lm-evaluation-harness results have a 'results' object.");
        }

        JsonElement samples = root.TryGetProperty("n-samples", out JsonElement n) && n.ValueKind == JsonValueKind.Object ? n : default;
        foreach (JsonProperty task in results.EnumerateObject())
        {
            if (task.Value.ValueKind != JsonValueKind.Object)
            {
                throw new ScalingInputException(path, $"results.{task.Name}", "not an object of metrics.");
            }

            double count = samples.ValueKind == JsonValueKind.Object && samples.TryGetProperty(task.Name, out JsonElement taskSamples)
                ? JsonValues.Number(taskSamples, "effective") : double.NaN;
            foreach (JsonProperty entry in task.Value.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.Number)
                {
                    // "alias", "N/A" values and nested objects are not metric values.
                    continue;
                }

                int comma = entry.Name.IndexOf(',', StringComparison.Ordinal);
                string key = comma < 0 ? entry.Name : entry.Name[..comma];
                string? filter = comma < 0 ? null : entry.Name[(comma + 1)..];
                if (key.EndsWith(StandardErrorSuffix, StringComparison.Ordinal))
                {
                    continue;
                }

                string metric = filter is null or "none" ? key : entry.Name;
                if (!builder.Wants(metric))
                {
                    continue;
                }

                string field = $"results.{task.Name}.\"{entry.Name}\"";
                string errorKey = filter is null ? key + StandardErrorSuffix : $"{key}{StandardErrorSuffix},{filter}";
                double value = entry.Value.GetDouble();
                builder.Add(new Observation(task.Name, metric, builder.Direction(metric, path, field), model.Model, x, value,
                    JsonValues.Number(task.Value, errorKey), double.IsFinite(count) ? (long)count : 0, double.NaN, builder.Chance(task.Name, null), path, field));
            }
        }
    }
}
