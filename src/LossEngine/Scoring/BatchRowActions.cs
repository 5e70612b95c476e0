using LossEngine.Kernels;

namespace LossEngine.Scoring;

/// <summary>Reads target ids from pinned int or long storage.</summary>
internal static unsafe class TargetPointer
{
    public static long At<TIndex>(TIndex* targets, int row)
        where TIndex : unmanaged =>
        typeof(TIndex) == typeof(int) ? ((int*)targets)[row] : ((long*)targets)[row];
}

/// <summary>
/// Which pass the row statistics and comparison kernels start each row of a block with. Where the kernel has an
/// unclamped first try (statistics at AVX-512 and at AVX2 with FMA, comparison at AVX2 with FMA), a row with a masked
/// logit fails it and is read again clamped. Masked rows tend to come in runs (a padded
/// vocabulary masks every row), so after a row needed that retry the next <see cref="RowsAfterRetry"/> rows of the block
/// start clamped. Both passes give the same bits, so the choice shows only in the time: results still do not depend on
/// how the rows are split into blocks.
/// </summary>
internal struct ClampedPassRun
{
    /// <summary>A run of masked rows then costs one extra read per this many rows, and a lone masked row costs the
    /// clamp's ~10 % on this many ordinary rows.</summary>
    public const int RowsAfterRetry = 64;

    private int _clampedRowsLeft;

    /// <summary>Whether the next row starts with the clamped pass; a clamped start uses up one row of the run.</summary>
    public bool NextRowStartsClamped()
    {
        if (_clampedRowsLeft == 0)
        {
            return false;
        }

        _clampedRowsLeft--;
        return true;
    }

    /// <summary>Starts a new run when the row just read needed the clamped retry.</summary>
    public void Record(bool neededClampedRetry)
    {
        if (neededClampedRetry)
        {
            _clampedRowsLeft = RowsAfterRetry;
        }
    }
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
        var passes = default(ClampedPassRun);
        for (int row = startRow; row < endRow; row++)
        {
            long target = TargetPointer.At(targets, row);
            if (target == _ignoreIndex)
            {
                losses[row] = 0f;
                continue;
            }

            losses[row] = RowKernels.CrossEntropy(logits.Row(row), (int)target, _scale, _labelSmoothing, _zLoss, passes.NextRowStartsClamped(), out bool retried);
            passes.Record(retried);
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
        var passes = default(ClampedPassRun);
        for (int row = startRow; row < endRow; row++)
        {
            long target = TargetPointer.At(targets, row);
            if (target == _ignoreIndex)
            {
                statistics[row] = TokenStatistics.Ignored;
                continue;
            }

            statistics[row] = RowKernels.Statistics(logits.Row(row), (int)target, _scale, passes.NextRowStartsClamped(), out bool retried);
            passes.Record(retried);
        }
    }
}

/// <summary>Per-row model comparison; ignored rows keep their KL and argmaxes, with NaN losses. Its passes run as the
/// statistics rows' do (<see cref="ClampedPassRun"/>).</summary>
internal readonly unsafe struct ComparisonRows<T, TIndex>(LogitRows<T> reference, LogitRows<T> candidate, TIndex* targets, ComparisonStatistics* results, ScoringOptions options) : IRowBlockAction
    where T : unmanaged
    where TIndex : unmanaged
{
    private readonly long _ignoreIndex = options.IgnoreIndex;
    private readonly float _scale = 1f / options.Temperature;

    public void Invoke(int startRow, int endRow)
    {
        var passes = default(ClampedPassRun);
        for (int row = startRow; row < endRow; row++)
        {
            long target = TargetPointer.At(targets, row);
            results[row] = RowKernels.Compare(reference.Row(row), candidate.Row(row), target == _ignoreIndex ? -1 : target, _scale, passes.NextRowStartsClamped(), out bool retried);
            passes.Record(retried);
        }
    }
}
