using System.Text.Json;
using System.Text.Json.Serialization;

namespace LossEngine.Aggregation;

/// <summary>Serialisation of aggregator states, AOT-friendly through source generation.</summary>
internal static class AggregatorJson
{
    public const int CurrentVersion = 1;

    public const string Schema = "lossengine.score-state/1";

    public static string Serialize(AggregatorStateDocument state) =>
        JsonSerializer.Serialize(state, AggregatorJsonContext.Default.AggregatorStateDocument);

    public static AggregatorStateDocument Deserialize(string json)
    {
        AggregatorStateDocument? state;
        try
        {
            state = JsonSerializer.Deserialize(json, AggregatorJsonContext.Default.AggregatorStateDocument);
        }
        catch (JsonException error)
        {
            throw new FormatException($"Not a LossEngine aggregator state: {error.Message}", error);
        }

        if (state is null)
        {
            throw new FormatException("Not a LossEngine aggregator state: the JSON is null.");
        }

        if (state.Schema is not null && state.Schema != Schema)
        {
            throw new FormatException($"The state's schema is '{state.Schema}', not '{Schema}'.");
        }

        if (state.Version != CurrentVersion)
        {
            throw new FormatException(state.Version == 0
                ? "The aggregator state has no \"version\"; this build reads version 1."
                : $"Unsupported aggregator state version {state.Version}; this build reads version {CurrentVersion}.");
        }

        if (state.Options is null || state.Tasks is null || state.OpenExamples is null || state.Options.TaskNames is null)
        {
            throw new FormatException("The aggregator state lacks its options, task names, tasks or open examples.");
        }

        return state;
    }
}
