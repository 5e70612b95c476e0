using System.Text.Json;
using LossEngine.Formats;

namespace LossEngine.Pipeline;

/// <summary>Where a run's task names come from when the caller gives none, and how a task-names file is read.</summary>
public static class DumpTaskNames
{
    /// <summary>The first dump's metadata names ("task_names"); else, when the dumps have task ids, "task 0" … "task M"
    /// for the largest id M; else the single task "all".</summary>
    /// <exception cref="DumpFormatException">A task id is negative, naming the file and row.</exception>
    public static IReadOnlyList<string> Resolve(IReadOnlyList<EvalDump> dumps)
    {
        ArgumentNullException.ThrowIfNull(dumps);
        foreach (EvalDump dump in dumps)
        {
            if (dump.TaskNames is { Count: > 0 } names)
            {
                return names;
            }
        }

        long maxId = -1;
        foreach (EvalDump dump in dumps.Where(d => d.HasTaskIds))
        {
            for (long row = 0; row < dump.Rows; row++)
            {
                long id = dump.TaskId(row);
                if (id < 0)
                {
                    throw new DumpFormatException($"{dump.File}: tensor 'task_ids', {dump.DescribeRow(row)}: task id {id} is negative.");
                }

                maxId = Math.Max(maxId, id);
            }
        }

        return maxId < 0 ? ["all"] : [.. Enumerable.Range(0, checked((int)maxId + 1)).Select(i => $"task {i}")];
    }

    /// <summary>Reads task names from a file: a JSON array of strings, or one name per line (blank lines skipped).</summary>
    /// <exception cref="DumpFormatException">The file is missing, or starts like JSON but is not an array of strings.</exception>
    public static IReadOnlyList<string> ReadFile(string path)
    {
        string text = File.Exists(path) ? File.ReadAllText(path) : throw new DumpFormatException($"{path}: no such file.");
        if (text.TrimStart().StartsWith('['))
        {
            try
            {
                return JsonSerializer.Deserialize(text, FormatsJsonContext.Default.StringArray) ?? [];
            }
            catch (JsonException error)
            {
                throw new DumpFormatException($"{path}: not a JSON array of strings: {error.Message}", error);
            }
        }

        return [.. text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)];
    }
}
