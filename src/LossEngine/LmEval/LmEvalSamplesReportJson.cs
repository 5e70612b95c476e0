using System.Text;
using System.Text.Json;
using LossEngine.Aggregation;
using LossEngine.MultipleChoice;

namespace LossEngine.LmEval;

/// <summary>
/// The JSON report of recomputed lm-evaluation-harness samples (schema "lossengine.lm-eval-samples/1"), written by
/// <c>lossengine score --lm-eval-samples … --json</c>: <c>files</c>, <c>multiple_choice</c> { <c>overall</c>,
/// <c>macro_acc</c>, <c>macro_brier_score</c>, <c>lm_eval_group_acc</c>, <c>lm_eval_group_acc_stderr</c>, <c>tasks</c>
/// }, <c>documents</c> (loglikelihood and rolling tasks) and <c>checks</c>. Metric names are lm-eval's; non-finite
/// numbers are the strings "NaN", "Infinity" and "-Infinity".
/// </summary>
public static class LmEvalSamplesReportJson
{
    /// <summary>The schema name.</summary>
    public const string Schema = "lossengine.lm-eval-samples/1";

    /// <summary>Writes the report.</summary>
    public static string Write(LmEvalSamplesReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("schema", Schema);
            writer.WriteStartArray("files");
            foreach (string file in report.Files)
            {
                writer.WriteStringValue(file);
            }

            writer.WriteEndArray();
            writer.WritePropertyName("multiple_choice");
            WriteMultipleChoice(writer, report.MultipleChoice);
            writer.WriteStartArray("documents");
            foreach (DocumentMetrics d in report.Documents)
            {
                Documents(writer, d);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("checks");
            foreach (LoggedMetricCheck c in report.Checks)
            {
                writer.WriteStartObject();
                writer.WriteString("task", c.Task);
                writer.WriteString("metric", c.Metric);
                writer.WriteNumber("checked", c.Checked);
                writer.WriteNumber("disagreements", c.Disagreements);
                writer.WriteString("first_disagreement", c.FirstDisagreement);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The "multiple_choice" object: overall, macro and lm-eval group figures, and the tasks with their lists.</summary>
    internal static void WriteMultipleChoice(Utf8JsonWriter writer, MultipleChoiceReport mc)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("overall");
        Choices(writer, mc.Overall, lists: false);
        ReportJson.Number(writer, "macro_acc", mc.MacroAccuracy);
        ReportJson.Number(writer, "macro_brier_score", mc.MacroBrierScore);
        ReportJson.Number(writer, "lm_eval_group_acc", mc.LmEvalGroupAccuracy);
        ReportJson.Number(writer, "lm_eval_group_acc_stderr", mc.LmEvalGroupAccuracyStandardError);
        writer.WriteStartArray("tasks");
        foreach (MultipleChoiceMetrics task in mc.Tasks)
        {
            Choices(writer, task, lists: true);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void Choices(Utf8JsonWriter writer, MultipleChoiceMetrics m, bool lists)
    {
        writer.WriteStartObject();
        writer.WriteString("task", m.Task);
        writer.WriteNumber("questions", m.Questions);
        ReportJson.Number(writer, "mean_choices", m.MeanChoices);
        ReportJson.Number(writer, "acc", m.Accuracy);
        ReportJson.Number(writer, "acc_stderr", m.AccuracyStandardError);
        ReportJson.Number(writer, "acc_norm", m.NormalizedAccuracy);
        ReportJson.Number(writer, "acc_norm_stderr", m.NormalizedAccuracyStandardError);
        ReportJson.Number(writer, "acc_bytes", m.ByteAccuracy);
        ReportJson.Number(writer, "acc_bytes_stderr", m.ByteAccuracyStandardError);
        ReportJson.Number(writer, "acc_mutual_info", m.MutualInfoAccuracy);
        ReportJson.Number(writer, "brier_score", m.BrierScore);
        ReportJson.Number(writer, "brier_score_stderr", m.BrierScoreStandardError);
        ReportJson.Number(writer, "gold_probability", m.GoldProbability);
        ReportJson.Number(writer, "gold_probability_stderr", m.GoldProbabilityStandardError);
        ReportJson.Number(writer, "share_of_errors", m.ShareOfErrors);
        if (lists)
        {
            Outcomes(writer, "worst_questions", m.WorstQuestions);
            Outcomes(writer, "possible_label_errors", m.PossibleLabelErrors);
        }

        writer.WriteEndObject();
    }

    private static void Outcomes(Utf8JsonWriter writer, string name, IReadOnlyList<MultipleChoiceOutcome> outcomes)
    {
        writer.WriteStartArray(name);
        foreach (MultipleChoiceOutcome o in outcomes)
        {
            writer.WriteStartObject();
            writer.WriteNumber("doc_id", o.QuestionId);
            writer.WriteNumber("choices", o.Choices);
            writer.WriteNumber("gold", o.Gold);
            writer.WriteNumber("prediction", o.Prediction);
            ReportJson.Number(writer, "gold_probability", o.GoldProbability);
            ReportJson.Number(writer, "prediction_probability", o.PredictionProbability);
            ReportJson.Number(writer, "gold_loglikelihood", o.GoldLogLikelihood);
            ReportJson.Number(writer, "brier_score", o.BrierScore);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void Documents(Utf8JsonWriter writer, DocumentMetrics d)
    {
        writer.WriteStartObject();
        writer.WriteString("task", d.Task);
        writer.WriteString("output_type", d.OutputType);
        writer.WriteNumber("documents", d.Documents);
        ReportJson.Number(writer, "mean_loglikelihood", d.MeanLogLikelihood);
        ReportJson.Number(writer, "mean_loglikelihood_stderr", d.MeanLogLikelihoodStandardError);
        ReportJson.Number(writer, "perplexity", d.Perplexity);
        ReportJson.Number(writer, "word_perplexity", d.WordPerplexity);
        ReportJson.Number(writer, "byte_perplexity", d.BytePerplexity);
        ReportJson.Number(writer, "bits_per_byte", d.BitsPerByte);
        ReportJson.Number(writer, "acc", d.Accuracy);
        ReportJson.Number(writer, "acc_stderr", d.AccuracyStandardError);
        ReportJson.Number(writer, "share_of_nll", d.ShareOfNegativeLogLikelihood);
        writer.WriteStartArray("worst_documents");
        foreach (DocumentOutcome o in d.WorstDocuments)
        {
            writer.WriteStartObject();
            writer.WriteNumber("doc_id", o.DocumentId);
            ReportJson.Number(writer, "loglikelihood", o.LogLikelihood);
            writer.WriteNumber("bytes", o.Bytes);
            if (o.IsGreedy is bool greedy)
            {
                writer.WriteBoolean("is_greedy", greedy);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
