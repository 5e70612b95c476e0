using System.Text;
using System.Text.Json;

namespace LossEngine.Aggregation;

/// <summary>
/// The stable JSON report of a model comparison (schema "lossengine.compare/1"), written by <c>lossengine compare
/// --json</c>, the C ABI and Python: <c>inputs</c> (reference and candidate files), <c>nan_tokens</c>, an
/// <c>overall</c> object, a <c>tasks</c> array, and the aggregator's mergeable <c>state</c>. <c>percentile_levels</c>
/// are the levels of <c>kld_percentiles</c>, <c>delta_p_percentile_levels</c> those of <c>delta_p_percentiles</c>. Field names are snake_case;
/// non-finite numbers are the strings "NaN", "Infinity" and "-Infinity".
/// </summary>
public static class ComparisonReportJson
{
    /// <summary>The schema name written in every comparison report.</summary>
    public const string Schema = "lossengine.compare/1";

    /// <summary>Writes the report of <paramref name="aggregator"/> with its state.</summary>
    /// <param name="aggregator">The comparison.</param>
    /// <param name="references">The reference model's files, listed under "inputs".</param>
    /// <param name="candidates">The candidate model's files.</param>
    public static string Write(ComparisonAggregator aggregator, IReadOnlyList<string> references, IReadOnlyList<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(aggregator);
        ArgumentNullException.ThrowIfNull(references);
        ArgumentNullException.ThrowIfNull(candidates);
        ComparisonReport report = aggregator.Report();
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("schema", Schema);
            writer.WriteStartObject("inputs");
            Strings(writer, "reference", references);
            Strings(writer, "candidate", candidates);
            writer.WriteEndObject();
            writer.WriteNumber("nan_tokens", report.NaNTokens);
            Numbers(writer, "percentile_levels", ComparisonAggregator.PercentileLevels);
            Numbers(writer, "delta_p_percentile_levels", ComparisonAggregator.DeltaPPercentileLevels);
            writer.WritePropertyName("overall");
            WriteSummary(writer, report.Summaries[0]);
            writer.WriteStartArray("tasks");
            foreach (ComparisonSummary summary in report.Summaries.Skip(1))
            {
                WriteSummary(writer, summary);
            }

            writer.WriteEndArray();
            writer.WritePropertyName("state");
            writer.WriteRawValue(aggregator.ToJson());
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The aggregator in a report written by <see cref="Write"/>, or in a bare state.</summary>
    /// <exception cref="FormatException">The text is neither, or its state is malformed.</exception>
    public static ComparisonAggregator ReadState(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            JsonElement root = document.RootElement;
            // ValueEquals compares without making a string, which an escaped lone surrogate ("\ud800") cannot become.
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("schema", out JsonElement schema) && schema.ValueKind == JsonValueKind.String && schema.ValueEquals(Schema))
            {
                return root.TryGetProperty("state", out JsonElement state)
                    ? ComparisonAggregator.FromJson(state.GetRawText())
                    : throw new FormatException($"A {Schema} report without a \"state\" cannot be merged.");
            }
        }
        catch (JsonException error)
        {
            throw new FormatException($"Not JSON: {error.Message}", error);
        }
        catch (InvalidOperationException error) when (error.Source?.StartsWith("System.Text.Json", StringComparison.Ordinal) == true)
        {
            // JsonDocument unescapes property names to look one up, and an escaped lone surrogate has no UTF-16 form.
            throw new FormatException($"Not readable JSON: {error.Message}", error);
        }

        return ComparisonAggregator.FromJson(json);
    }

    private static void Strings(Utf8JsonWriter writer, string name, IReadOnlyList<string> values)
    {
        writer.WriteStartArray(name);
        foreach (string value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    private static void WriteSummary(Utf8JsonWriter writer, ComparisonSummary s)
    {
        writer.WriteStartObject();
        writer.WriteString("task", s.Task);
        writer.WriteNumber("tokens", s.Tokens);
        writer.WriteBoolean("exact_percentiles", s.ExactPercentiles);
        ReportJson.Number(writer, "ppl_candidate", s.CandidatePerplexity);
        ReportJson.Number(writer, "ppl_candidate_stderr", s.CandidatePerplexityError);
        ReportJson.Number(writer, "ppl_reference", s.ReferencePerplexity);
        ReportJson.Number(writer, "ppl_reference_stderr", s.ReferencePerplexityError);
        ReportJson.Number(writer, "loss_correlation", s.Correlation);
        ReportJson.Number(writer, "mean_log_ppl_ratio", s.LogRatio);
        ReportJson.Number(writer, "mean_log_ppl_ratio_stderr", s.LogRatioError);
        ReportJson.Number(writer, "ppl_ratio", s.Ratio);
        ReportJson.Number(writer, "ppl_ratio_stderr", s.RatioError);
        ReportJson.Number(writer, "ppl_difference", s.Difference);
        ReportJson.Number(writer, "ppl_difference_stderr", s.DifferenceError);
        ReportJson.Number(writer, "mean_kld", s.MeanKl);
        ReportJson.Number(writer, "mean_kld_stderr", s.MeanKlError);
        ReportJson.Number(writer, "max_kld", s.MaxKl);
        ReportJson.Number(writer, "min_kld", s.MinKl);
        Numbers(writer, "kld_percentiles", s.KlPercentiles);
        ReportJson.Number(writer, "mean_delta_p", s.MeanDeltaP);
        ReportJson.Number(writer, "mean_delta_p_stderr", s.MeanDeltaPError);
        ReportJson.Number(writer, "max_delta_p", s.MaxDeltaP);
        ReportJson.Number(writer, "min_delta_p", s.MinDeltaP);
        Numbers(writer, "delta_p_percentiles", s.DeltaPPercentiles);
        ReportJson.Number(writer, "rms_delta_p", s.RmsDeltaP);
        ReportJson.Number(writer, "rms_delta_p_stderr", s.RmsDeltaPError);
        ReportJson.Number(writer, "same_top", s.SameTop);
        ReportJson.Number(writer, "same_top_stderr", s.SameTopError);
        writer.WriteEndObject();
    }

    private static void Numbers(Utf8JsonWriter writer, string name, IReadOnlyList<double> values)
    {
        writer.WriteStartArray(name);
        foreach (double value in values)
        {
            ReportJson.NumberValue(writer, value);
        }

        writer.WriteEndArray();
    }
}
