using CommunityToolkit.HighPerformance;
using LossEngine.Formats;

namespace LossEngine.Cli.Input;

/// <summary>
/// One run of rows of a dump, scored: the row metadata gathered from the dump's tensors and the kernel's statistics
/// for each row. Its arrays are reused from batch to batch; an error found while scoring is kept here and raised only
/// when the batch's turn comes, so that the first error in row order is the one reported.
/// </summary>
internal sealed class ScoredBatch(int capacity)
{
    public long FirstRow { get; private set; }

    public int Rows { get; private set; }

    public long[] Targets { get; } = new long[capacity];

    public int[] TargetIds { get; } = new int[capacity];

    public int[] TaskIds { get; } = new int[capacity];

    public long[] ExampleIds { get; } = new long[capacity];

    public TokenStatistics[] Statistics { get; } = new TokenStatistics[capacity];

    /// <summary>The largest example id in the batch, before the shard's offset is added.</summary>
    public long MaxExample { get; private set; }

    public Exception? Error { get; private set; }

    /// <summary>Gathers the rows' targets, task ids and example ids, then runs the statistics kernel on one thread.</summary>
    public unsafe void Score<T>(EvalDump dump, long firstRow, nint origin, int rows, int pitch, int taskCount, long exampleOffset, ScoringOptions singleThreaded)
        where T : unmanaged
    {
        FirstRow = firstRow;
        Rows = rows;
        MaxExample = -1;
        Error = null;
        try
        {
            for (int i = 0; i < rows; i++)
            {
                long r = firstRow + i;
                Targets[i] = dump.Target(r);
                TargetIds[i] = (int)Math.Clamp(Targets[i], int.MinValue, int.MaxValue);
                long task = dump.TaskId(r);
                if (task < 0 || task >= taskCount)
                {
                    throw new DumpFormatException($"{dump.File}: tensor 'task_ids', {dump.DescribeRow(r)}: task id {task} is outside the {taskCount} task names.");
                }

                TaskIds[i] = (int)task;
                long example = dump.ExampleId(r);
                MaxExample = Math.Max(MaxExample, example);
                ExampleIds[i] = example + exampleOffset;
            }

            var logits = new ReadOnlySpan2D<T>((void*)origin, rows, dump.Vocabulary, pitch);
            Logits.Statistics(logits, Targets.AsSpan(0, rows), Statistics.AsSpan(0, rows), singleThreaded);
        }
        catch (Exception error)
        {
            // Kept for the consuming thread to raise in row order; an exception escaping a worker would end the process.
            Error = error;
        }
    }
}
