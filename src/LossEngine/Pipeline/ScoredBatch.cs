using LossEngine.Formats;

namespace LossEngine.Pipeline;

/// <summary>
/// One run of rows of a dump, scored: the row metadata gathered from the dump's tensors and the kernel's statistics
/// for each row. Its arrays are reused from batch to batch by <see cref="BatchPipeline{TBatch}"/>.
/// </summary>
internal sealed class ScoredBatch(int capacity)
{
    public long[] Targets { get; } = new long[capacity];

    public int[] TaskIds { get; } = new int[capacity];

    public long[] ExampleIds { get; } = new long[capacity];

    /// <summary>Each row's target byte length, when the dump has them.</summary>
    public int[] ByteLengths { get; } = new int[capacity];

    public TokenStatistics[] Statistics { get; } = new TokenStatistics[capacity];

    /// <summary>The largest example id in the batch, before the shard's offset is added.</summary>
    public long MaxExample { get; private set; }

    /// <summary>Gathers and checks the rows' targets, task ids and example ids, then runs the statistics kernel on one
    /// thread.</summary>
    /// <exception cref="DumpFormatException">A target outside the vocabulary, a task id outside the task names, or a row
    /// the kernel rejects, naming the file and row.</exception>
    public void Score<T>(EvalDump dump, long firstRow, int rows, int taskCount, long exampleOffset, ScoringOptions singleThreaded)
        where T : unmanaged
    {
        MaxExample = -1;
        dump.CheckFilesUnchanged();
        for (int i = 0; i < rows; i++)
        {
            long r = firstRow + i;
            Targets[i] = dump.CheckedTarget(r, singleThreaded.IgnoreIndex);
            TaskIds[i] = dump.CheckedTaskId(r, taskCount);
            long example = dump.ExampleId(r);
            MaxExample = Math.Max(MaxExample, example);
            ExampleIds[i] = example + exampleOffset;
            if (dump.HasByteLengths)
            {
                long bytes = dump.ByteLength(r);
                ByteLengths[i] = bytes is >= 0 and <= int.MaxValue
                    ? (int)bytes
                    : throw new DumpFormatException($"{dump.File}: tensor 'byte_lengths', {dump.DescribeRow(r)}: byte length {bytes} is not a length.");
            }
        }

        try
        {
            Logits.Statistics(dump.LogitView<T>(firstRow, rows), Targets.AsSpan(0, rows), Statistics.AsSpan(0, rows), singleThreaded);
        }
        catch (ArgumentException error)
        {
            // The kernel names a row within the batch; say which file and rows the batch holds.
            throw new DumpFormatException($"{dump.File}, rows {firstRow}–{firstRow + rows - 1}: {error.Message}", error);
        }
    }
}
