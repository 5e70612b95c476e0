using System.Text.Json;
using LossEngine.Aggregation;

namespace LossEngine.Scaling;

/// <summary>
/// Reads the per-task metrics of a <c>lossengine.score/1</c> report (<see cref="ReportJson"/>) as observations of one
/// model. Standard errors the report does not carry are derived from the loss's by the delta method: perplexity
/// e^L·SE_L, p_next e^(−L)·SE_L, bits per token SE_L / ln 2, bits per byte (bpb / L)·SE_L.
/// </summary>
internal static class ScoreReportReader
{
    /// <summary>The metrics read: name, standard-error field (or null when derived), and whether the value is a mean
    /// over examples rather than tokens.</summary>
    private static readonly (string Name, string? StandardError, bool PerExample)[] Metrics =
    [
        ("loss", "loss_stderr", false),
        ("perplexity", null, false),
        ("p_next", null, false),
        ("bits_per_token", null, false),
        ("bits_per_byte", null, false),
        ("accuracy", "accuracy_stderr", false),
        ("exact_match", "exact_match_stderr", true),
        ("mean_example_loglikelihood", "mean_example_loglikelihood_stderr", true),
    ];

    public static void Read(JsonElement root, string path, ModelEntry model, double x, SeriesBuilder builder)
    {
        if (!root.TryGetProperty("tasks", out JsonElement tasks) || tasks.ValueKind != JsonValueKind.Array)
        {
            throw new ScalingInputException(path, "tasks", "missing: a lossengine.score/1 report has a 'tasks' array.");
        }

        int index = 0;
        foreach (JsonElement task in tasks.EnumerateArray())
        {
            string where = $"tasks[{index++}]";
            if (task.ValueKind != JsonValueKind.Object)
            {
                throw new ScalingInputException(path, where, "not an object: every task entry is an object with a 'task' name and metrics.");
            }

            string name = task.TryGetProperty("task", out JsonElement t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : string.Empty;
            if (name.Length == 0)
            {
                throw new ScalingInputException(path, $"{where}.task", "missing: every task entry has a name.");
            }

            double tokens = JsonValues.Number(task, "tokens");
            double examples = JsonValues.Number(task, "examples");
            double loss = JsonValues.Number(task, "loss");
            double lossError = JsonValues.Number(task, "loss_stderr");
            double tokensPerExample = tokens > 0 && examples > 0 ? tokens / examples : double.NaN;
            foreach ((string metric, string? errorField, bool perExample) in Metrics)
            {
                double value = JsonValues.Number(task, metric);
                if (!double.IsFinite(value) || !builder.Wants(metric))
                {
                    continue;
                }

                double error = errorField is not null ? JsonValues.Number(task, errorField) : metric switch
                {
                    "perplexity" or "p_next" => value * lossError,
                    "bits_per_token" => lossError / Math.Log(2),
                    _ => loss > 0 ? value / loss * lossError : double.NaN,
                };
                double count = perExample ? examples : tokens;
                builder.Add(new Observation(name, metric, builder.Direction(metric, path, $"{where}.{metric}"), model.Model, x, value, error,
                    double.IsFinite(count) ? (long)count : 0, tokensPerExample, builder.Chance(name, null), path, $"{where}.{metric}"));
            }
        }
    }
}
