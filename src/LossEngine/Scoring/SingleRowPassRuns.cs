namespace LossEngine.Scoring;

/// <summary>
/// Which pass the single-row calls (<see cref="Logits.Statistics{T}(ReadOnlySpan{T}, int)"/>, cross-entropy,
/// log-sum-exp, softmax and the comparison of two rows) start with, per thread: after a call on this thread needed the
/// clamped retry, the next <see cref="ClampedPassRun.RowsAfterRetry"/> calls start clamped, as a batch's rows do. The
/// row calls share one run (a masked row is masked whichever of them reads it); comparisons keep their own.
/// </summary>
/// <remarks>A caller that scores a masked matrix one row at a time would otherwise read every row twice: once in the
/// unclamped pass, which a −∞ fails at the end, and once clamped. Both passes give the same bits, so the results do not
/// depend on the calls before them on the thread (tested); only the time does.</remarks>
internal static class SingleRowPassRuns
{
    [ThreadStatic]
    private static ClampedPassRun t_rows;

    [ThreadStatic]
    private static ClampedPassRun t_pairs;

    /// <summary>Whether the next row-kernel call on this thread starts clamped; a clamped start uses up one call of the
    /// run.</summary>
    public static bool NextRowStartsClamped() => t_rows.NextRowStartsClamped();

    /// <summary>Notes whether the row-kernel call just made needed the clamped retry.</summary>
    public static void RecordRow(bool neededClampedRetry) => t_rows.Record(neededClampedRetry);

    /// <summary>Whether the next comparison call on this thread starts clamped.</summary>
    public static bool NextPairStartsClamped() => t_pairs.NextRowStartsClamped();

    /// <summary>Notes whether the comparison call just made needed the clamped retry.</summary>
    public static void RecordPair(bool neededClampedRetry) => t_pairs.Record(neededClampedRetry);
}
