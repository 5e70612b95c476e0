using LossEngine.Formats;

namespace LossEngine.Pipeline;

/// <summary>The per-row checks that scoring and comparison share: the target against the vocabulary and the ignore
/// index, the task id against the task names. They run while the rows' metadata is gathered, before the kernels.</summary>
internal static class RowChecks
{
    /// <summary>The row's target, which must be in [0, V) or the ignore index.</summary>
    /// <exception cref="DumpFormatException">It is neither, naming the file, tensor, row and value.</exception>
    public static long CheckedTarget(this EvalDump dump, long row, long ignoreIndex)
    {
        long target = dump.Target(row);
        if (target != ignoreIndex && (ulong)target >= (ulong)dump.Vocabulary)
        {
            throw new DumpFormatException($"{dump.File}: tensor '{dump.TargetTensor}', {dump.DescribeRow(row)}: target {target} is outside the vocabulary [0, {dump.Vocabulary}) and not the ignore index {ignoreIndex}.");
        }

        return target;
    }

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

    /// <summary>Rows per batch for about <paramref name="batchBytes"/> of logits.</summary>
    public static int BatchRows(EvalDump dump, long batchBytes) =>
        (int)Math.Clamp(batchBytes / ((long)dump.Vocabulary * TensorDataTypes.SizeOf(dump.LogitType)), 1, 1 << 16);
}
