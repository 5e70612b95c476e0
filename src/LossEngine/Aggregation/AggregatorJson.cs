using System.Text.Json;
using System.Text.Json.Serialization;

namespace LossEngine.Aggregation;

/// <summary>The serialised state of a <see cref="LossAggregator"/>: version 1.</summary>
internal sealed class AggregatorStateDocument
{
    public int Version { get; set; } = AggregatorJson.CurrentVersion;

    public OptionsDocument Options { get; set; } = new();

    public long NextPosition { get; set; }

    public long? LastExampleId { get; set; }

    /// <summary>The largest example id seen (after merges), which <see cref="LossAggregator.Append"/> moves the next
    /// shard's ids past.</summary>
    public long? MaxExampleId { get; set; }

    public List<TaskState> Tasks { get; set; } = [];

    public List<ExampleState> OpenExamples { get; set; } = [];
}

/// <summary>The options as stored with a state.</summary>
internal sealed class OptionsDocument
{
    public List<string> TaskNames { get; set; } = [];

    public List<double>? TaskWeights { get; set; }

    public int TopK { get; set; }

    public int WorstExamples { get; set; }

    public double LabelErrorConfidence { get; set; }

    public int LabelErrorMinimumRank { get; set; }

    public bool ExamplesUnordered { get; set; }

    public long FirstPosition { get; set; }

    public static OptionsDocument From(AggregatorOptions options) => new()
    {
        TaskNames = [.. options.TaskNames],
        TaskWeights = options.TaskWeights is null ? null : [.. options.TaskWeights],
        TopK = options.TopK,
        WorstExamples = options.WorstExamples,
        LabelErrorConfidence = options.LabelErrorConfidence,
        LabelErrorMinimumRank = options.LabelErrorMinimumRank,
        ExamplesUnordered = options.ExamplesUnordered,
        FirstPosition = options.FirstPosition,
    };

    public AggregatorOptions ToOptions() => new()
    {
        TaskNames = TaskNames,
        TaskWeights = TaskWeights,
        TopK = TopK,
        WorstExamples = WorstExamples,
        LabelErrorConfidence = LabelErrorConfidence,
        LabelErrorMinimumRank = LabelErrorMinimumRank,
        ExamplesUnordered = ExamplesUnordered,
        FirstPosition = FirstPosition,
    };
}

/// <summary>Writes an exact sum as its canonical limbs (the nonzero range and its offset) and special-value counts.</summary>
internal sealed class ExactSumJsonConverter : JsonConverter<ExactSum>
{
    public override ExactSum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("An exact sum must be a JSON object.");
        }

        int offset = 0;
        long positive = 0, negative = 0, nans = 0;
        List<long> limbs = [];
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            string name = reader.GetString() ?? string.Empty;
            reader.Read();
            switch (name)
            {
                case "offset": offset = reader.GetInt32(); break;
                case "positive_infinities": positive = reader.GetInt64(); break;
                case "negative_infinities": negative = reader.GetInt64(); break;
                case "nans": nans = reader.GetInt64(); break;
                case "limbs":
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        limbs.Add(reader.GetInt64());
                    }

                    break;
                default: throw new JsonException($"Unknown exact-sum field '{name}'.");
            }
        }

        long[] full = new ExactSum().ToLimbs();
        if (offset < 0 || offset + limbs.Count > full.Length)
        {
            throw new JsonException($"Exact-sum limbs at offset {offset} (count {limbs.Count}) exceed {full.Length}.");
        }

        limbs.CopyTo(full, offset);
        return ExactSum.FromState(full, positive, negative, nans);
    }

    public override void Write(Utf8JsonWriter writer, ExactSum value, JsonSerializerOptions options)
    {
        long[] limbs = value.ToLimbs();
        int first = Array.FindIndex(limbs, l => l != 0);
        int last = Array.FindLastIndex(limbs, l => l != 0);
        writer.WriteStartObject();
        writer.WriteNumber("offset", first < 0 ? 0 : first);
        writer.WriteStartArray("limbs");
        for (int i = Math.Max(first, 0); first >= 0 && i <= last; i++)
        {
            writer.WriteNumberValue(limbs[i]);
        }

        writer.WriteEndArray();
        if (value.PositiveInfinities != 0)
        {
            writer.WriteNumber("positive_infinities", value.PositiveInfinities);
        }

        if (value.NegativeInfinities != 0)
        {
            writer.WriteNumber("negative_infinities", value.NegativeInfinities);
        }

        if (value.NaNs != 0)
        {
            writer.WriteNumber("nans", value.NaNs);
        }

        writer.WriteEndObject();
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    Converters = [typeof(ExactSumJsonConverter)])]
[JsonSerializable(typeof(AggregatorStateDocument))]
internal sealed partial class AggregatorJsonContext : JsonSerializerContext;

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
