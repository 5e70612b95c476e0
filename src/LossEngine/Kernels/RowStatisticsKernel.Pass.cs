using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LossEngine.Kernels.Vectors;

namespace LossEngine.Kernels;

// One pass over the row: the main loop over groups of four vectors, then the remaining vectors and the masked tail.
internal static partial class RowStatisticsKernel
{
    /// <summary>The pass itself. Null only for <see cref="UnclampedShift"/> when the sums are not finite.</summary>
    [SkipLocalsInit]
    private static unsafe RowSummary? Compute<T, TWidth, TVector, TMode, TShift>(ReadOnlySpan<T> row, int target, float scale)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode
        where TShift : IShiftPolicy
    {
        float targetLogit = TMode.TracksAll ? ElementConversion.ToSingle(row[target]) * scale : 0f;
        if (row.Length > MaxVectorRowLength || (TMode.TracksAll && !float.IsFinite(targetLogit)))
        {
            return SpecialRowStatistics.Compute(row, target, scale);
        }

        bool scaled = scale != 1f;
        TVector scaleVector = TWidth.Create(scale);

        int count = TWidth.Count;
        nuint length = (nuint)row.Length;
        nuint groupLength = (nuint)(GroupVectors * count);

        // Rank counts entries ranked above the target: x > x_t after it, x ≥ x_t before it. For finite x_t,
        // x ≥ x_t ⇔ x > nextDown(x_t), so a single compare against a per-region threshold does both.
        TVector thresholdBefore = TWidth.Create(MathF.BitDecrement(targetLogit));
        TVector thresholdAfter = TWidth.Create(targetLogit);
        TVector threshold = target == 0 ? thresholdAfter : thresholdBefore;
        nuint targetIndex = (nuint)target;

        // The hot state lives in locals so the JIT keeps it in registers; the rare paths get it through a struct copy.
        TVector max = TWidth.Create(float.MinValue);
        TVector sum = TWidth.Create(0f);
        TVector entropySum = TWidth.Create(0f);
        int rankCount = 0;
        TVector argMax = TWidth.Indices;
        TVector best = TWidth.Create(float.MinValue);
        TVector logitSum = TWidth.Create(0f);
        TVector margin = TWidth.Create(TMode.TracksAll ? StatisticsRescaleMargin : RescaleMargin);
        TVector trigger = TWidth.Add(max, margin);

        // The weighted (entropy) sums are allocated in every mode, though only full-statistics mode adds to them: a
        // stackalloc that depends on the mode cost the main loop its registers for the sums.
        var folded = new FoldedLanes(stackalloc double[count], stackalloc double[count], stackalloc float[count]);
        Span<double> logitSums = stackalloc double[count];
        logitSums.Clear();

        ref T source = ref MemoryMarshal.GetReference(row);
        LaneState<TVector> state;
        fixed (T* pinned = row)
        {
            byte* prefetch = (byte*)pinned + PrefetchDistanceBytes;
            int bytesPerGroup = (int)groupLength * Unsafe.SizeOf<T>();
            nuint i = 0;
            int groupsSinceFold = 0;
            for (; i + groupLength <= length; i += groupLength)
            {
                PrefetchGroup<TWidth, TVector>(prefetch, bytesPerGroup);
                prefetch += bytesPerGroup;

                LoadGroup<T, TWidth, TVector, TMode>(ref source, i, out TVector g0, out TVector g1, out TVector g2, out TVector g3);
                TVector groupMax = TWidth.MaxNative(TWidth.MaxNative(g0, g1), TWidth.MaxNative(g2, g3));
                if (scaled)
                {
                    // A positive scale preserves order, so the group maximum can be scaled after the fact.
                    groupMax = TWidth.Multiply(groupMax, scaleVector);
                }

                if (TMode.TracksAll && TWidth.GreaterThanAny(groupMax, best))
                {
                    // A new record in some lane: update the exact maximum and its first index, inline. Records are
                    // O(log n) per lane, and the reference maximum never exceeds the exact one, so a rescale below
                    // can only happen inside this branch.
                    for (int k = 0; k < GroupVectors; k++)
                    {
                        nuint offset = i + (nuint)(k * count);
                        TVector x = VectorMath.Load<T, TWidth, TVector>(ref source, offset);
                        x = scaled ? TWidth.Multiply(x, scaleVector) : x;
                        TrackArgMax<TWidth, TVector>(ref best, ref argMax, x, offset);
                    }
                }

                if (TWidth.GreaterThanAny(groupMax, trigger))
                {
                    state = new LaneState<TVector> { Max = max, Sum = sum, EntropySum = entropySum };
                    RaiseMaximumForGroup<T, TWidth, TVector, TMode>(ref state, ref source, i, scaleVector, margin);
                    (max, sum, entropySum) = (state.Max, state.Sum, state.EntropySum);
                    trigger = TWidth.Add(max, margin);
                }

                // Loaded again rather than kept live across the rare call, which would spill them on every group.
                LoadGroup<T, TWidth, TVector, TMode>(ref source, i, out TVector x0, out TVector x1, out TVector x2, out TVector x3);
                if (scaled)
                {
                    x0 = TWidth.Multiply(x0, scaleVector);
                    x1 = TWidth.Multiply(x1, scaleVector);
                    x2 = TWidth.Multiply(x2, scaleVector);
                    x3 = TWidth.Multiply(x3, scaleVector);
                }

                if (TMode.TracksLogitSum)
                {
                    logitSum = TWidth.Add(logitSum, TWidth.Add(TWidth.Add(x0, x1), TWidth.Add(x2, x3)));
                }

                TVector d0 = TShift.Clamps ? ShiftedLogit<TWidth, TVector>(x0, max) : TWidth.Subtract(x0, max);
                TVector d1 = TShift.Clamps ? ShiftedLogit<TWidth, TVector>(x1, max) : TWidth.Subtract(x1, max);
                TVector d2 = TShift.Clamps ? ShiftedLogit<TWidth, TVector>(x2, max) : TWidth.Subtract(x2, max);
                TVector d3 = TShift.Clamps ? ShiftedLogit<TWidth, TVector>(x3, max) : TWidth.Subtract(x3, max);
                TVector e0 = VectorMath.ExpForSum<TWidth, TVector>(d0);
                TVector e1 = VectorMath.ExpForSum<TWidth, TVector>(d1);
                TVector e2 = VectorMath.ExpForSum<TWidth, TVector>(d2);
                TVector e3 = VectorMath.ExpForSum<TWidth, TVector>(d3);

                // Pairwise combination keeps one add per group on each loop-carried chain.
                sum = TWidth.Add(sum, TWidth.Add(TWidth.Add(e0, e1), TWidth.Add(e2, e3)));
                if (TMode.TracksAll)
                {
                    entropySum = TWidth.Add(entropySum, TWidth.Add(
                        TWidth.MultiplyAdd(e0, d0, TWidth.Multiply(e1, d1)),
                        TWidth.MultiplyAdd(e2, d2, TWidth.Multiply(e3, d3))));

                    TVector t0 = threshold, t1 = threshold, t2 = threshold, t3 = threshold;
                    if (targetIndex - i < groupLength)
                    {
                        // The group holding the target: thresholds differ per lane once, then stay "after".
                        t0 = LaneThreshold<TWidth, TVector>(i, targetIndex, thresholdBefore, thresholdAfter);
                        t1 = LaneThreshold<TWidth, TVector>(i + (nuint)count, targetIndex, thresholdBefore, thresholdAfter);
                        t2 = LaneThreshold<TWidth, TVector>(i + (nuint)(2 * count), targetIndex, thresholdBefore, thresholdAfter);
                        t3 = LaneThreshold<TWidth, TVector>(i + (nuint)(3 * count), targetIndex, thresholdBefore, thresholdAfter);
                        threshold = thresholdAfter;
                    }

                    rankCount += TWidth.CountGreaterThan(x0, t0) + TWidth.CountGreaterThan(x1, t1)
                        + TWidth.CountGreaterThan(x2, t2) + TWidth.CountGreaterThan(x3, t3);
                }

                if (++groupsSinceFold == FoldInterval)
                {
                    state = new LaneState<TVector> { Max = max, Sum = sum, EntropySum = entropySum, LogitSum = logitSum };
                    Fold<TWidth, TVector, TMode>(ref state, folded, logitSums);
                    (sum, entropySum, logitSum) = (state.Sum, state.EntropySum, state.LogitSum);
                    groupsSinceFold = 0;
                }
            }

            state = new LaneState<TVector> { Max = max, Sum = sum, EntropySum = entropySum, RankCount = rankCount, ArgMax = argMax, Best = best, LogitSum = logitSum };
            TVector allLanes = TWidth.GreaterThanOrEqual(TWidth.Indices, TWidth.Create(0f));
            for (; i + (nuint)count <= length; i += (nuint)count)
            {
                TVector x = VectorMath.Load<T, TWidth, TVector>(ref source, i);
                x = scaled ? TWidth.Multiply(x, scaleVector) : x;
                Step<TWidth, TVector, TMode>(ref state, x, allLanes, i, targetIndex, thresholdBefore, thresholdAfter, margin);
            }

            if (i < length)
            {
                // The last partial vector is loaded so that it ends at the row's end; lanes already counted are
                // replaced by −∞, which adds e^−∞ = 0, never raises the maximum and never outranks a finite target.
                nuint start = length - (nuint)count;
                TVector x = VectorMath.Load<T, TWidth, TVector>(ref source, start);
                x = scaled ? TWidth.Multiply(x, scaleVector) : x;
                TVector fresh = TWidth.GreaterThanOrEqual(TWidth.Indices, TWidth.Create((float)(i - start)));
                x = TWidth.ConditionalSelect(fresh, x, TWidth.Create(float.NegativeInfinity));
                Step<TWidth, TVector, TMode>(ref state, x, fresh, start, targetIndex, thresholdBefore, thresholdAfter, margin);
            }
        }

        Fold<TWidth, TVector, TMode>(ref state, folded, logitSums);
        return Finish<T, TWidth, TVector, TMode, TShift>(ref state, folded, logitSums, row, target, scale);
    }

    /// <summary>Loads the four vectors of a main-loop group. Where only order-free sums are needed (log-sum-exp mode), a
    /// bf16 row is read as 32-bit words of two elements each and split with a shift (even elements) and a mask (odd
    /// elements): two instructions per vector instead of a cross-lane widening shuffle. The lanes then hold the group's
    /// elements in a different order, which no sum notices.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadGroup<T, TWidth, TVector, TMode>(ref T source, nuint i, out TVector x0, out TVector x1, out TVector x2, out TVector x3)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode
    {
        int count = TWidth.Count;
        if (typeof(T) == typeof(BFloat16) && !TMode.TracksAll && count > 1)
        {
            ref float words = ref Unsafe.As<T, float>(ref Unsafe.Add(ref source, i));
            TVector low = TWidth.LoadSingle(ref words, 0);
            TVector high = TWidth.LoadSingle(ref words, (nuint)count);
            TVector upperHalf = TWidth.Create(BitConverter.UInt32BitsToSingle(0xFFFF0000));
            x0 = TWidth.ShiftLeftBits(low, 16);
            x1 = TWidth.BitwiseAnd(low, upperHalf);
            x2 = TWidth.ShiftLeftBits(high, 16);
            x3 = TWidth.BitwiseAnd(high, upperHalf);
            return;
        }

        x0 = VectorMath.Load<T, TWidth, TVector>(ref source, i);
        x1 = VectorMath.Load<T, TWidth, TVector>(ref source, i + (nuint)count);
        x2 = VectorMath.Load<T, TWidth, TVector>(ref source, i + (nuint)(2 * count));
        x3 = VectorMath.Load<T, TWidth, TVector>(ref source, i + (nuint)(3 * count));
    }
}
