using LossEngine.Kernels;

namespace LossEngine.Scoring;

/// <summary>Reads target ids from pinned int or long storage.</summary>
internal static unsafe class TargetPointer
{
    public static long At<TIndex>(TIndex* targets, int row)
        where TIndex : unmanaged =>
        typeof(TIndex) == typeof(int) ? ((int*)targets)[row] : ((long*)targets)[row];
}

/// <summary>Per-row cross-entropy with the PyTorch options, written to a float per row.</summary>
internal readonly unsafe struct CrossEntropyRows<T, TIndex>(LogitRows<T> logits, TIndex* targets, float* losses, CrossEntropyOptions options) : IRowBlockAction
    where T : unmanaged
    where TIndex : unmanaged
{
    private readonly long _ignoreIndex = options.IgnoreIndex;
    private readonly float _scale = 1f / options.Temperature;
    private readonly float _labelSmoothing = options.LabelSmoothing;
    private readonly float _zLoss = options.ZLoss;

    public void Invoke(int startRow, int endRow)
    {
        for (int row = startRow; row < endRow; row++)
        {
            long target = TargetPointer.At(targets, row);
            losses[row] = target == _ignoreIndex
                ? 0f
                : RowKernels.CrossEntropy(logits.Row(row), (int)target, _scale, _labelSmoothing, _zLoss);
        }
    }
}

/// <summary>Per-row <see cref="TokenStatistics"/>; ignored rows get <see cref="TokenStatistics.Ignored"/>.</summary>
internal readonly unsafe struct StatisticsRows<T, TIndex>(LogitRows<T> logits, TIndex* targets, TokenStatistics* statistics, ScoringOptions options) : IRowBlockAction
    where T : unmanaged
    where TIndex : unmanaged
{
    private readonly long _ignoreIndex = options.IgnoreIndex;
    private readonly float _scale = 1f / options.Temperature;

    public void Invoke(int startRow, int endRow)
    {
        for (int row = startRow; row < endRow; row++)
        {
            long target = TargetPointer.At(targets, row);
            if (target == _ignoreIndex)
            {
                statistics[row] = TokenStatistics.Ignored;
                continue;
            }

            statistics[row] = RowKernels.Statistics(logits.Row(row), (int)target, _scale);
        }
    }
}

/// <summary>Per-row model comparison; ignored rows keep their KL and argmaxes, with NaN losses.</summary>
internal readonly unsafe struct ComparisonRows<T, TIndex>(LogitRows<T> reference, LogitRows<T> candidate, TIndex* targets, ComparisonStatistics* results, ScoringOptions options) : IRowBlockAction
    where T : unmanaged
    where TIndex : unmanaged
{
    private readonly long _ignoreIndex = options.IgnoreIndex;
    private readonly float _scale = 1f / options.Temperature;

    public void Invoke(int startRow, int endRow)
    {
        for (int row = startRow; row < endRow; row++)
        {
            long target = TargetPointer.At(targets, row);
            results[row] = RowKernels.Compare(reference.Row(row), candidate.Row(row), target == _ignoreIndex ? -1 : target, _scale);
        }
    }
}
