using System.Text.Json;
using LossEngine.Aggregation;
using LossEngine.Formats;

namespace LossEngine.Pipeline;

/// <summary>Where a run's task names come from when the caller gives none, and how a task-names file is read.</summary>
public static class DumpTaskNames
{
    /// <summary>The first dump's metadata names ("task_names"); else, when the dumps have task ids, "task 0" … "task M"
    /// for the largest id M; else the single task "all".</summary>
    /// <param name="dumps">The dumps of one run.</param>
    /// <param name="maxTasks">The most tasks to make up names for: a stray id such as 10^8 must be an error, not a
    /// hundred million tasks.</param>
    /// <exception cref="DumpFormatException">A task id is negative, or past <paramref name="maxTasks"/> with no names
    /// given, naming the file and row.</exception>
    public static IReadOnlyList<string> Resolve(IReadOnlyList<EvalDump> dumps, int maxTasks = AggregatorOptions.DefaultMaxTasks)
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

                if (id >= maxTasks)
                {
                    throw new DumpFormatException($"{dump.File}: tensor 'task_ids', {dump.DescribeRow(row)}: task id {id} has no name, and ids without names are limited to {maxTasks} tasks; give the task names, or raise the task limit.");
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
                string[] names = JsonSerializer.Deserialize(text, FormatsJsonContext.Default.StringArray) ?? [];
                int missing = Array.IndexOf(names, null);
                return missing < 0 ? names : throw new DumpFormatException($"{path}: task name {missing} is null; every task needs a name.");
            }
            catch (JsonException error)
            {
                throw new DumpFormatException($"{path}: not a JSON array of strings: {error.Message}", error);
            }
        }

        return [.. text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)];
    }
}
