using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace LossEngine.Scaling;

/// <summary>Writing helpers for the scaling JSON: non-finite numbers become the strings "NaN", "Infinity" and
/// "-Infinity", as in the score report; an interval is a two-element array. Text is escaped only where JSON requires it
/// (task names and formulas stay readable; the files are data, not HTML).</summary>
internal static class JsonOutput
{
    public static string Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            body(writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A named number, written as the score report writes numbers (non-finite values as strings).</summary>
    public static void Number(Utf8JsonWriter writer, string name, double value) => Aggregation.ReportJson.Number(writer, name, value);

    /// <summary>An array element, written as <see cref="Number(Utf8JsonWriter, string, double)"/> writes values.</summary>
    public static void Number(Utf8JsonWriter writer, double value) => Aggregation.ReportJson.NumberValue(writer, value);

    public static void Interval(Utf8JsonWriter writer, string name, ConfidenceInterval interval)
    {
        writer.WriteStartArray(name);
        Number(writer, interval.Low);
        Number(writer, interval.High);
        writer.WriteEndArray();
    }

    /// <summary>"parameters": {name: value, …} and "ci": {name: [low, high], …}; the logistic's floor, fixed rather than
    /// fitted, has no interval and is left out of "ci".</summary>
    public static void Parameters(Utf8JsonWriter writer, IEnumerable<FitParameter> parameters)
    {
        FitParameter[] list = [.. parameters];
        writer.WriteStartObject("parameters");
        foreach (FitParameter p in list)
        {
            Number(writer, p.Name, p.Value);
        }

        writer.WriteEndObject();
        writer.WriteStartObject("ci");
        foreach (FitParameter p in list.Where(p => p.Name != "floor"))
        {
            Interval(writer, p.Name, p.Interval);
        }

        writer.WriteEndObject();
    }
}
