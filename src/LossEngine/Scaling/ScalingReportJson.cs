using System.Text.Json;

namespace LossEngine.Scaling;

/// <summary>
/// The JSON of a <see cref="ScalingReport"/> (schema "lossengine.scaling/1"): <c>{ schema, x, bootstrap, seed,
/// confidence, extrapolate_to, series[], mirage[], decomposition[] }</c>. Each series is <c>{ task, metric, direction
/// ("lower"|"higher"), x, chance, points[{model, x, y, stderr, n}], class, scores{rank_correlation,
/// largest_step_share, largest_step, total_change_z, largest_pair_z, pair_threshold, reason}, fit{form ("power_law"|
/// "logistic"), parameters{…}, ci{name: [low, high]}, r2, huber_delta, resamples} | null, fit_note, extrapolation{x, y,
/// ci} | null }</c>. Mirage entries are <c>{ task, discontinuous{metric, class}, continuous{metric, class}, flagged,
/// note, points[{model, x, observed, predicted}] }</c>. Decomposition entries are <c>{ kind: "model", metric, model, x,
/// total, tasks[{task, value, share}] }</c>, then <c>{ kind: "step" | "span", metric, from, to, improvement,
/// tasks[{task, value, share}] }</c>. Non-finite numbers are the strings "NaN", "Infinity", "-Infinity".
/// </summary>
public static class ScalingReportJson
{
    /// <summary>The schema name written in every scaling report.</summary>
    public const string Schema = "lossengine.scaling/1";

    /// <summary>Writes <paramref name="report"/> as indented JSON.</summary>
    public static string Write(ScalingReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return JsonOutput.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("schema", Schema);
            writer.WriteString("x", ScalingNames.Of(report.Axis));
            writer.WriteNumber("bootstrap", report.Options.Fit.Bootstrap);
            writer.WriteNumber("seed", report.Options.Fit.Seed);
            JsonOutput.Number(writer, "confidence", report.Options.Fit.Confidence);
            if (report.Options.ExtrapolateTo is double target)
            {
                JsonOutput.Number(writer, "extrapolate_to", target);
            }
            else
            {
                writer.WriteNull("extrapolate_to");
            }

            writer.WriteStartArray("series");
            foreach (SeriesAnalysis analysis in report.Series)
            {
                WriteSeries(writer, analysis);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("mirage");
            foreach (MirageComparison comparison in report.Mirage)
            {
                WriteMirage(writer, comparison);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("decomposition");
            if (report.Decomposition is ScaleDecomposition decomposition)
            {
                WriteDecomposition(writer, decomposition);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    private static void WriteSeries(Utf8JsonWriter writer, SeriesAnalysis analysis)
    {
        ScalingSeries series = analysis.Series;
        SeriesClassification c = analysis.Classification;
        writer.WriteStartObject();
        writer.WriteString("task", series.Task);
        writer.WriteString("metric", series.Metric);
        writer.WriteString("direction", ScalingNames.Of(series.Direction));
        writer.WriteString("x", ScalingNames.Of(series.Axis));
        if (series.ChanceLevel is double chance)
        {
            JsonOutput.Number(writer, "chance", chance);
        }
        else
        {
            writer.WriteNull("chance");
        }

        writer.WriteStartArray("points");
        foreach (ScalingPoint p in series.Points)
        {
            writer.WriteStartObject();
            writer.WriteString("model", p.Model);
            JsonOutput.Number(writer, "x", p.X);
            JsonOutput.Number(writer, "y", p.Y);
            JsonOutput.Number(writer, "stderr", p.StandardError);
            writer.WriteNumber("n", p.Count);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteString("class", ScalingNames.Of(c.Class));
        writer.WriteStartObject("scores");
        JsonOutput.Number(writer, "rank_correlation", c.RankCorrelation);
        JsonOutput.Number(writer, "largest_step_share", c.LargestStepShare);
        writer.WriteNumber("largest_step", c.LargestStep);
        JsonOutput.Number(writer, "total_change_z", c.TotalChangeZ);
        JsonOutput.Number(writer, "largest_pair_z", c.LargestPairZ);
        JsonOutput.Number(writer, "pair_threshold", c.PairThreshold);
        writer.WriteString("reason", c.Reason);
        writer.WriteEndObject();
        if (analysis.Fit is CurveFit fit)
        {
            writer.WriteStartObject("fit");
            writer.WriteString("form", fit.Form);
            JsonOutput.Parameters(writer, fit.Parameters);
            JsonOutput.Number(writer, "r2", fit.RSquared);
            JsonOutput.Number(writer, "huber_delta", fit.HuberDelta);
            writer.WriteNumber("resamples", fit.Resamples);
            if (fit is LogisticFit logistic)
            {
                writer.WriteBoolean("midpoint_within_data", logistic.MidpointWithinData);
            }

            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("fit");
        }

        if (analysis.FitNote is string note)
        {
            writer.WriteString("fit_note", note);
        }
        else
        {
            writer.WriteNull("fit_note");
        }

        if (analysis.Extrapolation is Extrapolation e)
        {
            writer.WriteStartObject("extrapolation");
            JsonOutput.Number(writer, "x", e.X);
            JsonOutput.Number(writer, "y", e.Y);
            JsonOutput.Interval(writer, "ci", e.Interval);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("extrapolation");
        }

        writer.WriteEndObject();
    }

    private static void WriteMirage(Utf8JsonWriter writer, MirageComparison comparison)
    {
        writer.WriteStartObject();
        writer.WriteString("task", comparison.Task);
        writer.WriteStartObject("discontinuous");
        writer.WriteString("metric", comparison.DiscontinuousMetric);
        writer.WriteString("class", ScalingNames.Of(comparison.DiscontinuousClass));
        writer.WriteEndObject();
        writer.WriteStartObject("continuous");
        writer.WriteString("metric", comparison.ContinuousMetric);
        writer.WriteString("class", ScalingNames.Of(comparison.ContinuousClass));
        writer.WriteEndObject();
        writer.WriteBoolean("flagged", comparison.Flagged);
        writer.WriteString("note", comparison.Note);
        writer.WriteStartArray("points");
        foreach (MirageRow row in comparison.Rows)
        {
            writer.WriteStartObject();
            writer.WriteString("model", row.Model);
            JsonOutput.Number(writer, "x", row.X);
            JsonOutput.Number(writer, "observed", row.Observed);
            JsonOutput.Number(writer, "predicted", row.Predicted);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteDecomposition(Utf8JsonWriter writer, ScaleDecomposition decomposition)
    {
        foreach (ModelDecomposition model in decomposition.Models)
        {
            writer.WriteStartObject();
            writer.WriteString("kind", "model");
            writer.WriteString("metric", decomposition.Metric);
            writer.WriteString("model", model.Model);
            JsonOutput.Number(writer, "x", model.X);
            JsonOutput.Number(writer, "total", model.Total);
            WriteShares(writer, model.Tasks);
            writer.WriteEndObject();
        }

        foreach (StepDecomposition step in decomposition.Steps)
        {
            writer.WriteStartObject();
            writer.WriteString("kind", step.SpansAll ? "span" : "step");
            writer.WriteString("metric", decomposition.Metric);
            writer.WriteString("from", step.From);
            writer.WriteString("to", step.To);
            JsonOutput.Number(writer, "improvement", step.Improvement);
            WriteShares(writer, step.Tasks);
            writer.WriteEndObject();
        }
    }

    private static void WriteShares(Utf8JsonWriter writer, IReadOnlyList<TaskShare> shares)
    {
        writer.WriteStartArray("tasks");
        foreach (TaskShare share in shares)
        {
            writer.WriteStartObject();
            writer.WriteString("task", share.Task);
            JsonOutput.Number(writer, "value", share.Value);
            JsonOutput.Number(writer, "share", share.Share);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
