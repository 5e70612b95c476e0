using System.Runtime.CompilerServices;
using LossEngine.Kernels.Vectors;

namespace LossEngine.Kernels;

/// <summary>
/// The single-pass row kernel: one read of the row yields max, Σ e^(x−max), and, in <see cref="AllStatisticsMode"/>,
/// argmax, the target's rank and Σ e^(x−max)·(x−max) for the entropy (the argmax's first index reads one block of at
/// most 32 groups again, at the finish).
/// </summary>
/// <remarks>
/// <para>All lanes share a reference maximum m. The loop checks a group of four vectors against m plus a margin with
/// one compare and takes the rescaling path only when some logit exceeds it; there m becomes the largest value seen,
/// s ← s·e^(m_old−m_new) and t ← e^(m_old−m_new)·(t + (m_old−m_new)·s). In full-statistics mode the main loop keeps
/// each lane's maximum without a branch, the folds note the block of groups where it first rose to its value, and the
/// finish reads that block again for the argmax's first index; vectors outside the main loop track exact maxima and
/// indices on new records (a strict compare, so the lowest index among equal maxima wins).</para>
/// <para>Float lane sums are folded into per-lane double sums every <see cref="FoldInterval"/> groups, so no float
/// accumulator adds more than a few hundred terms; that, plus a final combination in double, is what keeps the error
/// within the documented bound at V = 262144 where one float accumulator is off by ~1e-4.</para>
/// <para>Rows with NaN, +∞, a −∞ target, a maximum of float.MinValue or less, or more than 2^24 elements are handed
/// to <see cref="SpecialRowStatistics"/>: the vector path detects the first kinds from a NaN or infinite sum at the end
/// (every NaN and +∞ input poisons Σ e^(x−m)), so normal rows pay nothing for them.</para>
/// <para>The class is one kernel over several files, one concern each: this one chooses the pass (unclamped first, or
/// clamped); RowStatisticsKernel.Pass holds the main loop, .Remainder the per-vector steps, .Raise the rare paths of a
/// rising maximum, and .Finish the fold into doubles and the final combination. The lane arithmetic it shares with
/// <see cref="RowComparisonKernel"/> is in <see cref="LaneSums"/> and <see cref="FoldedLanes"/>.</para>
/// </remarks>
internal static partial class RowStatisticsKernel
{
    /// <summary>Rows longer than this lose exact float lane indices (2^24) and go to the scalar double path.</summary>
    public const int MaxVectorRowLength = 1 << 24;

    private const int GroupVectors = 4;

    /// <summary>A lane's reference maximum m is only raised when a logit exceeds it by more than this. Terms e^(x−m) are
    /// then at most e^8 ≈ 3000, harmless for float sums folded every 128 terms, and after the first few vectors of a
    /// row almost nothing takes the rescaling path (a mispredicted branch and a call on every new record would cost
    /// ~40% of the time). The exact maximum and argmax are tracked apart in full-statistics mode.</summary>
    private const float RescaleMargin = 8f;

    /// <summary>The margin in full-statistics mode. The entropy log S − T/S is taken relative to the reference maximum,
    /// and both terms grow by the distance to the true maximum, so their float rounding cancels less well the larger
    /// the margin: with 8, a peaked fp16 row (logits 8 apart) was off by 3e-6; with 1 the error stays near 1e-7.</summary>
    private const float StatisticsRescaleMargin = 1f;
    private const int FoldInterval = 32;

    /// <summary>Summarises one row in one read (and one block of it again, for the argmax).</summary>
    /// <param name="row">The logits.</param>
    /// <param name="target">The target index (read only in <see cref="AllStatisticsMode"/>).</param>
    /// <param name="scale">Every logit is multiplied by this first (1/temperature); 1 skips the multiply.</param>
    /// <param name="startClamped">Start with the clamped pass instead of trying the unclamped one first. The result is
    /// the same either way; only the time differs.</param>
    /// <param name="neededClampedRetry">Set when the unclamped pass ran and failed, so the row was read again
    /// clamped: the caller may start the rows that follow clamped.</param>
    public static RowSummary Compute<T, TWidth, TVector, TMode>(ReadOnlySpan<T> row, int target, float scale, bool startClamped, out bool neededClampedRetry)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode
    {
        // With vscalefps, with AVX2's exp that carries m in its rounding magic (every mode except fp16 log-sum-exp
        // without label smoothing), and with NEON's polynomial whose power of two is floored as bits, the main loop can
        // skip clamping (see UnclampedShift); a row whose sums come out non-finite (a −∞ or far-negative logit, a NaN, a
        // +∞) is then read again with the clamp, and only if that pass fails too does it go to the scalar path.
        // Ordinary rows are read once. Both passes give bit-identical results wherever the unclamped one succeeds (its
        // far-negative terms are exactly 0, as the clamped e^−105 is; ShiftPassTests holds them to it), so which one runs
        // never shows in the output, and the choice can be left to a caller that knows the rows around this one.
        neededClampedRetry = false;
        if ((TWidth.ScalesAnyExponent || FoldsShiftIntoExp<T, TWidth, TVector, TMode>() || VectorMath.FloorsPolynomialPower<TWidth, TVector>()) && !startClamped)
        {
            if (Compute<T, TWidth, TVector, TMode, UnclampedShift>(row, target, scale) is RowSummary fast)
            {
                return fast;
            }

            neededClampedRetry = true;
        }

        return Compute<T, TWidth, TVector, TMode, ClampedShift>(row, target, scale)!.Value;
    }
}
