using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
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

        // The rank thresholds for the remaining vectors and the tail, as RunGroups explains them.
        float targetLogitBelow = MathF.BitDecrement(targetLogit);
        TVector thresholdBefore = TWidth.Create(targetLogitBelow);
        TVector thresholdAfter = TWidth.Create(targetLogit);
        nuint targetIndex = (nuint)target;
        var bounds = new GroupBounds<TVector> { Scale = scaleVector, RankThresholdBefore = thresholdBefore, RankThresholdAfter = thresholdAfter };

        var state = new LaneState<TVector>
        {
            Max = TWidth.Create(float.MinValue),
            Sum = TWidth.Create(0f),
            EntropySum = TWidth.Create(0f),
            ArgMax = TWidth.Indices,
            Best = TWidth.Create(float.MinValue),
            LogitSum = TWidth.Create(0f),
            GroupBest = TWidth.Create(float.MinValue),
            BlockBest = TWidth.Create(float.MinValue),
            BlockStart = TWidth.Create(0f),
        };
        TVector margin = TWidth.Create(TMode.TracksAll ? StatisticsRescaleMargin : RescaleMargin);

        // The weighted (entropy) sums are allocated in every mode, though only full-statistics mode adds to them: a
        // stackalloc that depends on the mode cost the main loop its registers for the sums.
        var folded = new FoldedLanes(stackalloc double[count], stackalloc double[count], stackalloc float[1]);
        Span<double> logitSums = stackalloc double[count];
        logitSums.Clear();

        // The group loops spill vectors at 256 bits: StackPlacement keeps their frames inside a page, at a measured alignment.
        byte* stackMark = stackalloc byte[StackPlacement.MarkBytes];
        byte* stackPad = stackalloc byte[StackPlacement.PadBytes((nuint)stackMark, StackPlacement.StatisticsOffset)];
        *stackPad = 0;
        ref T source = ref MemoryMarshal.GetReference(row);
        nuint groupsEnd = length - (length % groupLength);
        nuint nextFold = FoldInterval * groupLength;
        fixed (T* pinned = row)
        {
            // The groups run in a method of their own that makes no call, so that the JIT keeps the sums and the exp's
            // constants in registers; it returns at each group that needs a rare path, and at the first fold after one
            // (folds that need no rebasing it does itself).
            byte* prefetch = (byte*)pinned + (TMode.TracksAll ? SoftwarePrefetch.StatisticsDistanceBytes : SoftwarePrefetch.DistanceBytes);
            if (groupsEnd > 0)
            {
                float firstMax = LaneSums.StartingMaximum<T, TWidth, TVector>(ref source, groupsEnd, scaleVector);
                firstMax = TMode.TracksAll ? LaneSums.WithHeadroom(firstMax, StatisticsRescaleMargin) : firstMax;
                state.Max = TWidth.Create(firstMax);
                folded.Start(firstMax);
            }

            nuint i = 0;
            var expConstants = SumExpConstants<TVector>.Create<TWidth>();
            bool pairsGroups = PairsGroups<T, TWidth, TVector, TMode, TShift>();
            bool foldsShift = FoldsShiftIntoExp<T, TWidth, TVector, TMode>();
            while (i < groupsEnd)
            {
                // Where pairs of groups run, the single-group loop takes one group at a time, the one a pair stopped at.
                nuint stop = groupsEnd;
                if (pairsGroups)
                {
                    i = UsesWordTest<TWidth, TVector>(state.Max, scale)
                        ? RunGroupPairs<T, TWidth, TVector, TMode, TShift, WordGroupTest>(ref state, expConstants, folded, logitSums, ref source, prefetch, i, groupsEnd, ref nextFold, scale)
                        : RunGroupPairs<T, TWidth, TVector, TMode, TShift, FloatGroupTest>(ref state, expConstants, folded, logitSums, ref source, prefetch, i, groupsEnd, ref nextFold, scale);
                    if (i == nextFold)
                    {
                        FoldAtGridPoint<TWidth, TVector, TMode>(ref state, folded, logitSums, ref nextFold, FoldInterval * groupLength);
                        continue;
                    }

                    if (i == groupsEnd)
                    {
                        break;
                    }

                    stop = i + groupLength;
                }

                if (foldsShift && !SetFoldedShift<TWidth, TVector>(ref bounds, TWidth.MaxAcross(state.Max)))
                {
                    // A reference beyond the folded exp's range (or still float.MinValue, before the first finite
                    // logit): this group a vector at a time, as the remaining vectors go, relative to m itself.
                    StepGroupExactly<T, TWidth, TVector, TMode>(ref state, ref source, i, scaleVector, targetIndex, thresholdBefore, thresholdAfter, margin);
                    i += groupLength;
                    if (i == nextFold)
                    {
                        FoldAtGridPoint<TWidth, TVector, TMode>(ref state, folded, logitSums, ref nextFold, FoldInterval * groupLength);
                    }

                    continue;
                }

                i = TestsGroupWords<T, TWidth, TVector, TMode>() && UsesWordTest<TWidth, TVector>(state.Max, scale)
                    ? RunGroups<T, TWidth, TVector, TMode, TShift, UnitScale, WordGroupTest>(ref state, ref bounds, expConstants, folded, logitSums, ref source, prefetch, i, stop, ref nextFold, scaled, targetIndex)
                    : ReloadsWeights<T, TWidth, TVector, TMode, TShift>() && !scaled
                    ? RunGroups<T, TWidth, TVector, TMode, TShift, UnitScale, FloatGroupTest>(ref state, ref bounds, expConstants, folded, logitSums, ref source, prefetch, i, stop, ref nextFold, scaled, targetIndex)
                    : RunGroups<T, TWidth, TVector, TMode, TShift, RowScale, FloatGroupTest>(ref state, ref bounds, expConstants, folded, logitSums, ref source, prefetch, i, stop, ref nextFold, scaled, targetIndex);
                if (i == nextFold)
                {
                    FoldAtGridPoint<TWidth, TVector, TMode>(ref state, folded, logitSums, ref nextFold, FoldInterval * groupLength);
                }
                else if (i < stop)
                {
                    if ((typeof(T) == typeof(Half) || typeof(T) == typeof(BFloat16)) && HoldsExactOnlyPattern(row.Slice((int)i, (int)groupLength)))
                    {
                        StepGroupExactly<T, TWidth, TVector, TMode>(ref state, ref source, i, scaleVector, targetIndex, thresholdBefore, thresholdAfter, margin);
                        i += groupLength;
                        if (i == nextFold)
                        {
                            // The next group may be stepped as well (a reference raised beyond the folded range), and
                            // would carry i past the fold.
                            FoldAtGridPoint<TWidth, TVector, TMode>(ref state, folded, logitSums, ref nextFold, FoldInterval * groupLength);
                        }
                    }
                    else
                    {
                        RaiseMaximumForGroup<T, TWidth, TVector, TMode>(ref state, ref source, i, scaleVector, margin);
                    }
                }
            }

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

        Fold<TWidth, TVector, TMode>(ref state, folded, logitSums, nextFold - (FoldInterval * groupLength));
        return Finish<T, TWidth, TVector, TMode, TShift>(ref state, folded, logitSums, row, target, scale, groupsEnd, FoldInterval * groupLength);
    }

    /// <summary>
    /// The main loop: whole groups from <paramref name="i"/> up to <paramref name="end"/>, as long as none needs a rare
    /// path. Returns where it stopped: <paramref name="end"/>; the start of a group that holds a logit beyond the
    /// reference maximum's margin, for <see cref="RaiseMaximumForGroup"/>, after which the group passes; or
    /// <paramref name="nextFold"/>, for a fold that must rebase (the reference maximum rose since the last one). Other
    /// folds it does itself and moves <paramref name="nextFold"/> on.
    /// </summary>
    /// <remarks>The loop makes no call, not even a rare one: on the SysV ABI every vector register is lost across a call,
    /// so a call anywhere in the loop makes the JIT reload its constants from memory and keep the loop counters on the
    /// stack in every iteration. The exp's constants come from the caller (<paramref name="constants"/>), so that the
    /// JIT keeps them in registers rather than rebuilding each at every use. The running sums come in and go out
    /// through <paramref name="state"/>, once per call.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe nuint RunGroups<T, TWidth, TVector, TMode, TShift, TScale, TTest>(ref LaneState<TVector> state, ref GroupBounds<TVector> bounds, in SumExpConstants<TVector> constants, FoldedLanes folded, Span<double> logitSums, ref T source, byte* prefetch, nuint i, nuint end, ref nuint nextFold, bool scaledRow, nuint targetIndex)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode
        where TShift : IShiftPolicy
        where TScale : IScalePolicy
        where TTest : IGroupTest
    {
        // The word test runs only where the caller saw a scale of 1 and t ≥ 0 (UsesWordTest), and the loop is then
        // compiled for it alone; in the modes and dtypes it cannot serve, the compiler drops it.
        bool testsWords = TTest.OnWords && TestsGroupWords<T, TWidth, TVector, TMode>();
        bool scaled = !testsWords && TScale.MayScale && scaledRow;
        int count = TWidth.Count;
        nuint groupLength = (nuint)(GroupVectors * count);
        int bytesPerGroup = (int)groupLength * Unsafe.SizeOf<T>();
        // Full statistics reads the maximum, the trigger, the scale and the folded exp's magic, shift and floor from
        // memory (see GroupBounds); the other modes have the registers to hold them.
        TVector max = state.Max;
        TVector trigger = TWidth.Add(max, TWidth.Create(TMode.TracksAll ? StatisticsRescaleMargin : RescaleMargin));
        TVector scaleVector = bounds.Scale;
        bounds.Trigger = trigger;
        // Where the exp carries the reference in its magic, the loop's sums are relative to M = k·ln2/8, not to m: they
        // start from 0 and go back to m (times e^(M − m)) where they leave the loop, into the sums that came in.
        bool foldsShift = FoldsShiftIntoExp<T, TWidth, TVector, TMode>();
        TVector shiftedMagic = bounds.ShiftedMagic;
        TVector logitFloor = bounds.LogitFloor;
        TVector sum = foldsShift ? TWidth.Create(0f) : state.Sum;
        TVector entropySum = foldsShift && TMode.TracksAll ? TWidth.Create(0f) : state.EntropySum;
        TVector logitSum = state.LogitSum;
        int rankCount = state.RankCount;
        TVector rankLanes = TWidth.Create(0f);
        TVector groupBest = state.GroupBest;
        SumExpConstants<TVector> k = constants;

        // Rank counts entries ranked above the target: x > x_t after it, x ≥ x_t before it. For finite x_t,
        // x ≥ x_t ⇔ x > nextDown(x_t), so a single compare against a per-region threshold does both. The caller takes
        // nextDown(x_t): NativeAOT does not inline MathF.BitDecrement, and a call here would cost the loop its registers.
        bounds.RankThreshold = targetIndex < i ? bounds.RankThresholdAfter : bounds.RankThresholdBefore;

        // fp16 in log-sum-exp mode: LoadGroup leaves the values at 2^−112 of their size (y = x·2^−112, exact), and the
        // rebias goes into the shift by the maximum, d = y·2^112 − max in one FMA, rounded once as x − max is (then
        // clamped, where the pass clamps).
        bool halfRebiasInShift = typeof(T) == typeof(Half) && count > 1 && !TMode.TracksAll && !TMode.TracksLogitSum && !foldsShift;
        TVector halfRebias = TWidth.Create(VectorMath.HalfRebias);
        TVector negativeMax = TWidth.Subtract(TWidth.Create(0f), max);
        TVector halfBound = TWidth.Create(halfRebiasInShift ? VectorMath.HalfNonFiniteBound / VectorMath.HalfRebias : VectorMath.HalfNonFiniteBound);
        TVector negativeHalfBound = TWidth.Create(halfRebiasInShift ? -VectorMath.HalfNonFiniteBound / VectorMath.HalfRebias : -VectorMath.HalfNonFiniteBound);
        TVector wordThreshold = TWidth.Create(BitConverter.UInt32BitsToSingle(0x0001_0001u * (uint)(testsWords ? LargestPatternAtMost<T>(TWidth.MaxAcross(trigger)) : 0)));
        TVector lastFiniteNegativeHalf = TWidth.Create(BitConverter.UInt32BitsToSingle(0xFBFF_FBFFu));

        nuint foldAt = nextFold;
        bool foldsHere = !state.RaisedSinceFold;
        while (true)
        {
            nuint blockEnd = Math.Min(foldAt, end);
            for (; i < blockEnd; i += groupLength)
            {
                SoftwarePrefetch.Lines<TWidth, TVector>(prefetch + (i * (nuint)Unsafe.SizeOf<T>()), bytesPerGroup);
                TVector x0, x1, x2, x3;
                if (testsWords)
                {
                    // The group's two word vectors as 16-bit integers, as RunGroupPairs tests a pair's four (see
                    // UsesWordTest); only then are they split into floats.
                    ref float words = ref Unsafe.As<T, float>(ref Unsafe.Add(ref source, i));
                    TVector low = TWidth.LoadSingle(ref words, 0);
                    TVector high = TWidth.LoadSingle(ref words, (nuint)count);
                    if (TWidth.GreaterThanAnyInt16(TWidth.MaxInt16(low, high), wordThreshold)
                        || (typeof(T) == typeof(Half) && TWidth.GreaterThanAnyUInt16(TWidth.MaxUInt16(low, high), lastFiniteNegativeHalf)))
                    {
                        break;
                    }

                    SplitWords<T, TWidth, TVector>(low, high, halfRebiasInShift, out x0, out x1, out x2, out x3);
                }
                else
                {
                    LoadGroup<T, TWidth, TVector, TMode>(ref source, i, halfRebiasInShift, out x0, out x1, out x2, out x3);
                }

                TVector groupMax = testsWords ? default : TWidth.MaxNative(TWidth.MaxNative(x0, x1), TWidth.MaxNative(x2, x3));
                if (typeof(T) == typeof(Half) && count > 1 && !testsWords)
                {
                    // LoadGroup's fp16 conversion holds for finite values; an infinity or NaN comes out with a magnitude
                    // of 65536 or more, beyond any finite fp16, and the group goes back to the caller to be read exactly.
                    TVector groupMin = TWidth.MinNative(TWidth.MinNative(x0, x1), TWidth.MinNative(x2, x3));
                    if (TWidth.GreaterThanAny(groupMax, halfBound) || TWidth.GreaterThanAny(negativeHalfBound, groupMin))
                    {
                        break;
                    }
                }

                if (halfRebiasInShift && !testsWords)
                {
                    // Powers of two scale the maximum exactly; with a scale the values are rebiased here after all.
                    groupMax = TWidth.Multiply(groupMax, halfRebias);
                    if (scaled)
                    {
                        x0 = TWidth.Multiply(x0, halfRebias);
                        x1 = TWidth.Multiply(x1, halfRebias);
                        x2 = TWidth.Multiply(x2, halfRebias);
                        x3 = TWidth.Multiply(x3, halfRebias);
                    }
                }

                if (scaled)
                {
                    // The scale is positive, so the scaled maximum is the maximum scaled, to the bit.
                    TVector groupScale = TMode.TracksAll ? bounds.Scale : scaleVector;
                    x0 = TWidth.Multiply(x0, groupScale);
                    x1 = TWidth.Multiply(x1, groupScale);
                    x2 = TWidth.Multiply(x2, groupScale);
                    x3 = TWidth.Multiply(x3, groupScale);
                    groupMax = TWidth.Multiply(groupMax, groupScale);
                }

                if (TMode.TracksAll)
                {
                    // The groups' maximum per lane, without a branch: where the argmax lies is settled at the folds, to
                    // within a block of groups, and at the finish (see CloseRecordBlock). A test for a new record in
                    // each group would take its branch, mispredicted, in most of a row's first groups.
                    groupBest = TWidth.MaxNative(groupBest, groupMax);
                    if (TWidth.GreaterThanAny(groupMax, bounds.Trigger))
                    {
                        break;
                    }
                }
                else if (!testsWords && TWidth.GreaterThanAny(groupMax, trigger))
                {
                    break;
                }

                if (TMode.TracksLogitSum)
                {
                    logitSum = TWidth.Add(logitSum, TWidth.Add(TWidth.Add(x0, x1), TWidth.Add(x2, x3)));
                }

                if (TMode.TracksAll)
                {
                    // The rank counts come before the exp, so that the logits are dead while the four exps hold most of
                    // the vector registers.
                    if (targetIndex - i < groupLength)
                    {
                        // The group holding the target: thresholds differ per lane once, then stay "after".
                        rankCount += TWidth.CountGreaterThan(x0, LaneThreshold<TWidth, TVector>(i, targetIndex, bounds.RankThresholdBefore, bounds.RankThresholdAfter))
                            + TWidth.CountGreaterThan(x1, LaneThreshold<TWidth, TVector>(i + (nuint)count, targetIndex, bounds.RankThresholdBefore, bounds.RankThresholdAfter))
                            + TWidth.CountGreaterThan(x2, LaneThreshold<TWidth, TVector>(i + (nuint)(2 * count), targetIndex, bounds.RankThresholdBefore, bounds.RankThresholdAfter))
                            + TWidth.CountGreaterThan(x3, LaneThreshold<TWidth, TVector>(i + (nuint)(3 * count), targetIndex, bounds.RankThresholdBefore, bounds.RankThresholdAfter));
                        bounds.RankThreshold = bounds.RankThresholdAfter;
                    }
                    else if (typeof(TWidth) == typeof(Vector512Width))
                    {
                        // At 512 bits a compare writes a mask register, and its count (kmovw, popcnt) runs on the
                        // integer side, off the vector pipes that the exps fill; counting in the lanes would add a
                        // mask-to-vector move and an add per vector on those pipes.
                        TVector threshold = bounds.RankThreshold;
                        rankCount += TWidth.CountGreaterThan(x0, threshold) + TWidth.CountGreaterThan(x1, threshold)
                            + TWidth.CountGreaterThan(x2, threshold) + TWidth.CountGreaterThan(x3, threshold);
                    }
                    else
                    {
                        // Counted in the vector lanes, as −1 per entry above: four compares and three adds, where a
                        // count per compare moves each mask to an integer register, which on AVX2 takes longer beside
                        // the exps' FMAs than its pipes account for (bench/results/limits-amd-epyc-zen3-2vcpu.md).
                        TVector threshold = bounds.RankThreshold;
                        TVector above = TWidth.AddIntegers(
                            TWidth.AddIntegers(TWidth.GreaterThan(x0, threshold), TWidth.GreaterThan(x1, threshold)),
                            TWidth.AddIntegers(TWidth.GreaterThan(x2, threshold), TWidth.GreaterThan(x3, threshold)));
                        rankLanes = TWidth.AddIntegers(rankLanes, above);
                    }
                }

                // FoldsShiftIntoExp's test written out, not the local: the compiler folds typeof tests while it reads
                // the method, so the widths and dtypes without this form spend none of their inlining budget on it.
                // The two must stay equal (the exit multiplies the sums by e^(M − m) where the local holds).
                if (typeof(TWidth) == typeof(Vector256Width) && (typeof(T) != typeof(Half) || TMode.TracksAll || TMode.TracksLogitSum) && Avx2.IsSupported && Fma.IsSupported)
                {
                    if (TShift.Clamps)
                    {
                        // x in the right-hand slot: a NaN survives the maximum and poisons the sum.
                        TVector floor = TMode.TracksAll ? bounds.LogitFloor : logitFloor;
                        x0 = TWidth.MaxNative(floor, x0);
                        x1 = TWidth.MaxNative(floor, x1);
                        x2 = TWidth.MaxNative(floor, x2);
                        x3 = TWidth.MaxNative(floor, x3);
                    }

                    // The entropy's weights x − M_f (M rounded to float) are off the exp's chain; the fold and the exit
                    // add (M_f − m)·S to make them x − m. Where the row is read as it is (ReloadsWeights), they are taken
                    // after the exp, negated, from the row again; otherwise before it, and held on the stack.
                    bool reloadsWeights = ReloadsWeights<T, TWidth, TVector, TMode, TShift>() && !TScale.MayScale;
                    TVector w0 = default, w1 = default, w2 = default, w3 = default;
                    if (TMode.TracksAll && !reloadsWeights)
                    {
                        w0 = TWidth.Subtract(x0, bounds.Shift);
                        w1 = TWidth.Subtract(x1, bounds.Shift);
                        w2 = TWidth.Subtract(x2, bounds.Shift);
                        w3 = TWidth.Subtract(x3, bounds.Shift);
                    }

                    VectorMath.ExpForSumByEighthsFromMagic<TWidth, TVector>(ref x0, ref x1, ref x2, ref x3, TMode.TracksAll ? bounds.ShiftedMagic : shiftedMagic);
                    sum = TWidth.Add(sum, TWidth.Add(TWidth.Add(x0, x1), TWidth.Add(x2, x3)));
                    if (reloadsWeights)
                    {
                        // M_f − x, with x a memory operand (an L1 hit): the negated weights, so the products are
                        // subtracted.
                        TVector shift = bounds.Shift;
                        w0 = TWidth.Subtract(shift, VectorMath.Load<T, TWidth, TVector>(ref source, i));
                        w1 = TWidth.Subtract(shift, VectorMath.Load<T, TWidth, TVector>(ref source, i + (nuint)count));
                        w2 = TWidth.Subtract(shift, VectorMath.Load<T, TWidth, TVector>(ref source, i + (nuint)(2 * count)));
                        w3 = TWidth.Subtract(shift, VectorMath.Load<T, TWidth, TVector>(ref source, i + (nuint)(3 * count)));
                        entropySum = TWidth.Subtract(entropySum, TWidth.Add(
                            TWidth.MultiplyAdd(x0, w0, TWidth.Multiply(x1, w1)),
                            TWidth.MultiplyAdd(x2, w2, TWidth.Multiply(x3, w3))));
                    }
                    else if (TMode.TracksAll)
                    {
                        entropySum = TWidth.Add(entropySum, TWidth.Add(
                            TWidth.MultiplyAdd(x0, w0, TWidth.Multiply(x1, w1)),
                            TWidth.MultiplyAdd(x2, w2, TWidth.Multiply(x3, w3))));
                    }

                    continue;
                }

                TVector d0, d1, d2, d3;
                if (halfRebiasInShift && !scaled)
                {
                    d0 = TWidth.MultiplyAdd(x0, halfRebias, negativeMax);
                    d1 = TWidth.MultiplyAdd(x1, halfRebias, negativeMax);
                    d2 = TWidth.MultiplyAdd(x2, halfRebias, negativeMax);
                    d3 = TWidth.MultiplyAdd(x3, halfRebias, negativeMax);
                    if (TShift.Clamps)
                    {
                        TVector floor = TWidth.Create(VectorMath.ExpArgumentFloor);
                        d0 = TWidth.MaxNative(floor, d0);
                        d1 = TWidth.MaxNative(floor, d1);
                        d2 = TWidth.MaxNative(floor, d2);
                        d3 = TWidth.MaxNative(floor, d3);
                    }
                }
                else
                {
                    TVector groupMaxShift = TMode.TracksAll ? state.Max : max;
                    d0 = TShift.Clamps ? ShiftedLogit<TWidth, TVector>(x0, groupMaxShift) : TWidth.Subtract(x0, groupMaxShift);
                    d1 = TShift.Clamps ? ShiftedLogit<TWidth, TVector>(x1, groupMaxShift) : TWidth.Subtract(x1, groupMaxShift);
                    d2 = TShift.Clamps ? ShiftedLogit<TWidth, TVector>(x2, groupMaxShift) : TWidth.Subtract(x2, groupMaxShift);
                    d3 = TShift.Clamps ? ShiftedLogit<TWidth, TVector>(x3, groupMaxShift) : TWidth.Subtract(x3, groupMaxShift);
                }

                TVector e0 = d0, e1 = d1, e2 = d2, e3 = d3;
                VectorMath.ExpForSum<TWidth, TVector>(ref e0, ref e1, ref e2, ref e3, k);

                // Pairwise combination keeps one add per group on each loop-carried chain.
                sum = TWidth.Add(sum, TWidth.Add(TWidth.Add(e0, e1), TWidth.Add(e2, e3)));
                if (TMode.TracksAll)
                {
                    entropySum = TWidth.Add(entropySum, TWidth.Add(
                        TWidth.MultiplyAdd(e0, d0, TWidth.Multiply(e1, d1)),
                        TWidth.MultiplyAdd(e2, d2, TWidth.Multiply(e3, d3))));
                }
            }

            if (i != foldAt || !foldsHere)
            {
                // A group for the rare path, the end of the groups, or a fold that must rebase.
                break;
            }

            if (foldsShift)
            {
                ToReference<TWidth, TVector, TMode>(ref state, ref bounds, ref sum, ref entropySum);
                state.Sum = TWidth.Create(0f);
                state.EntropySum = TWidth.Create(0f);
            }

            FoldWithoutRebase<TWidth, TVector, TMode>(ref sum, ref entropySum, ref logitSum, folded, logitSums);
            if (TMode.TracksAll)
            {
                CloseRecordBlock<TWidth, TVector>(ref state, groupBest, foldAt - (FoldInterval * groupLength));
            }

            foldAt += FoldInterval * groupLength;
        }

        nextFold = foldAt;
        state.GroupBest = groupBest;
        if (foldsShift)
        {
            ToReference<TWidth, TVector, TMode>(ref state, ref bounds, ref sum, ref entropySum);
        }

        state.Sum = sum;
        state.EntropySum = entropySum;
        state.LogitSum = logitSum;
        state.RankCount = TMode.TracksAll && typeof(TWidth) != typeof(Vector512Width) ? rankCount - TWidth.SumIntegers(rankLanes) : rankCount;
        return i;
    }

    /// <summary>Whether <see cref="RunGroups"/> may test its groups on their raw words (<see cref="WordGroupTest"/>, where
    /// <see cref="UsesWordTest"/> holds): bf16 and fp16 rows in log-sum-exp mode, read as 32-bit words of two elements and
    /// split into floats whose order no sum notices (<see cref="LoadGroup"/>), at every vector width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TestsGroupWords<T, TWidth, TVector, TMode>()
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode =>
        Unsafe.SizeOf<T>() == 2 && !TMode.TracksAll && TWidth.Count > 1;

    /// <summary>Whether the main loop's exp carries the reference maximum in its rounding magic
    /// (<see cref="VectorMath.ExpForSumByEighthsFromMagic{TWidth, TVector}(ref TVector, ref TVector, ref TVector, ref TVector, TVector)"/>) instead of subtracting it from every logit: at AVX2's width
    /// with FMA, in every mode (full statistics subtracts M_f for the entropy's weights, off the exp's chain), except for
    /// fp16 rows in log-sum-exp mode without label smoothing (log-sum-exp, cross-entropy, z-loss), whose rebias rides on
    /// the subtract (see RunGroups). So f32, bf16 and fp16 rows of the same finite values give the same bits in full
    /// statistics (a group with an infinity or NaN takes other paths per element type).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool FoldsShiftIntoExp<T, TWidth, TVector, TMode>()
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode =>
        typeof(TWidth) == typeof(Vector256Width) && (typeof(T) != typeof(Half) || TMode.TracksAll || TMode.TracksLogitSum) && Avx2.IsSupported && Fma.IsSupported;

    /// <summary>Whether full statistics' main loop takes the entropy's weights from the row a second time, after the exp,
    /// rather than holding them across it: f32 rows in the unclamped pass with the folded exp
    /// (<see cref="FoldsShiftIntoExp{T, TWidth, TVector, TMode}"/>), when they are not scaled (<see cref="UnitScale"/>;
    /// the loop then runs in an instantiation of its own). The held weights cost four stores and four loads a group,
    /// since the four exps leave none of AVX2's sixteen registers free; the reloads cost four loads, folded into the
    /// subtracts. The clamped pass holds them, as its weights are of the clamped logits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool ReloadsWeights<T, TWidth, TVector, TMode, TShift>()
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode
        where TShift : IShiftPolicy =>
        TMode.TracksAll && typeof(T) == typeof(float) && !TShift.Clamps && FoldsShiftIntoExp<T, TWidth, TVector, TMode>();

    /// <summary>Sets the folded exp's bounds for the reference maximum m (see <see cref="FoldedReference"/>). False where
    /// |m| is beyond <see cref="FoldedReference.Limit"/> (float.MinValue included).</summary>
    private static bool SetFoldedShift<TWidth, TVector>(ref GroupBounds<TVector> bounds, float reference)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        if (!FoldedReference.TryCreate(reference, out FoldedReference folded))
        {
            return false;
        }

        bounds.ShiftedMagic = TWidth.Create(folded.ShiftedMagic);
        bounds.LogitFloor = TWidth.Create(folded.LogitFloor);
        bounds.ToReference = TWidth.Create(folded.ToReference);
        bounds.Shift = TWidth.Create(folded.Shift);
        bounds.ShiftOffset = TWidth.Create(folded.ShiftOffset);
        return true;
    }

    /// <summary>The folded loop's sums, relative to M with weights x − M_f, moved to the reference maximum m and added to
    /// the sums that came into the loop: S ← S_in + e^(M − m)·S and W ← W_in + e^(M − m)·(W + (M_f − m)·S).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ToReference<TWidth, TVector, TMode>(ref LaneState<TVector> state, ref GroupBounds<TVector> bounds, ref TVector sum, ref TVector entropySum)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode
    {
        if (TMode.TracksAll)
        {
            entropySum = TWidth.MultiplyAdd(TWidth.MultiplyAdd(sum, bounds.ShiftOffset, entropySum), bounds.ToReference, state.EntropySum);
        }

        sum = TWidth.MultiplyAdd(sum, bounds.ToReference, state.Sum);
    }

    /// <summary>Loads the four vectors of a main-loop group. Where only order-free sums are needed (log-sum-exp mode), a
    /// bf16 row is read as 32-bit words of two elements each and split with a shift (even elements) and a mask (odd
    /// elements): two instructions per vector instead of a cross-lane widening shuffle. The lanes then hold the group's
    /// elements in a different order, which no sum notices. Every caller runs inside <see cref="Compute{T, TWidth, TVector, TMode, TShift}"/>'s
    /// <c>fixed</c> block, so the row is pinned, as <see cref="VectorMath.LoadPinned{T, TWidth, TVector}"/> needs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadGroup<T, TWidth, TVector, TMode>(ref T source, nuint i, bool halfLeftScaledDown, out TVector x0, out TVector x1, out TVector x2, out TVector x3)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode
    {
        int count = TWidth.Count;
        if ((typeof(T) == typeof(BFloat16) || typeof(T) == typeof(Half)) && !TMode.TracksAll && count > 1)
        {
            ref float words = ref Unsafe.As<T, float>(ref Unsafe.Add(ref source, i));
            SplitWords<T, TWidth, TVector>(TWidth.LoadSingle(ref words, 0), TWidth.LoadSingle(ref words, (nuint)count), halfLeftScaledDown, out x0, out x1, out x2, out x3);
            return;
        }

        if (typeof(T) == typeof(Half) && count > 1)
        {
            // fp16 through the conversion for finite values (RunGroups sends groups with an infinity or NaN elsewhere),
            // widened in index order.
            x0 = VectorMath.LoadFiniteHalfPinned<T, TWidth, TVector>(ref source, i);
            x1 = VectorMath.LoadFiniteHalfPinned<T, TWidth, TVector>(ref source, i + (nuint)count);
            x2 = VectorMath.LoadFiniteHalfPinned<T, TWidth, TVector>(ref source, i + (nuint)(2 * count));
            x3 = VectorMath.LoadFiniteHalfPinned<T, TWidth, TVector>(ref source, i + (nuint)(3 * count));
            return;
        }

        x0 = VectorMath.LoadPinned<T, TWidth, TVector>(ref source, i);
        x1 = VectorMath.LoadPinned<T, TWidth, TVector>(ref source, i + (nuint)count);
        x2 = VectorMath.LoadPinned<T, TWidth, TVector>(ref source, i + (nuint)(2 * count));
        x3 = VectorMath.LoadPinned<T, TWidth, TVector>(ref source, i + (nuint)(3 * count));
    }

    /// <summary>A group's four vectors from its 2·Count 32-bit words of two bf16 or fp16 elements each (<paramref name="low"/>
    /// and <paramref name="high"/>), where order is free: the even elements (lower halves) in x0 and x2, the odd ones (upper
    /// halves) in x1 and x3. bf16's even elements move up with a shift and its odd ones are kept in place; fp16 goes
    /// through the conversion for finite values from either half, at 2^−112 of its size where
    /// <paramref name="halfLeftScaledDown"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SplitWords<T, TWidth, TVector>(TVector low, TVector high, bool halfLeftScaledDown, out TVector x0, out TVector x1, out TVector x2, out TVector x3)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        if (typeof(T) == typeof(Half))
        {
            x0 = VectorMath.FiniteHalfInLowerBitsScaledDown<TWidth, TVector>(low);
            x1 = VectorMath.FiniteHalfInUpperBitsScaledDown<TWidth, TVector>(low);
            x2 = VectorMath.FiniteHalfInLowerBitsScaledDown<TWidth, TVector>(high);
            x3 = VectorMath.FiniteHalfInUpperBitsScaledDown<TWidth, TVector>(high);
            if (!halfLeftScaledDown)
            {
                TVector rebias = TWidth.Create(VectorMath.HalfRebias);
                x0 = TWidth.Multiply(x0, rebias);
                x1 = TWidth.Multiply(x1, rebias);
                x2 = TWidth.Multiply(x2, rebias);
                x3 = TWidth.Multiply(x3, rebias);
            }

            return;
        }

        // bf16 is the upper half of a binary32.
        TVector upperHalf = TWidth.Create(BitConverter.UInt32BitsToSingle(0xFFFF0000));
        x0 = TWidth.ShiftLeftBits(low, 16);
        x1 = TWidth.BitwiseAnd(low, upperHalf);
        x2 = TWidth.ShiftLeftBits(high, 16);
        x3 = TWidth.BitwiseAnd(high, upperHalf);
    }
}
