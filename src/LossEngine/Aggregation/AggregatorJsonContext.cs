using System.Text.Json;
using System.Text.Json.Serialization;

namespace LossEngine.Aggregation;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    Converters = [typeof(ExactSumJsonConverter)])]
[JsonSerializable(typeof(AggregatorStateDocument))]
internal sealed partial class AggregatorJsonContext : JsonSerializerContext;
