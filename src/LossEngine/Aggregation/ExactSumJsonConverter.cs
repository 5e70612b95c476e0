using System.Text.Json;
using System.Text.Json.Serialization;

namespace LossEngine.Aggregation;

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
        if (offset < 0 || offset > full.Length - limbs.Count) // so that a huge offset cannot wrap past the check
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
