using System.Runtime.CompilerServices;
using CommunityToolkit.HighPerformance;
using LossEngine.Kernels;
using LossEngine.Scoring;

namespace LossEngine;

public static partial class Logits
{
    /// <summary>Compares a candidate model's logits with a reference model's for one token in one fused pass over both
    /// rows: KL(p‖q), both losses and target probabilities, and whether the argmaxes agree.</summary>
    /// <param name="reference">The reference logits a (p = softmax(a)).</param>
    /// <param name="candidate">The candidate logits b (q = softmax(b)), the same length.</param>
    /// <param name="target">The target token, in [0, V).</param>
    /// <returns>See <see cref="ComparisonStatistics"/> for formulas, bounds and special values.</returns>
    /// <exception cref="ArgumentException">A row is empty or the rows differ in length.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="target"/> is outside [0, V).</exception>
    public static ComparisonStatistics Compare<T>(ReadOnlySpan<T> reference, ReadOnlySpan<T> candidate, int target)
        where T : unmanaged
    {
        ValidateRow(reference, nameof(reference));
        if (candidate.Length != reference.Length)
        {
            throw new ArgumentException($"The candidate row has {candidate.Length} logits but the reference row has {reference.Length}.", nameof(candidate));
        }

        ValidateTarget(target, reference.Length, nameof(target));
        ComparisonStatistics statistics = RowKernels.Compare(reference, candidate, target, 1f, SingleRowPassRuns.NextPairStartsClamped(), out bool retried);
        SingleRowPassRuns.RecordPair(retried);
        return statistics;
    }

    /// <summary>Compares two models' logits row by row over [rows, V] matrices, on all cores: see
    /// <see cref="Compare{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, int)"/>. Rows whose target is the ignore index still get
    /// their KL divergence and argmaxes; their losses and probabilities are NaN.</summary>
    /// <param name="reference">The reference model's logits; rows may have a pitch.</param>
    /// <param name="candidate">The candidate model's logits, the same shape.</param>
    /// <param name="targets">One target id per row, in [0, V) or the ignore index.</param>
    /// <param name="results">Receives one <see cref="ComparisonStatistics"/> per row.</param>
    /// <param name="options">Ignore index, temperature (applied to both models) and threads.</param>
    /// <exception cref="ArgumentException">Shapes, target count or destination length do not match. Nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is outside [0, V) and not the ignore index. Nothing is written.</exception>
    public static void Compare<T>(ReadOnlySpan2D<T> reference, ReadOnlySpan2D<T> candidate, ReadOnlySpan<int> targets, Span<ComparisonStatistics> results, ScoringOptions? options = null)
        where T : unmanaged => CompareBatch(reference, candidate, targets, results, options);

    /// <inheritdoc cref="Compare{T}(ReadOnlySpan2D{T}, ReadOnlySpan2D{T}, ReadOnlySpan{int}, Span{ComparisonStatistics}, ScoringOptions?)"/>
    public static void Compare<T>(ReadOnlySpan2D<T> reference, ReadOnlySpan2D<T> candidate, ReadOnlySpan<long> targets, Span<ComparisonStatistics> results, ScoringOptions? options = null)
        where T : unmanaged => CompareBatch(reference, candidate, targets, results, options);

    private static unsafe void CompareBatch<T, TIndex>(ReadOnlySpan2D<T> reference, ReadOnlySpan2D<T> candidate, ReadOnlySpan<TIndex> targets, Span<ComparisonStatistics> results, ScoringOptions? options)
        where T : unmanaged
        where TIndex : unmanaged
    {
        options ??= DefaultScoringOptions;
        if (candidate.Height != reference.Height || candidate.Width != reference.Width)
        {
            throw new ArgumentException($"The candidate logits are [{candidate.Height}, {candidate.Width}] but the reference logits are [{reference.Height}, {reference.Width}].", nameof(candidate));
        }

        (int rows, int width, _) = BatchValidation.Check<T, TIndex>(reference.Height, reference.Width, targets, results.Length, true, options, nameof(reference), nameof(results));
        if (rows == 0)
        {
            return;
        }

        fixed (T* referenceOrigin = &Unsafe.AsRef(in reference.DangerousGetReference()))
        fixed (T* candidateOrigin = &Unsafe.AsRef(in candidate.DangerousGetReference()))
        fixed (TIndex* targetIds = targets)
        fixed (ComparisonStatistics* output = results)
        {
            var referenceRows = new LogitRows<T>(referenceOrigin, rows, width, LogitRows<T>.StrideOf(reference));
            var candidateRows = new LogitRows<T>(candidateOrigin, rows, width, LogitRows<T>.StrideOf(candidate));
            RowBlockScheduler.Run(new ComparisonRows<T, TIndex>(referenceRows, candidateRows, targetIds, output, options), rows, 2 * width, options);
        }
    }
}
