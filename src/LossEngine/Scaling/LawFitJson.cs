using System.Text.Json;

namespace LossEngine.Scaling;

/// <summary>
/// The JSON of a <see cref="LawFit"/> (schema "lossengine.fit-law/1"): <c>{ schema, form, points, dropped, huber_delta,
/// starts, bootstrap, resamples, seed, confidence, objective, r2, parameters{E, A, B, alpha, beta}, ci{name: [low,
/// high]}, compute_optimal{ parameters{G, a, b}, ci{…}, budgets[{compute, params, tokens, tokens_per_param, loss,
/// ci{params, tokens, tokens_per_param, loss}}] } }</c>. Non-finite numbers are the strings "NaN", "Infinity",
/// "-Infinity".
/// </summary>
public static class LawFitJson
{
    /// <summary>The schema name written in every fit-law report.</summary>
    public const string Schema = "lossengine.fit-law/1";

    /// <summary>Writes <paramref name="fit"/> as indented JSON.</summary>
    /// <param name="fit">The fit.</param>
    /// <param name="options">The options it was fitted with (for the seed and bootstrap count).</param>
    public static string Write(LawFit fit, LawFitOptions options)
    {
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(options);
        return JsonOutput.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("schema", Schema);
            writer.WriteString("form", "E + A/N^alpha + B/D^beta");
            writer.WriteNumber("points", fit.Points);
            writer.WriteNumber("dropped", fit.Dropped);
            JsonOutput.Number(writer, "huber_delta", fit.HuberDelta);
            writer.WriteNumber("starts", fit.Starts);
            writer.WriteNumber("bootstrap", options.Bootstrap);
            writer.WriteNumber("resamples", fit.Resamples);
            writer.WriteNumber("seed", options.Seed);
            JsonOutput.Number(writer, "confidence", fit.Confidence);
            JsonOutput.Number(writer, "objective", fit.Objective);
            JsonOutput.Number(writer, "r2", fit.RSquared);
            JsonOutput.Parameters(writer, fit.Parameters);
            ComputeOptimalAllocation optimal = fit.ComputeOptimal;
            writer.WriteStartObject("compute_optimal");
            JsonOutput.Parameters(writer, [optimal.Coefficient, optimal.ParameterExponent, optimal.TokenExponent]);
            writer.WriteStartArray("budgets");
            foreach (ComputeBudget budget in optimal.Budgets)
            {
                writer.WriteStartObject();
                JsonOutput.Number(writer, "compute", budget.Compute);
                FitParameter[] values = [budget.Parameters, budget.Tokens, budget.TokensPerParameter, budget.Loss];
                foreach (FitParameter value in values)
                {
                    JsonOutput.Number(writer, value.Name, value.Value);
                }

                writer.WriteStartObject("ci");
                foreach (FitParameter value in values)
                {
                    JsonOutput.Interval(writer, value.Name, value.Interval);
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndObject();
        });
    }
}
