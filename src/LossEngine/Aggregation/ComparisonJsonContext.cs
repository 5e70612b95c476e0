using System.Text.Json.Serialization;

namespace LossEngine.Aggregation;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    Converters = [typeof(ExactSumJsonConverter)])]
[JsonSerializable(typeof(ComparisonStateDocument))]
internal sealed partial class ComparisonJsonContext : JsonSerializerContext;
