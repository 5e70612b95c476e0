using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LossEngine.Kernels.Vectors;

namespace LossEngine.Kernels;

/// <summary>
/// The single-pass row kernel: one read of the row yields max, Σ e^(x−max), and, in <see cref="AllStatisticsMode"/>,
/// argmax, the target's rank and Σ e^(x−max)·(x−max) for the entropy.
/// </summary>
/// <remarks>
/// <para>All lanes share a reference maximum m. The loop checks a group of four vectors against m plus a margin with
/// one compare and takes the rescaling path only when some logit exceeds it; there m becomes the largest value seen,
/// s ← s·e^(m_old−m_new) and t ← e^(m_old−m_new)·(t + (m_old−m_new)·s). In full-statistics mode the exact maximum and
/// argmax are tracked per lane on new records (a strict compare, so the lowest index among equal maxima wins), which
/// happen O(log n) times per lane.</para>
/// <para>Float lane sums are folded into per-lane double sums every <see cref="FoldInterval"/> groups, so no float
/// accumulator adds more than a few hundred terms; that, plus a final combination in double, is what keeps the error
/// within the documented bound at V = 262144 where one float accumulator is off by ~1e-4.</para>
/// <para>Rows with NaN, +∞, a −∞ target, a maximum of float.MinValue or less, or more than 2^24 elements are handed
/// to <see cref="SpecialRowStatistics"/>: the vector path detects the first kinds from a NaN or infinite sum at the end
/// (every NaN and +∞ input poisons Σ e^(x−m)), so normal rows pay nothing for them.</para>
/// </remarks>
internal static class RowStatisticsKernel
{
    /// <summary>Rows longer than this lose exact float lane indices (2^24) and go to the scalar double path.</summary>
    public const int MaxVectorRowLength = 1 << 24;

    private const int GroupVectors = 4;

    /// <summary>A lane's reference maximum m is only raised when a logit exceeds it by more than this. Terms e^(x−m) are
    /// then at most e^8 ≈ 3000, harmless for float sums folded every 128 terms, and after the first few vectors of a
    /// row almost nothing takes the rescaling path (its mispredicted branch and call cost ~40% of the time when every
    /// new record took it). The exact maximum and argmax are tracked apart, inline, in full-statistics mode.</summary>
    private const float RescaleMargin = 8f;

    /// <summary>The margin in full-statistics mode. The entropy log S − T/S is taken relative to the reference maximum,
    /// and both terms grow by the distance to the true maximum, so their float rounding cancels less well the larger
    /// the margin: with 8, a peaked fp16 row (logits 8 apart) was off by 3e-6; with 1 the error stays near 1e-7.</summary>
    private const float StatisticsRescaleMargin = 1f;
    private const int FoldInterval = 32;

    // About 4 KiB ahead of the loads: far enough to cover DRAM latency at ~16 GB/s, near enough to stay in L1/L2.
    private const int PrefetchDistanceBytes = 4096;
    private const int CacheLineBytes = 64;

    /// <summary>Summarises one row in one read.</summary>
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
        // With vscalefps the main loop can skip clamping x − m (see UnclampedShift); a row whose sums come out
        // non-finite (a −∞ or float.MinValue logit, a NaN, a +∞) is then read again with the clamp, and only if that
        // pass fails too does it go to the scalar path. Ordinary rows are read once. Both passes give bit-identical
        // results wherever the unclamped one succeeds (its far-negative terms are exactly 0, as the clamped e^−105 is),
        // so which one runs never shows in the output, and the choice can be left to a caller that knows the rows
        // around this one.
        neededClampedRetry = false;
        if (TWidth.ScalesAnyExponent && !startClamped)
        {
            if (Compute<T, TWidth, TVector, TMode, UnclampedShift>(row, target, scale) is RowSummary fast)
            {
                return fast;
            }

            neededClampedRetry = true;
        }

        return Compute<T, TWidth, TVector, TMode, ClampedShift>(row, target, scale)!.Value;
    }

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
                for (int line = 0; line < bytesPerGroup; line += CacheLineBytes)
                {
                    TWidth.Prefetch(prefetch + line);
                }

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
            TrackArgMax<TWidth, TVector>(ref state.Best, ref state.ArgMax, x, start);
        }

        if (TWidth.GreaterThanAny(x, TWidth.Add(state.Max, margin)))
        {
            RaiseMaximum<TWidth, TVector, TMode>(ref state, x);
        }

        TVector threshold = TMode.TracksAll ? LaneThreshold<TWidth, TVector>(start, targetIndex, thresholdBefore, thresholdAfter) : thresholdAfter;
        Accumulate<TWidth, TVector, TMode>(ref state, x, threshold);
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

    /// <summary>The rare path for a main-loop group: raises the lane maxima over its four vectors in index order.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RaiseMaximumForGroup<T, TWidth, TVector, TMode>(ref LaneState<TVector> state, ref T source, nuint start, TVector scale, TVector margin)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode
    {
        // The same lane layout as the accumulation (LoadGroup), so each lane's maximum refers to its own elements.
        LoadGroup<T, TWidth, TVector, TMode>(ref source, start, out TVector x0, out TVector x1, out TVector x2, out TVector x3);
        RaiseIfBeyondMargin<TWidth, TVector, TMode>(ref state, TWidth.Multiply(x0, scale), margin);
        RaiseIfBeyondMargin<TWidth, TVector, TMode>(ref state, TWidth.Multiply(x1, scale), margin);
        RaiseIfBeyondMargin<TWidth, TVector, TMode>(ref state, TWidth.Multiply(x2, scale), margin);
        RaiseIfBeyondMargin<TWidth, TVector, TMode>(ref state, TWidth.Multiply(x3, scale), margin);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RaiseIfBeyondMargin<TWidth, TVector, TMode>(ref LaneState<TVector> state, TVector x, TVector margin)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode
    {
        if (TWidth.GreaterThanAny(x, TWidth.Add(state.Max, margin)))
        {
            RaiseMaximum<TWidth, TVector, TMode>(ref state, x);
        }
    }

    /// <summary>Lanes where x beats the exact maximum so far take x and its index; equal values never replace the
    /// first, which gives the lowest index among ties.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TrackArgMax<TWidth, TVector>(ref TVector best, ref TVector argMax, TVector x, nuint start)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        TVector better = TWidth.GreaterThan(x, best);
        argMax = TWidth.ConditionalSelect(better, TWidth.Add(TWidth.Indices, TWidth.Create((float)start)), argMax);
        best = TWidth.ConditionalSelect(better, x, best);
    }

    /// <summary>The rare path: some lane of x exceeds its reference maximum by more than the margin.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RaiseMaximum<TWidth, TVector, TMode>(ref LaneState<TVector> state, TVector x)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode
    {
        // Every lane takes the same new reference: the largest value seen in any lane. The margin keeps each term below
        // e^8 either way, and a shared reference makes the per-lane rebasing at fold and finish time a no-op (no
        // exp per lane per row, which dominated short rows).
        TVector newMax = TWidth.Create(HorizontalMax<TWidth, TVector>(TWidth.MaxNative(state.Max, x)));
        if (TMode.TracksAll)
        {
            LaneSums.Rescale<TWidth, TVector>(state.Max, newMax, ref state.Sum, ref state.EntropySum);
        }
        else
        {
            LaneSums.Rescale<TWidth, TVector>(state.Max, newMax, ref state.Sum);
        }

        state.Max = newMax;
    }

    /// <summary>The largest lane (NaN if any lane is NaN, which sends the row to the special path).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    [SkipLocalsInit]
    private static float HorizontalMax<TWidth, TVector>(TVector value)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        Span<float> lanes = stackalloc float[TWidth.Count];
        TWidth.Store(value, ref MemoryMarshal.GetReference(lanes), 0);
        float max = lanes[0];
        for (int lane = 1; lane < lanes.Length; lane++)
        {
            max = MathF.Max(max, lanes[lane]);
        }

        return max;
    }

    /// <summary>Moves the float lane sums into the per-lane doubles, rebased to each lane's current maximum.</summary>
    [SkipLocalsInit]
    private static void Fold<TWidth, TVector, TMode>(ref LaneState<TVector> state, FoldedLanes folded, Span<double> logitSums)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode
    {
        int count = TWidth.Count;
        Span<float> max = stackalloc float[count];
        Span<float> sum = stackalloc float[count];
        Span<float> entropySum = stackalloc float[count];
        LaneSums.Store<TWidth, TVector>(state.Max, max);
        LaneSums.Store<TWidth, TVector>(state.Sum, sum);
        LaneSums.Store<TWidth, TVector>(state.EntropySum, entropySum);
        folded.Rebase(max);
        folded.Add(sum, entropySum);
        if (TMode.TracksLogitSum)
        {
            // Σ x needs no rebasing: it is not relative to the maximum.
            Span<float> logitSum = stackalloc float[count];
            LaneSums.Store<TWidth, TVector>(state.LogitSum, logitSum);
            for (int lane = 0; lane < count; lane++)
            {
                logitSums[lane] += logitSum[lane];
            }
        }

        state.Sum = TWidth.Create(0f);
        state.EntropySum = TWidth.Create(0f);
        state.LogitSum = TWidth.Create(0f);
    }

    [SkipLocalsInit]
    private static RowSummary? Finish<T, TWidth, TVector, TMode, TShift>(ref LaneState<TVector> state, FoldedLanes folded, Span<double> logitSums, ReadOnlySpan<T> row, int target, float scale)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode
        where TShift : IShiftPolicy
    {
        // All lanes share the reference maximum, so combining them needs no exp.
        float max = folded.Maximum();
        (double sum, double entropySum) = folded.Combine(max);

        // NaN or +∞ anywhere makes the sums NaN; an all −∞ row (or one whose maximum is float.MinValue) leaves the
        // maximum at its start value. All of these are settled exactly by the scalar path.
        if (!(max > float.MinValue) || !double.IsFinite(sum) || !double.IsFinite(entropySum))
        {
            return TShift.Clamps ? SpecialRowStatistics.Compute(row, target, scale) : null;
        }

        double logitSum = 0;
        if (TMode.TracksLogitSum)
        {
            foreach (double laneSum in logitSums)
            {
                logitSum += laneSum;
            }
        }

        double logSum = Math.Log(sum);
        double logSumExp = max + logSum;
        if (!TMode.TracksAll)
        {
            return new RowSummary(logSumExp, double.NaN, max, -1, -1, logitSum);
        }

        int count = TWidth.Count;
        Span<float> argMax = stackalloc float[count];
        Span<float> best = stackalloc float[count];
        LaneSums.Store<TWidth, TVector>(state.ArgMax, argMax);
        LaneSums.Store<TWidth, TVector>(state.Best, best);
        (float maxLogit, int bestIndex) = LaneSums.ArgMax(best, argMax);

        // Relative to the reference maximum M: Σ p·(x−M) = entropySum / sum, and H = log S − that, which does not
        // depend on M. (With M the exact maximum both terms are non-negative, so there is no cancellation; M is within
        // the rescale margin of it.)
        double entropy = logSum - (entropySum / sum);
        return new RowSummary(logSumExp, Math.Max(entropy, 0), maxLogit, bestIndex, state.RankCount, logitSum);
    }

    /// <summary>The per-lane running state. Kept in one struct so the helpers take it by reference.</summary>
    private struct LaneState<TVector>
        where TVector : unmanaged
    {
        public TVector Max;
        public TVector Sum;
        public TVector EntropySum;
        public int RankCount;
        public TVector ArgMax;
        public TVector Best;
        public TVector LogitSum;
    }
}

/// <summary>Whether the row kernel's main loop clamps x − m at the exp's floor before taking the exp.</summary>
/// <remarks>The clamp (one vector max per 16 logits, 7–12 % of the loop on Zen 4) exists for masked logits: without it a
/// −∞ gives a NaN term and a finite x − m below about −2^24 a term the exp cannot reduce. With vscalefps those terms are
/// either 0 (correct) or non-finite, never a wrong finite value, so the unclamped pass is exact whenever its sums are
/// finite and is retried with the clamp otherwise.</remarks>
internal interface IShiftPolicy
{
    static abstract bool Clamps { get; }
}

/// <summary>Clamp x − m at the exp's floor: every logit gives a correct term.</summary>
internal readonly struct ClampedShift : IShiftPolicy
{
    public static bool Clamps => true;
}

/// <summary>No clamp: for widths whose exp scales by any exponent; non-finite sums ask for a clamped pass.</summary>
internal readonly struct UnclampedShift : IShiftPolicy
{
    public static bool Clamps => false;
}
