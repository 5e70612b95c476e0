namespace LossEngine.Scoring;

/// <summary>
/// Splits rows into contiguous blocks and runs them on up to the requested number of threads, one block on the calling
/// thread. Each row's result depends only on that row, and reductions happen afterwards in row order, so the output does
/// not depend on the thread count or the block size.
/// </summary>
/// <remarks>Dump scoring streams batches through <see cref="Pipeline.BatchPipeline{TBatch}"/> instead; its remarks say
/// why the two are kept apart.</remarks>
internal static class RowBlockScheduler
{
    /// <summary>Below this many logits a call runs inline: starting threads would cost more than it saves.</summary>
    private const long InlineElementThreshold = 1L << 20;

    public static void Run<TAction>(TAction action, int rows, int rowLength, ScoringOptions options)
        where TAction : struct, IRowBlockAction
    {
        int threads = options.MaxDegreeOfParallelism > 0 ? options.MaxDegreeOfParallelism : Environment.ProcessorCount;
        int rowsPerBlock = options.RowsPerBlock;
        if (rowsPerBlock == 0)
        {
            if (threads == 1 || rows < 2 || ((long)rows * rowLength) < InlineElementThreshold)
            {
                action.Invoke(0, rows);
                return;
            }

            rowsPerBlock = (rows + threads - 1) / threads;
        }

        int blocks = (int)(((long)rows + rowsPerBlock - 1) / rowsPerBlock);
        if (blocks <= 1 || threads == 1)
        {
            action.Invoke(0, rows);
            return;
        }

        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = threads }, block =>
        {
            int start = block * rowsPerBlock;
            action.Invoke(start, Math.Min(rows, start + rowsPerBlock));
        });
    }
}
