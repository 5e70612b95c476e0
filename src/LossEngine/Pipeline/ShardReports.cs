using LossEngine.Aggregation;
using LossEngine.Formats;

namespace LossEngine.Pipeline;

/// <summary>
/// Joins reports written for separate shards of one dataset (by <c>lossengine score --json</c>, the C ABI, Python or
/// another machine) into the aggregator that scoring all the shards' files in that order would give, exactly.
/// </summary>
public static class ShardReports
{
    /// <summary>Reads the mergeable state of each score report (schema <see cref="ReportJson.Schema"/>) and appends them
    /// in order: each shard was scored from position 0 with its own example ids, so each is placed after the previous
    /// ones (<see cref="LossAggregator.Append"/>).</summary>
    /// <exception cref="DumpFormatException">A file is missing, is not a report with a state, or cannot be joined to the
    /// previous ones (other tasks or options); the message names the file.</exception>
    /// <exception cref="ArgumentException">No path is given.</exception>
    public static LossAggregator AppendScores(IReadOnlyList<string> paths) =>
        Append(paths, ReportJson.ReadState, (merged, next) => merged.Append(next));

    /// <summary>Reads the state of each comparison report (schema <see cref="ComparisonReportJson.Schema"/>) and merges
    /// them.</summary>
    /// <inheritdoc cref="AppendScores" path="/exception"/>
    public static ComparisonAggregator AppendComparisons(IReadOnlyList<string> paths) =>
        Append(paths, ComparisonReportJson.ReadState, (merged, next) => merged.Append(next));

    /// <summary>The schema named in a report file, or null when the file is JSON without one.</summary>
    /// <exception cref="DumpFormatException">The file is missing or is not JSON.</exception>
    public static string? SchemaOf(string path)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(Read(path));
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && document.RootElement.TryGetProperty("schema", out var schema)
                && schema.ValueKind == System.Text.Json.JsonValueKind.String ? schema.GetString() : null;
        }
        catch (System.Text.Json.JsonException error)
        {
            throw new DumpFormatException($"{path}: not JSON: {error.Message}", error);
        }
        catch (InvalidOperationException error)
        {
            // System.Text.Json parses an escaped lone surrogate ("\ud800") but refuses to make a string of it.
            throw new DumpFormatException($"{path}: the schema is not valid Unicode (a lone surrogate such as \\ud800).", error);
        }
    }

    /// <summary>Whether a saved score report holds a multiple-choice table (<c>multiple_choice</c>), which
    /// <see cref="AppendScores"/> does not merge: the table keeps no mergeable state.</summary>
    /// <param name="path">A report written by <c>lossengine score --json</c>.</param>
    /// <exception cref="DumpFormatException">The file cannot be read or is not JSON.</exception>
    public static bool HasMultipleChoice(string path)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(Read(path));
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && document.RootElement.TryGetProperty("multiple_choice", out var table) && table.ValueKind == System.Text.Json.JsonValueKind.Object;
        }
        catch (System.Text.Json.JsonException error)
        {
            throw new DumpFormatException($"{path}: not JSON: {error.Message}", error);
        }
    }

    private static T Append<T>(IReadOnlyList<string> paths, Func<string, T> read, Action<T, T> append)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Count == 0)
        {
            throw new ArgumentException("No report to merge.", nameof(paths));
        }

        T? merged = null;
        foreach (string path in paths)
        {
            T shard;
            try
            {
                shard = read(Read(path));
            }
            catch (FormatException error)
            {
                throw new DumpFormatException($"{path}: {error.Message}", error);
            }

            if (merged is null)
            {
                merged = shard;
                continue;
            }

            try
            {
                append(merged, shard);
            }
            catch (ArgumentException error)
            {
                throw new DumpFormatException($"{path}: cannot be merged with {paths[0]}: {error.Message}", error);
            }
        }

        return merged!;
    }

    private static string Read(string path) => File.Exists(path) ? File.ReadAllText(path) : throw new DumpFormatException($"{path}: no such file.");
}
