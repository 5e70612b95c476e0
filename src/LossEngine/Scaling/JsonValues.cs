using System.Globalization;
using System.Text.Json;

namespace LossEngine.Scaling;

/// <summary>Numbers read from JSON inputs, where non-finite values are the strings "NaN", "Infinity" and "-Infinity"
/// (as LossEngine writes them) and missing ones are "N/A" (as lm-evaluation-harness writes them).</summary>
internal static class JsonValues
{
    /// <summary>The number in <paramref name="element"/>'s property <paramref name="name"/>; NaN when it is missing,
    /// null, or a string that is not a number.</summary>
    public static double Number(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) ? Number(value) : double.NaN;

    /// <summary>The element as a number; NaN for anything that is not one.</summary>
    public static double Number(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.String => double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) ? parsed : double.NaN,
        _ => double.NaN,
    };
}
