using System.Text.Json.Serialization;
using LossEngine.Aggregation;
using LossEngine.Formats;

namespace LossEngine.Cli.Reports;

/// <summary>Reads report files for <c>merge</c>.</summary>
internal static class ReportFiles
{
    public static LossAggregator ReadState(string path)
    {
        string text = File.Exists(path) ? File.ReadAllText(path) : throw new DumpFormatException($"{path}: no such file.");
        try
        {
            return ReportJson.ReadState(text);
        }
        catch (FormatException error)
        {
            throw new DumpFormatException($"{path}: {error.Message}", error);
        }
    }
}

[JsonSerializable(typeof(string[]))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
