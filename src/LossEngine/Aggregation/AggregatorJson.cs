using System.Text.Json;
using System.Text.Json.Serialization;

namespace LossEngine.Aggregation;

/// <summary>Serialisation of aggregator states, AOT-friendly through source generation.</summary>
internal static class AggregatorJson
{
    public const int CurrentVersion = 1;

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

        if (state is null || state.Version != CurrentVersion)
        {
            throw new FormatException($"Unsupported aggregator state version {state?.Version}; this build reads version {CurrentVersion}.");
        }

        return state;
    }
}
