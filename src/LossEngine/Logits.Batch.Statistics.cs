using System.Runtime.CompilerServices;
using CommunityToolkit.HighPerformance;
using LossEngine.Scoring;

namespace LossEngine;

public static partial class Logits
{
    private static readonly ScoringOptions DefaultScoringOptions = new();

    /// <summary>Per-token statistics for every row of a [rows, V] matrix, each row in one read, on all cores.</summary>
    /// <param name="logits">The logits, one row per token; rows may have a pitch.</param>
    /// <param name="targets">One target id per row, in [0, V) or equal to <see cref="ScoringOptions.IgnoreIndex"/>.</param>
    /// <param name="statistics">Receives one <see cref="TokenStatistics"/> per row. Ignored rows get
    /// <see cref="TokenStatistics.Ignored"/> (Loss 0, ArgMax and TargetRank −1, the rest NaN) and are not read.</param>
    /// <param name="options">Ignore index, temperature (the statistics are those of x/T) and threads.</param>
    /// <exception cref="ArgumentException">Target count or destination length does not match, or the rows are empty.
    /// Nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is outside [0, V) and not the ignore index (the message
    /// names the row and the value). Nothing is written.</exception>
    public static void Statistics<T>(ReadOnlySpan2D<T> logits, ReadOnlySpan<int> targets, Span<TokenStatistics> statistics, ScoringOptions? options = null)
        where T : unmanaged => StatisticsBatch(logits, targets, statistics, options);

    /// <inheritdoc cref="Statistics{T}(ReadOnlySpan2D{T}, ReadOnlySpan{int}, Span{TokenStatistics}, ScoringOptions?)"/>
    public static void Statistics<T>(ReadOnlySpan2D<T> logits, ReadOnlySpan<long> targets, Span<TokenStatistics> statistics, ScoringOptions? options = null)
        where T : unmanaged => StatisticsBatch(logits, targets, statistics, options);

    private static unsafe void StatisticsBatch<T, TIndex>(ReadOnlySpan2D<T> logits, ReadOnlySpan<TIndex> targets, Span<TokenStatistics> statistics, ScoringOptions? options)
        where T : unmanaged
        where TIndex : unmanaged
    {
        options ??= DefaultScoringOptions;
        (int rows, int width, _) = BatchValidation.Check<T, TIndex>(logits.Height, logits.Width, targets, statistics.Length, true, options, nameof(logits), nameof(statistics));
        if (rows == 0)
        {
            return;
        }

        fixed (T* origin = &Unsafe.AsRef(in logits.DangerousGetReference()))
        fixed (TIndex* targetIds = targets)
        fixed (TokenStatistics* output = statistics)
        {
            var matrix = new LogitRows<T>(origin, rows, width, LogitRows<T>.StrideOf(logits));
            RowBlockScheduler.Run(new StatisticsRows<T, TIndex>(matrix, targetIds, output, options), rows, width, options);
        }
    }
}
