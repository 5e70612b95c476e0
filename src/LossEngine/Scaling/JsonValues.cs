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

    /// <summary>Checks that every property name and string in <paramref name="element"/> is valid Unicode, and that
    /// every number fits a double. JSON may escape a lone surrogate (<c>"\ud800"</c>), which System.Text.Json parses
    /// but refuses to turn into a string, with an InvalidOperationException, when a reader later asks for it; and it
    /// may hold a number such as <c>1e400</c>, which reads as infinity. Checking once here names the field instead.</summary>
    /// <exception cref="ScalingInputException">A name or string holds a lone surrogate, or a number is out of range;
    /// the message names its path.</exception>
    public static void CheckValues(JsonElement element, string path, string where = "")
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    _ = element.GetString();
                    break;
                case JsonValueKind.Number when !double.IsFinite(element.GetDouble()):
                    throw new ScalingInputException(path, where, $"the number {element.GetRawText()} is out of the range of a double (about ±1.8e308).");
                case JsonValueKind.Array:
                    int index = 0;
                    foreach (JsonElement item in element.EnumerateArray())
                    {
                        CheckValues(item, path, $"{where}[{index++}]");
                    }

                    break;
                case JsonValueKind.Object:
                    foreach (JsonProperty property in element.EnumerateObject())
                    {
                        CheckValues(property.Value, path, where.Length == 0 ? property.Name : $"{where}.{property.Name}");
                    }

                    break;
            }
        }
        catch (InvalidOperationException error)
        {
            throw new ScalingInputException(path, where, "a name or string is not valid Unicode (a lone surrogate such as \\ud800).", error);
        }
    }
}
