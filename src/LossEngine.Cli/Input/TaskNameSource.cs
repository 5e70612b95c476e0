using System.Text.Json;
using LossEngine.Cli.Reports;
using LossEngine.Formats;

namespace LossEngine.Cli.Input;

/// <summary>Decides the task names: --task-names FILE, else the dump's metadata, else "task N" for each id seen.</summary>
internal static class TaskNameSource
{
    public static IReadOnlyList<string> Resolve(string? taskNamesFile, IReadOnlyList<EvalDump> dumps)
    {
        if (taskNamesFile is not null)
        {
            string text = File.Exists(taskNamesFile) ? File.ReadAllText(taskNamesFile) : throw new DumpFormatException($"{taskNamesFile}: no such file.");
            if (text.TrimStart().StartsWith('['))
            {
                try
                {
                    return JsonSerializer.Deserialize(text, CliJsonContext.Default.StringArray) ?? [];
                }
                catch (JsonException error)
                {
                    throw new DumpFormatException($"{taskNamesFile}: not a JSON array of strings: {error.Message}", error);
                }
            }

            return [.. text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)];
        }

        foreach (EvalDump dump in dumps)
        {
            if (dump.TaskNames is { Count: > 0 } names)
            {
                return names;
            }
        }

        long maxId = 0;
        foreach (EvalDump dump in dumps.Where(d => d.HasTaskIds))
        {
            for (long row = 0; row < dump.Rows; row++)
            {
                maxId = Math.Max(maxId, dump.TaskId(row));
            }
        }

        return dumps.Any(d => d.HasTaskIds) ? [.. Enumerable.Range(0, (int)maxId + 1).Select(i => $"task {i}")] : ["all"];
    }
}
