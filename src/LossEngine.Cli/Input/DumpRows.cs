using LossEngine.Formats;

namespace LossEngine.Cli.Input;

/// <summary>Per-row reads of a dump that the commands check the same way.</summary>
internal static class DumpRows
{
    /// <summary>The row's task id, which must index the task names.</summary>
    /// <exception cref="DumpFormatException">The id is outside [0, <paramref name="taskCount"/>), naming the file and row.</exception>
    public static int CheckedTaskId(this EvalDump dump, long row, int taskCount)
    {
        long task = dump.TaskId(row);
        if (task < 0 || task >= taskCount)
        {
            throw new DumpFormatException($"{dump.File}: tensor 'task_ids', {dump.DescribeRow(row)}: task id {task} is outside the {taskCount} task names.");
        }

        return (int)task;
    }
}
