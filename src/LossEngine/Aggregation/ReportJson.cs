using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
namespace LossEngine.Aggregation;

/// <summary>
/// The stable JSON report (schema "lossengine.score/1") written by the CLI's <c>score</c> and <c>merge</c> and by the C
/// ABI: an <c>overall</c> object, a <c>decomposition</c>, a <c>tasks</c> array, and the aggregator's mergeable
/// <c>state</c>. Field names are snake_case; non-finite numbers are the strings "NaN", "Infinity" and "-Infinity".
/// </summary>
public static class ReportJson
{
    /// <summary>The schema name written in every report.</summary>
    public const string Schema = "lossengine.score/1";

    /// <summary>Writes the report of <paramref name="aggregator"/> with its state.</summary>
    /// <param name="report">The report, usually <c>aggregator.Report()</c>.</param>
    /// <param name="aggregator">The aggregator whose state goes in the "state" section.</param>
    /// <param name="inputs">The input files, listed in "inputs".</param>
    /// <param name="multipleChoice">When the dumps group examples into questions: their metrics, written as
    /// "multiple_choice" (the object of <see cref="LmEval.LmEvalSamplesReportJson"/>) after "tasks".</param>
    public static string Write(AggregateReport report, LossAggregator aggregator, IReadOnlyList<string> inputs, MultipleChoice.MultipleChoiceReport? multipleChoice = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(aggregator);
        ArgumentNullException.ThrowIfNull(inputs);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("schema", Schema);
            writer.WriteStartArray("inputs");
            foreach (string input in inputs)
            {
                writer.WriteStringValue(input);
            }

            writer.WriteEndArray();
            writer.WriteNumber("top_k", report.TopK);
            writer.WritePropertyName("overall");
            WriteMetrics(writer, report.Overall, includeLists: false, macroLoss: report.MacroLoss);
            writer.WritePropertyName("decomposition");
            writer.WriteStartObject();
            Number(writer, "macro_loss", report.MacroLoss);
            Number(writer, "weighted_loss", report.WeightedLoss);
            Number(writer, "lm_eval_group_loss", report.LmEvalGroupLoss);
            Number(writer, "lm_eval_group_accuracy", report.LmEvalGroupAccuracy);
            Number(writer, "lm_eval_group_loss_stderr", report.LmEvalGroupLossStandardError);
            Number(writer, "lm_eval_group_accuracy_stderr", report.LmEvalGroupAccuracyStandardError);
            writer.WriteEndObject();
            writer.WriteStartArray("tasks");
            foreach (TaskMetrics task in report.Tasks)
            {
                WriteMetrics(writer, task, includeLists: true);
            }

            writer.WriteEndArray();
            if (multipleChoice is not null)
            {
                writer.WritePropertyName("multiple_choice");
                LmEval.LmEvalSamplesReportJson.WriteMultipleChoice(writer, multipleChoice);
            }

            writer.WritePropertyName("state");
            writer.WriteRawValue(aggregator.ToJson());
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteMetrics(Utf8JsonWriter writer, TaskMetrics m, bool includeLists, double? macroLoss = null)
    {
        writer.WriteStartObject();
        writer.WriteString("task", m.Task);
        writer.WriteNumber("tokens", m.Tokens);
        writer.WriteNumber("examples", m.Examples);
        writer.WriteNumber("nan_losses", m.NaNLosses);
        Number(writer, "loss", m.Loss);
        Number(writer, "loss_stderr", m.LossStandardError);
        Number(writer, "perplexity", m.Perplexity);
        Number(writer, "perplexity_ci_low", m.PerplexityLow);
        Number(writer, "perplexity_ci_high", m.PerplexityHigh);
        Number(writer, "p_next", m.TargetProbability);
        Number(writer, "bits_per_token", m.BitsPerToken);
        Number(writer, "bits_per_byte", m.BitsPerByte);
        Number(writer, "accuracy", m.Accuracy);
        Number(writer, "accuracy_stderr", m.AccuracyStandardError);
        Number(writer, "top_k_accuracy", m.TopKAccuracy);
        Number(writer, "mrr", m.MeanReciprocalRank);
        Number(writer, "exact_match", m.ExactMatch);
        Number(writer, "exact_match_stderr", m.ExactMatchStandardError);
        Number(writer, "mean_example_loglikelihood", m.MeanExampleLogLikelihood);
        Number(writer, "mean_example_loglikelihood_stderr", m.MeanExampleLogLikelihoodStandardError);
        Number(writer, "mean_entropy", m.MeanEntropy);
        Number(writer, "ece", m.ExpectedCalibrationError);
        Number(writer, "weight", m.Weight);
        Number(writer, "contribution", m.Contribution);
        Number(writer, "share_of_loss", m.ShareOfLoss);
        if (macroLoss is double macro)
        {
            // The overall object carries the macro mean beside the micro one, as scripts expect to find both there.
            Number(writer, "macro_loss", macro);
        }

        if (includeLists)
        {
            writer.WriteStartArray("worst_examples");
            foreach (WorstExample w in m.WorstExamples)
            {
                writer.WriteStartObject();
                writer.WriteNumber("example_id", w.ExampleId);
                writer.WriteNumber("first_position", w.FirstPosition);
                writer.WriteNumber("last_position", w.LastPosition);
                writer.WriteNumber("tokens", w.Tokens);
                Number(writer, "mean_loss", w.MeanLoss);
                writer.WriteNumber("worst_position", w.WorstPosition);
                Number(writer, "worst_loss", w.WorstLoss);
                writer.WriteNumber("target", w.Target);
                writer.WriteNumber("argmax", w.ArgMax);
                Number(writer, "argmax_probability", w.ArgMaxProbability);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("possible_label_errors");
            foreach (PossibleLabelError e in m.PossibleLabelErrors)
            {
                writer.WriteStartObject();
                writer.WriteNumber("example_id", e.ExampleId);
                writer.WriteNumber("position", e.Position);
                Number(writer, "loss", e.Loss);
                writer.WriteNumber("target", e.Target);
                writer.WriteNumber("target_rank", e.TargetRank);
                writer.WriteNumber("argmax", e.ArgMax);
                Number(writer, "argmax_probability", e.ArgMaxProbability);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    /// <summary>A named number; non-finite values as the strings "NaN", "Infinity" and "-Infinity".</summary>
    internal static void Number(Utf8JsonWriter writer, string name, double value)
    {
        writer.WritePropertyName(name);
        NumberValue(writer, value);
    }

    /// <summary>An array element or property value, written as <see cref="Number"/> does.</summary>
    internal static void NumberValue(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }

    /// <summary>Reads the mergeable state back out of a report written by <see cref="Write"/>, or of a bare state.</summary>
    /// <exception cref="FormatException">The text is not such a report.</exception>
    public static LossAggregator ReadState(string json)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("state", out JsonElement state))
            {
                return LossAggregator.FromJson(state.GetRawText());
            }

            return LossAggregator.FromJson(json);
        }
        catch (JsonException error)
        {
            throw new FormatException($"Not a LossEngine report: {error.Message}", error);
        }
        catch (InvalidOperationException error) when (error.Source?.StartsWith("System.Text.Json", StringComparison.Ordinal) == true)
        {
            // JsonDocument unescapes property names to look one up, and an escaped lone surrogate has no UTF-16 form.
            throw new FormatException($"Not a LossEngine report: {error.Message}", error);
        }
    }
}
