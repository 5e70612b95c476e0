using LossEngine.Formats;

namespace LossEngine.Pipeline;

/// <summary>
/// One run of rows of two dumps of the same text, compared: per row the KL divergence and both models' statistics, and
/// the task id (−1 for ignored rows). Its arrays are reused from batch to batch by <see cref="BatchPipeline{TBatch}"/>.
/// </summary>
internal sealed class ComparedBatch(int capacity)
{
    public long[] Targets { get; } = new long[capacity];

    public int[] TaskIds { get; } = new int[capacity];

    public ComparisonStatistics[] Results { get; } = new ComparisonStatistics[capacity];

    /// <summary>Checks that both dumps have the same targets, in range, and that task ids are in range, then runs the
    /// fused comparison kernel on one thread.</summary>
    /// <exception cref="DumpFormatException">Targets that differ between the dumps or fall outside the vocabulary, or a
    /// task id outside the task names, naming the file and row.</exception>
    public void Compare<T>(EvalDump reference, EvalDump candidate, long firstRow, int rows, int taskCount, ScoringOptions singleThreaded)
        where T : unmanaged
    {
        reference.CheckFilesUnchanged();
        candidate.CheckFilesUnchanged();
        for (int i = 0; i < rows; i++)
        {
            long r = firstRow + i;
            Targets[i] = reference.CheckedTarget(r, singleThreaded.IgnoreIndex);
            if (candidate.Target(r) != Targets[i])
            {
                throw new DumpFormatException($"{candidate.File}: {candidate.DescribeRow(r)} has target {candidate.Target(r)} but {reference.File} has {Targets[i]}; both dumps must score the same text.");
            }

            TaskIds[i] = Targets[i] == singleThreaded.IgnoreIndex ? -1 : reference.CheckedTaskId(r, taskCount);
        }

        try
        {
            Logits.Compare(reference.LogitView<T>(firstRow, rows), candidate.LogitView<T>(firstRow, rows), Targets.AsSpan(0, rows), Results.AsSpan(0, rows), singleThreaded);
        }
        catch (ArgumentException error)
        {
            throw new DumpFormatException($"{reference.File} and {candidate.File}, rows {firstRow}–{firstRow + rows - 1}: {error.Message}", error);
        }
    }
}
