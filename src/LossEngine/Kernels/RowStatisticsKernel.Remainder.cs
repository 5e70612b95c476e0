using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LossEngine.Kernels.Vectors;

namespace LossEngine.Kernels;

// The per-vector steps: the remaining vectors and the masked tail, and the terms and rank counts every vector adds.
internal static partial class RowStatisticsKernel
{
    /// <summary>One vector outside the main groups: the remainder vectors and the masked tail. <c>fresh</c> marks the
    /// lanes not yet counted (all but the tail's overlap), for the logit sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<TWidth, TVector, TMode>(ref LaneState<TVector> state, TVector x, TVector fresh, nuint start, nuint targetIndex, TVector thresholdBefore, TVector thresholdAfter, TVector margin)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode
    {
        if (TMode.TracksLogitSum)
        {
            state.LogitSum = TWidth.Add(state.LogitSum, TWidth.BitwiseAnd(x, fresh));
        }

        if (TMode.TracksAll && TWidth.GreaterThanAny(x, state.Best))
        {
            LaneSums.TrackArgMax<TWidth, TVector>(ref state.Best, ref state.ArgMax, x, start);
        }

        if (TWidth.GreaterThanAny(x, TWidth.Add(state.Max, margin)))
        {
            RaiseMaximum<TWidth, TVector, TMode>(ref state, x);
        }

        TVector threshold = TMode.TracksAll ? LaneThreshold<TWidth, TVector>(start, targetIndex, thresholdBefore, thresholdAfter) : thresholdAfter;
        Accumulate<TWidth, TVector, TMode>(ref state, x, threshold);
    }

    /// <summary>A main-loop group one exactly converted vector at a time, relative to the reference maximum itself: fp16
    /// logits that hold an infinity or NaN, and groups whose reference lies beyond the folded exp's range
    /// (<see cref="FoldedReference.Limit"/>).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StepGroupExactly<T, TWidth, TVector, TMode>(ref LaneState<TVector> state, ref T source, nuint start, TVector scale, nuint targetIndex, TVector thresholdBefore, TVector thresholdAfter, TVector margin)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode
    {
        TVector allLanes = TWidth.GreaterThanOrEqual(TWidth.Indices, TWidth.Create(0f));
        for (int vector = 0; vector < GroupVectors; vector++)
        {
            nuint offset = start + (nuint)(vector * TWidth.Count);
            TVector x = TWidth.Multiply(VectorMath.Load<T, TWidth, TVector>(ref source, offset), scale);
            Step<TWidth, TVector, TMode>(ref state, x, allLanes, offset, targetIndex, thresholdBefore, thresholdAfter, margin);
        }
    }

    /// <summary>Whether a group the main loop sent back needs reading one exact vector at a time rather than a raise: an
    /// fp16 infinity or NaN (exponent field all ones), which the loop's conversion does not hold, or a bf16 NaN, which
    /// the word test sends back (a positive NaN's pattern is above every other, read as a 16-bit integer) though no
    /// raise takes it.</summary>
    private static bool HoldsExactOnlyPattern<T>(ReadOnlySpan<T> values)
        where T : unmanaged
    {
        bool half = typeof(T) == typeof(Half);
        foreach (ushort bits in MemoryMarshal.Cast<T, ushort>(values))
        {
            if (half ? (bits & 0x7C00) == 0x7C00 : (bits & 0x7FFF) > 0x7F80)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Per lane: the "before target" threshold for indices below the target, the "after" one otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector LaneThreshold<TWidth, TVector>(nuint start, nuint targetIndex, TVector thresholdBefore, TVector thresholdAfter)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        // Lane offsets relative to the target stay exact in float because rows are at most 2^24 long.
        TVector laneIndex = TWidth.Add(TWidth.Indices, TWidth.Create((float)start));
        TVector before = TWidth.LessThan(laneIndex, TWidth.Create((float)targetIndex));
        return TWidth.ConditionalSelect(before, thresholdBefore, thresholdAfter);
    }

    /// <summary>Adds e^(x−m), and in full mode e^(x−m)·(x−m) and the rank count, assuming no lane of x exceeds m by more
    /// than the rescale margin.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate<TWidth, TVector, TMode>(ref LaneState<TVector> state, TVector x, TVector threshold)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode
    {
        TVector shifted = ShiftedLogit<TWidth, TVector>(x, state.Max);
        TVector e = VectorMath.ExpForSum<TWidth, TVector>(shifted);
        state.Sum = TWidth.Add(state.Sum, e);
        if (TMode.TracksAll)
        {
            state.EntropySum = TWidth.MultiplyAdd(e, shifted, state.EntropySum);
            state.RankCount += TWidth.CountGreaterThan(x, threshold);
        }
    }

    /// <summary>x − m, clamped below at −105.</summary>
    /// <remarks>The clamp makes masked −∞ entries contribute exactly 0 to both sums instead of 0·(−∞) = NaN; a NaN x
    /// survives it (right-hand operand) and poisons the sum, which sends the row to the special path.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector ShiftedLogit<TWidth, TVector>(TVector x, TVector max)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged =>
        TWidth.MaxNative(TWidth.Create(VectorMath.ExpArgumentFloor), TWidth.Subtract(x, max));
}
