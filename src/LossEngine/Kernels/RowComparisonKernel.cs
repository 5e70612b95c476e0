using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using LossEngine.Kernels.Vectors;

namespace LossEngine.Kernels;

/// <summary>What one fused read of a reference row a and a candidate row b yields.</summary>
internal readonly record struct ComparisonSummary(
    double ReferenceLogSumExp,
    double CandidateLogSumExp,
    double KlDivergence,
    int ReferenceArgMax,
    int CandidateArgMax,
    double ReferenceMax = double.NaN,
    double ReferenceLogSum = double.NaN,
    double CandidateMax = double.NaN,
    double CandidateLogSum = double.NaN)
{
    /// <summary>The reference model's loss at <paramref name="targetLogit"/>, kept exact for huge logits as in
    /// <see cref="RowSummary.LossOf"/>.</summary>
    public double ReferenceLossOf(double targetLogit) => new RowSummary(ReferenceLogSumExp, 0, 0, 0, 0, 0, ReferenceMax, ReferenceLogSum).LossOf(targetLogit);

    /// <summary>The candidate model's loss at <paramref name="targetLogit"/>.</summary>
    public double CandidateLossOf(double targetLogit) => new RowSummary(CandidateLogSumExp, 0, 0, 0, 0, 0, CandidateMax, CandidateLogSum).LossOf(targetLogit);
}

/// <summary>
/// KL(p‖q) between softmax(a) and softmax(b) in one pass over both rows.
/// </summary>
/// <remarks>
/// <para>Per lane it keeps s_a = Σ e^(a−m_a), s_b = Σ e^(b−m_b) and w = Σ e^(a−m_a)·((a−m_a) − (b−m_b)), relative to
/// reference maxima m_a and m_b that every lane shares. Then KL = w/S_a − log S_a + log S_b, which stays small when
/// p ≈ q because every term is relative to the row maxima. As in the statistics kernel, a reference is raised only when
/// a value exceeds it by more than <see cref="RescaleMargin"/>, which after a row's first vectors almost never happens;
/// the exact maxima and their first indices are tracked per lane apart, inline, on the rare new records. A raised m_a
/// rescales s_a and w (both kernels use <see cref="LaneSums"/> in the vectors and <see cref="FoldedLanes"/> in the
/// doubles); a raised m_b shifts every (b−m_b) by δ_b, so w ← w − δ_b·s_a.</para>
/// <para>q = 0 where p &gt; 0 (b = −∞, a finite) makes KL = +∞; that is tracked as a per-lane flag, because the term
/// itself would read 0·∞ where both rows mask the same entry. (The unclamped pass that AVX-512, AVX2 and NEON try first
/// tracks no flag: a −∞ candidate makes its sum NaN, and the clamped pass, which does, reads the rows again.) Rows with NaN, +∞, or a
/// maximum at or below float.MinValue go to <see cref="SpecialRowComparison"/>.</para>
/// </remarks>
internal static class RowComparisonKernel
{
    // Vectors between folds of the float lane sums into doubles. The cross sum w adds terms e·d whose d reach tens
    // of units while KL = w/S_a − log S_a + log S_b can be small, so its float rounding grows with the terms a lane
    // holds: 128 per lane (the single lane of the scalar width at V ≈ 130) left KL up to 1.7× the bound the tests
    // check (over 10,000 random row pairs); 32 keeps it within 0.28× at the scalar width and 0.09× at 512 bits (17,000
    // pairs like the property test's), as in the statistics kernel.
    private const int FoldInterval = 32;

    // The clamped pass's weight (a−m_a) − (b−m_b) uses b−m_b (b − M_b,f at AVX2's width) raised to this where it is −∞,
    // so that 0·(…) stays 0 where both rows are masked. It is the lowest finite float, so that every finite b−m_b keeps
    // its value, and the unclamped pass, which takes b−m_b as it is, gives the same weights wherever it succeeds: there
    // a −∞ candidate makes the weight +∞, and the cross sum +∞ or NaN.
    private const float CandidateShiftFloor = float.MinValue;

    /// <summary>A reference maximum is raised only when a value exceeds it by more than this, as in the statistics
    /// kernel's full-statistics mode: terms and weights then stay within e^1 and 1 of those a row's exact maxima give.
    /// Every raise rescales the sums with two exps, and with exact maxima raised on every new record the early vectors
    /// of a row took that path most of the time: a row of 32000 ran at 0.6 of a long row's rate.</summary>
    private const float RescaleMargin = 1f;

    /// <summary>Compares one row pair in one fused read.</summary>
    /// <param name="reference">The reference logits a.</param>
    /// <param name="candidate">The candidate logits b, as long as the reference.</param>
    /// <param name="scale">Both rows are multiplied by this first (1/temperature); 1 skips the multiply.</param>
    /// <param name="startClamped">Start with the clamped pass instead of trying the unclamped one first. The result is
    /// the same either way; only the time differs.</param>
    /// <param name="neededClampedRetry">Set when the unclamped pass ran and failed, so the rows were read again
    /// clamped: the caller may start the rows that follow clamped.</param>
    public static ComparisonSummary Compute<T, TWidth, TVector>(ReadOnlySpan<T> reference, ReadOnlySpan<T> candidate, float scale, bool startClamped, out bool neededClampedRetry)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        // With vscalefps (AVX-512), where the exps carry the references in their rounding magic (AVX2), and where the
        // polynomial floors its power as bits (NEON), the main loop clamps nothing and skips the q = 0 test (see
        // UnclampedShift): a pair whose sums come out non-finite (a −∞ or far-negative logit in either row, a NaN, a +∞)
        // is read again with the clamps, which give the same bits wherever the unclamped pass succeeds.
        neededClampedRetry = false;
        if ((TWidth.ScalesAnyExponent || FoldsShiftIntoExp<TWidth, TVector>() || VectorMath.FloorsPolynomialPower<TWidth, TVector>()) && !startClamped)
        {
            if (Compute<T, TWidth, TVector, UnclampedShift>(reference, candidate, scale) is ComparisonSummary fast)
            {
                return fast;
            }

            neededClampedRetry = true;
        }

        return Compute<T, TWidth, TVector, ClampedShift>(reference, candidate, scale)!.Value;
    }

    /// <summary>Whether the main loop's exps carry the reference maxima in their rounding magic
    /// (<see cref="FoldedReference"/>) instead of subtracting them from every logit: at AVX2's width with FMA. The loop
    /// writes this test out where it branches on it, so that the other widths spend none of their inlining budget on
    /// it; the two must stay equal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool FoldsShiftIntoExp<TWidth, TVector>()
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged =>
        typeof(TWidth) == typeof(Vector256Width) && Avx2.IsSupported && Fma.IsSupported;

    /// <summary>The pass itself. Null only for <see cref="UnclampedShift"/> when the sums are not finite.</summary>
    [SkipLocalsInit]
    private static unsafe ComparisonSummary? Compute<T, TWidth, TVector, TShift>(ReadOnlySpan<T> reference, ReadOnlySpan<T> candidate, float scale)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TShift : IShiftPolicy
    {
        if (reference.Length > RowStatisticsKernel.MaxVectorRowLength)
        {
            return SpecialRowComparison.Compute(reference, candidate, scale);
        }

        int count = TWidth.Count;
        nuint length = (nuint)reference.Length;
        TVector scaleVector = TWidth.Create(scale);
        var referenceLanes = new FoldedLanes(stackalloc double[count], stackalloc double[count], stackalloc float[1]);
        var candidateLanes = new FoldedLanes(stackalloc double[count], stackalloc float[1]);
        ref T a = ref MemoryMarshal.GetReference(reference);
        ref T b = ref MemoryMarshal.GetReference(candidate);
        var state = new PairState<TVector>(TWidth.Create(float.MinValue), TWidth.Create(0f), TWidth.Indices);
        var expConstants = SumExpConstants<TVector>.Create<TWidth>();

        // The vectors run in a method of their own that makes no call, so that the JIT keeps the sums and the exp's
        // constants in registers (on the SysV ABI a call loses every vector register); it returns at each fold, and at
        // AVX2's width also at a vector that would raise a reference.
        nuint vectorsEnd = length - (length % (nuint)count);
        if (vectorsEnd > 0)
        {
            // The references start at the margin above the first vectors' maxima, so those vectors do not raise them
            // and the first fold has nothing to rebase.
            float referenceStart = LaneSums.WithHeadroom(LaneSums.StartingMaximum<T, TWidth, TVector>(ref a, vectorsEnd, scaleVector), RescaleMargin);
            float candidateStart = LaneSums.WithHeadroom(LaneSums.StartingMaximum<T, TWidth, TVector>(ref b, vectorsEnd, scaleVector), RescaleMargin);
            (state.ReferenceMax, state.CandidateMax) = (TWidth.Create(referenceStart), TWidth.Create(candidateStart));
            referenceLanes.Start(referenceStart);
            candidateLanes.Start(candidateStart);
        }

        // At 256 bits RunVectors holds its vectors in registers, and at 128 a spilled vector cannot straddle a line of the
        // 16-byte-aligned stack; at 512 bits it may spill 64-byte vectors, so StackPlacement keeps its frame inside a
        // page, at a fixed alignment (with it, a sweep of the caller's stack moves the 512-bit loop by at most 6 %).
        byte* stackMark = stackalloc byte[StackPlacement.MarkBytes];
        byte* stackPad = stackalloc byte[StackPlacement.PadBytes((nuint)stackMark, StackPlacement.ComparisonOffset)];
        *stackPad = 0;
        nuint nextFold = (nuint)(FoldInterval * count);
        nuint i = 0;
        fixed (T* pinnedReference = reference, pinnedCandidate = candidate)
        {
            // Two rows stream side by side, each prefetched a line at a time ahead of the loads (SoftwarePrefetch gives
            // the distances). On two Zen 5 threads the hardware prefetcher alone did not keep up
            // (bench/results/kernels-amd-epyc-zen5-2vcpu.md); on Zen 3 it lost a fifth to a third of the rate where the
            // two rows lay 128 MiB less 8 KiB apart (kernels-amd-epyc-zen3-2vcpu.md).
            int distance = typeof(TWidth) == typeof(Vector512Width) ? SoftwarePrefetch.ComparisonDistanceBytes : SoftwarePrefetch.DistanceBytes;
            byte* prefetchReference = (byte*)pinnedReference + distance;
            byte* prefetchCandidate = (byte*)pinnedCandidate + distance;
            bool foldsShift = FoldsShiftIntoExp<TWidth, TVector>();
            var bounds = new PairBounds<TVector> { ReferenceFor = float.NaN, CandidateFor = float.NaN };
            while (i < vectorsEnd)
            {
                nuint chunkEnd = Math.Min(nextFold, vectorsEnd);
                if (foldsShift && !SetFoldedShifts<TWidth, TVector>(ref bounds, TWidth.MaxAcross(state.ReferenceMax), TWidth.MaxAcross(state.CandidateMax)))
                {
                    // A reference beyond the folded exp's range (or still float.MinValue, before a row's first finite
                    // logit): up to the next fold a vector at a time, relative to the references themselves.
                    for (; i < chunkEnd; i += (nuint)count)
                    {
                        StepAt<T, TWidth, TVector>(ref state, ref a, ref b, i, scaleVector);
                    }
                }
                else
                {
                    i = RunVectors<T, TWidth, TVector, TShift>(ref state, ref bounds, expConstants, ref a, ref b, prefetchReference, prefetchCandidate, i, chunkEnd, scale != 1f, scaleVector);
                    if (i < chunkEnd)
                    {
                        // The folded loop stops at a vector that raises a reference, which moves the exp's magic.
                        StepAt<T, TWidth, TVector>(ref state, ref a, ref b, i, scaleVector);
                        i += (nuint)count;
                    }
                }

                if (i == nextFold)
                {
                    Fold<TWidth, TVector>(ref state, referenceLanes, candidateLanes);
                    nextFold += (nuint)(FoldInterval * count);
                }
            }
        }

        if (i < length)
        {
            // As in the statistics kernel: an overlapping last vector whose already-counted lanes read −∞ in both rows.
            nuint start = length - (nuint)count;
            TVector fresh = TWidth.GreaterThanOrEqual(TWidth.Indices, TWidth.Create((float)(i - start)));
            TVector negativeInfinity = TWidth.Create(float.NegativeInfinity);
            TVector x = TWidth.ConditionalSelect(fresh, TWidth.Multiply(VectorMath.Load<T, TWidth, TVector>(ref a, start), scaleVector), negativeInfinity);
            TVector y = TWidth.ConditionalSelect(fresh, TWidth.Multiply(VectorMath.Load<T, TWidth, TVector>(ref b, start), scaleVector), negativeInfinity);
            Step<TWidth, TVector>(ref state, x, y, start);
        }

        Fold<TWidth, TVector>(ref state, referenceLanes, candidateLanes);
        return Finish<T, TWidth, TVector, TShift>(ref state, referenceLanes, candidateLanes, reference, candidate, scale);
    }

    /// <summary>Sets the folded exps' bounds for the reference maxima m_a and m_b, unless they are set for these already.
    /// False where either is beyond <see cref="FoldedReference.Limit"/> (float.MinValue included).</summary>
    private static bool SetFoldedShifts<TWidth, TVector>(ref PairBounds<TVector> bounds, float referenceMax, float candidateMax)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        if (referenceMax == bounds.ReferenceFor && candidateMax == bounds.CandidateFor)
        {
            return bounds.Valid;
        }

        bounds.ReferenceFor = referenceMax;
        bounds.CandidateFor = candidateMax;
        bounds.Valid = FoldedReference.TryCreate(referenceMax, out FoldedReference a) & FoldedReference.TryCreate(candidateMax, out FoldedReference b);
        if (bounds.Valid)
        {
            bounds.ReferenceMagic = TWidth.Create(a.ShiftedMagic);
            bounds.CandidateMagic = TWidth.Create(b.ShiftedMagic);
            bounds.ReferenceShift = TWidth.Create(a.Shift);
            bounds.CandidateShift = TWidth.Create(b.Shift);
            bounds.ReferenceFloor = TWidth.Create(a.LogitFloor);
            bounds.CandidateFloor = TWidth.Create(b.LogitFloor);
            bounds.ReferenceToMax = TWidth.Create(a.ToReference);
            bounds.CandidateToMax = TWidth.Create(b.ToReference);
            bounds.CrossOffset = TWidth.Create(a.ShiftOffset - b.ShiftOffset);
        }

        return bounds.Valid;
    }

    /// <summary>One vector pair at <paramref name="i"/> through <see cref="Step"/>, relative to the references
    /// themselves.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StepAt<T, TWidth, TVector>(ref PairState<TVector> state, ref T a, ref T b, nuint i, TVector scale)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        TVector x = TWidth.Multiply(VectorMath.Load<T, TWidth, TVector>(ref a, i), scale);
        TVector y = TWidth.Multiply(VectorMath.Load<T, TWidth, TVector>(ref b, i), scale);
        Step<TWidth, TVector>(ref state, x, y, i);
    }

    /// <summary>The main loop: vector pairs from <paramref name="i"/> up to <paramref name="end"/>; raises of the lane
    /// maxima happen inline and set <see cref="PairState{TVector}.RaisedSinceFold"/>. Returns <paramref name="end"/>;
    /// where the exps carry the references in their magic, the first vector that would raise one; at 512 bits, the odd
    /// last vector of an odd count.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe nuint RunVectors<T, TWidth, TVector, TShift>(ref PairState<TVector> state, ref PairBounds<TVector> bounds, in SumExpConstants<TVector> constants, ref T a, ref T b, byte* prefetchA, byte* prefetchB, nuint i, nuint end, bool scaled, in TVector scaleVector)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TShift : IShiftPolicy
    {
        nuint count = (nuint)TWidth.Count;
        int bytesPerDoubleStep = 2 * TWidth.Count * Unsafe.SizeOf<T>();

        // Where the exps carry the references in their rounding magic, the loop's sums are relative to M_a and M_b (see
        // FoldedReference): they start from 0 and go back to m_a and m_b at the exit, into the sums that came in.
        bool foldsShift = FoldsShiftIntoExp<TWidth, TVector>();
        TVector referenceSum = foldsShift ? TWidth.Create(0f) : state.ReferenceSum;
        TVector candidateSum = foldsShift ? TWidth.Create(0f) : state.CandidateSum;
        TVector crossSum = foldsShift ? TWidth.Create(0f) : state.CrossSum;
        bool raised = false, stoppedToRaise = false;
        SumExpConstants<TVector> k = constants;

        // Two vector pairs a step, under one test for new records (and, where the pass may meet q = 0 entries, for those):
        // at 512 bits the step takes a rare pair's records itself; elsewhere a pair that needs the rare path goes
        // through the one-pair loop below. Except at AVX2's width the four exps run interleaved, with their constants
        // held in registers: at 512 bits by the table of 2^(j/32), elsewhere by the degree-5 polynomial. At AVX2's width,
        // with 16 registers, four interleaved exps beside the sums spill (bench/results/kernels-amd-epyc-zen3-2vcpu.md):
        // there the pairs go through the folded exps a row at a time (AccumulateFoldedTwo).
        nuint doubleStepsEnd = i + ((end - i) / (2 * count) * (2 * count));
        while (true)
        {
            for (; i < doubleStepsEnd; i += 2 * count)
            {
                SoftwarePrefetch.Lines<TWidth, TVector>(prefetchA + (i * (nuint)Unsafe.SizeOf<T>()), bytesPerDoubleStep);
                SoftwarePrefetch.Lines<TWidth, TVector>(prefetchB + (i * (nuint)Unsafe.SizeOf<T>()), bytesPerDoubleStep);

                TVector x0 = VectorMath.LoadPinned<T, TWidth, TVector>(ref a, i);
                TVector y0 = VectorMath.LoadPinned<T, TWidth, TVector>(ref b, i);
                TVector x1 = VectorMath.LoadPinned<T, TWidth, TVector>(ref a, i + count);
                TVector y1 = VectorMath.LoadPinned<T, TWidth, TVector>(ref b, i + count);
                if (scaled)
                {
                    x0 = TWidth.Multiply(x0, scaleVector);
                    y0 = TWidth.Multiply(y0, scaleVector);
                    x1 = TWidth.Multiply(x1, scaleVector);
                    y1 = TWidth.Multiply(y1, scaleVector);
                }

                // The two pairs go one at a time through the single step below where either needs its rare path: that
                // path written out here too put the fp16 loop past NativeAOT's inlining budget.
                bool folds = typeof(TWidth) == typeof(Vector256Width) && Avx2.IsSupported && Fma.IsSupported;
                TVector rare = TWidth.BitwiseOr(TWidth.GreaterThan(TWidth.MaxNative(x0, x1), state.ReferenceBar), TWidth.GreaterThan(TWidth.MaxNative(y0, y1), state.CandidateBar));
                if (TShift.Clamps)
                {
                    rare = TWidth.BitwiseOr(rare, TWidth.BitwiseOr(MaybeUnsupported<TWidth, TVector>(x0, y0), MaybeUnsupported<TWidth, TVector>(x1, y1)));
                }

                if (TWidth.AnyLaneSet(rare))
                {
                    if (typeof(TWidth) != typeof(Vector512Width))
                    {
                        break;
                    }

                    // At 512 bits the records of both pairs are taken here, and a raise moves both references once, to
                    // the larger of the pairs' maxima. Sending the pairs to the one-pair loop would cost this loop the
                    // JIT's inlining budget for the table exp (see AccumulateTwo); taking them here, it has no one-pair
                    // loop at all.
                    LaneSums.TrackArgMax<TWidth, TVector>(ref state.ReferenceBest, ref state.ReferenceArgMax, x0, i);
                    LaneSums.TrackArgMax<TWidth, TVector>(ref state.ReferenceBest, ref state.ReferenceArgMax, x1, i + count);
                    LaneSums.TrackArgMax<TWidth, TVector>(ref state.CandidateBest, ref state.CandidateArgMax, y0, i);
                    LaneSums.TrackArgMax<TWidth, TVector>(ref state.CandidateBest, ref state.CandidateArgMax, y1, i + count);
                    state.RaiseBars<TWidth>();
                    raised |= RaiseBeyondMargin<TWidth, TVector>(ref state.ReferenceMax, ref state.CandidateMax, ref referenceSum, ref candidateSum, ref crossSum, TWidth.MaxNative(x0, x1), TWidth.MaxNative(y0, y1));
                    if (TShift.Clamps)
                    {
                        state.UnsupportedMass = TWidth.BitwiseOr(state.UnsupportedMass, TWidth.BitwiseOr(Unsupported<TWidth, TVector>(x0, y0), Unsupported<TWidth, TVector>(x1, y1)));
                    }
                }

                if (folds)
                {
                    AccumulateFoldedTwo<TWidth, TVector, TShift>(ref referenceSum, ref candidateSum, ref crossSum, x0, y0, x1, y1, ref bounds);
                }
                else
                {
                    AccumulateTwo<TWidth, TVector, TShift>(ref referenceSum, ref candidateSum, ref crossSum, x0, y0, x1, y1, state.ReferenceMax, state.CandidateMax, k);
                }
            }

            if (typeof(TWidth) == typeof(Vector512Width))
            {
                // An odd last vector goes back to the caller, which steps it through StepAt.
                break;
            }

            nuint stop = i < doubleStepsEnd ? i + (2 * count) : end;
            for (; i < stop; i += count)
            {
                // Both rows are pinned while the loop runs (see Compute).
                TVector x = VectorMath.LoadPinned<T, TWidth, TVector>(ref a, i);
                TVector y = VectorMath.LoadPinned<T, TWidth, TVector>(ref b, i);
                if (scaled)
                {
                    // Only with a temperature: the loop is compute-bound, and most calls have none.
                    x = TWidth.Multiply(x, scaleVector);
                    y = TWidth.Multiply(y, scaleVector);
                }

                // One test, one branch for the rare cases: a new record in some lane, or an entry with p > 0 where q = 0
                // (which makes KL infinite; entries masked in both rows stay on the common path). A new record is handled
                // inline: records come in most vectors early in a row, and a return for each would cost short rows half
                // their time. Only a value beyond a reference's margin raises it. The records and the references stay in
                // the state, in memory, read as operands, and the q = 0 flag is set there: the JIT gives every vector
                // live across the loop a register, and held there beside the sums and two exps at 256 bits they push
                // the sums onto the stack, to be stored and reloaded in every iteration. The unclamped pass needs no
                // q = 0 test: there a −∞ candidate makes its sum NaN, and the clamped pass reads the rows again.
                TVector rare = TWidth.BitwiseOr(TWidth.GreaterThan(x, state.ReferenceBar), TWidth.GreaterThan(y, state.CandidateBar));
                if (TWidth.AnyLaneSet(TShift.Clamps ? TWidth.BitwiseOr(rare, MaybeUnsupported<TWidth, TVector>(x, y)) : rare))
                {
                    // FoldsShiftIntoExp's test written out, not the local (see its summary). A raise there moves the
                    // exps' magic, so the vector goes back to the caller; raises are rare after a row's first vectors,
                    // where new records are not.
                    bool folds = typeof(TWidth) == typeof(Vector256Width) && Avx2.IsSupported && Fma.IsSupported;
                    if (folds && BeyondMargin<TWidth, TVector>(state.ReferenceMax, state.CandidateMax, x, y))
                    {
                        stoppedToRaise = true;
                        break;
                    }

                    LaneSums.TrackArgMax<TWidth, TVector>(ref state.ReferenceBest, ref state.ReferenceArgMax, x, i);
                    LaneSums.TrackArgMax<TWidth, TVector>(ref state.CandidateBest, ref state.CandidateArgMax, y, i);
                    state.RaiseBars<TWidth>();
                    if (!folds)
                    {
                        raised |= RaiseBeyondMargin<TWidth, TVector>(ref state.ReferenceMax, ref state.CandidateMax, ref referenceSum, ref candidateSum, ref crossSum, x, y);
                    }

                    state.UnsupportedMass = TWidth.BitwiseOr(state.UnsupportedMass, Unsupported<TWidth, TVector>(x, y));
                }

                if (typeof(TWidth) == typeof(Vector256Width) && Avx2.IsSupported && Fma.IsSupported)
                {
                    AccumulateFolded<TWidth, TVector, TShift>(ref referenceSum, ref candidateSum, ref crossSum, x, y, ref bounds);
                }
                else
                {
                    Accumulate<TWidth, TVector, TShift>(ref referenceSum, ref candidateSum, ref crossSum, x, y, state.ReferenceMax, state.CandidateMax, k);
                }
            }

            if (i >= end || stoppedToRaise)
            {
                break;
            }
        }

        if (foldsShift)
        {
            // s_a ← s_a,in + e^(M_a − m_a)·s_a, w ← w_in + e^(M_a − m_a)·(w + c·s_a) with c = (M_a,f − m_a) − (M_b,f − m_b),
            // s_b ← s_b,in + e^(M_b − m_b)·s_b.
            crossSum = TWidth.MultiplyAdd(TWidth.MultiplyAdd(referenceSum, bounds.CrossOffset, crossSum), bounds.ReferenceToMax, state.CrossSum);
            referenceSum = TWidth.MultiplyAdd(referenceSum, bounds.ReferenceToMax, state.ReferenceSum);
            candidateSum = TWidth.MultiplyAdd(candidateSum, bounds.CandidateToMax, state.CandidateSum);
        }

        state.ReferenceSum = referenceSum;
        state.CandidateSum = candidateSum;
        state.CrossSum = crossSum;
        state.RaisedSinceFold |= raised;
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<TWidth, TVector>(ref PairState<TVector> state, TVector x, TVector y, nuint start)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        if (TWidth.GreaterThanAny(x, state.ReferenceBar) || TWidth.GreaterThanAny(y, state.CandidateBar))
        {
            LaneSums.TrackArgMax<TWidth, TVector>(ref state.ReferenceBest, ref state.ReferenceArgMax, x, start);
            LaneSums.TrackArgMax<TWidth, TVector>(ref state.CandidateBest, ref state.CandidateArgMax, y, start);
            state.RaiseBars<TWidth>();
            state.RaisedSinceFold |= RaiseBeyondMargin<TWidth, TVector>(ref state.ReferenceMax, ref state.CandidateMax, ref state.ReferenceSum, ref state.CandidateSum, ref state.CrossSum, x, y);
        }

        state.UnsupportedMass = TWidth.BitwiseOr(state.UnsupportedMass, Unsupported<TWidth, TVector>(x, y));
        Accumulate<TWidth, TVector, ClampedShift>(ref state.ReferenceSum, ref state.CandidateSum, ref state.CrossSum, x, y, state.ReferenceMax, state.CandidateMax, SumExpConstants<TVector>.Create<TWidth>());
    }

    /// <summary>Adds two vector pairs' terms, with the four exps interleaved: as two <see cref="Accumulate"/> calls in a
    /// row would (the same operations in the same order), except at 512 bits, where the exps take the table of 2^(j/32)
    /// (<see cref="VectorMath.ExpForSum{TWidth, TVector}(ref TVector, ref TVector, ref TVector, ref TVector, in SumExpConstants{TVector})"/>)
    /// instead of the degree-5 polynomial: three steps fewer on each exp's chain, which is what this loop waits on
    /// (bench/results/kernels-amd-epyc-zen5-2vcpu.md).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateTwo<TWidth, TVector, TShift>(ref TVector referenceSum, ref TVector candidateSum, ref TVector crossSum, TVector x0, TVector y0, TVector x1, TVector y1, TVector referenceMax, TVector candidateMax, in SumExpConstants<TVector> k)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TShift : IShiftPolicy
    {
        // The clamped pass raises x − m to the exp's floor; the unclamped one (AVX-512, NEON) takes it as it is, since its
        // exp gives a term of 0 or a non-finite sum for it (vscalefps, or VectorMath.FloorsPolynomialPower): the same term
        // wherever the sums stay finite. Written out, not a helper: each inlined call counts against the fp16 loop's inlining budget.
        TVector floor = TWidth.Create(VectorMath.ExpArgumentFloor);
        TVector shiftedReference0 = TWidth.Subtract(x0, referenceMax);
        TVector shiftedCandidate0 = TWidth.Subtract(y0, candidateMax);
        TVector shiftedReference1 = TWidth.Subtract(x1, referenceMax);
        TVector shiftedCandidate1 = TWidth.Subtract(y1, candidateMax);
        TVector f0 = shiftedCandidate0, f1 = shiftedCandidate1;
        if (TShift.Clamps)
        {
            shiftedReference0 = TWidth.MaxNative(floor, shiftedReference0);
            shiftedReference1 = TWidth.MaxNative(floor, shiftedReference1);
            f0 = TWidth.MaxNative(floor, f0);
            f1 = TWidth.MaxNative(floor, f1);
        }

        // The width's test written out as a type test, which the other widths' loops fold without spending inlining
        // budget on it (NativeAOT's fp16 loops at 128 and 256 bits have none to spare).
        TVector e0 = shiftedReference0, e1 = shiftedReference1;
        if (typeof(TWidth) == typeof(Vector512Width) && Avx512F.IsSupported)
        {
            TVector d0 = TWidth.Subtract(shiftedReference0, TShift.Clamps ? TWidth.MaxNative(TWidth.Create(CandidateShiftFloor), shiftedCandidate0) : shiftedCandidate0);
            TVector d1 = TWidth.Subtract(shiftedReference1, TShift.Clamps ? TWidth.MaxNative(TWidth.Create(CandidateShiftFloor), shiftedCandidate1) : shiftedCandidate1);
            VectorMath.ExpForSum<TWidth, TVector>(ref e0, ref f0, ref e1, ref f1, k);
            referenceSum = TWidth.Add(TWidth.Add(referenceSum, e0), e1);
            candidateSum = TWidth.Add(TWidth.Add(candidateSum, f0), f1);
            crossSum = TWidth.MultiplyAdd(e1, d1, TWidth.MultiplyAdd(e0, d0, crossSum));
        }
        else
        {
            VectorMath.ExpForSumByPolynomial<TWidth, TVector>(ref e0, ref f0, ref e1, ref f1, k);
            AddTerms<TWidth, TVector, TShift>(ref referenceSum, ref candidateSum, ref crossSum, e0, f0, shiftedReference0, shiftedCandidate0);
            AddTerms<TWidth, TVector, TShift>(ref referenceSum, ref candidateSum, ref crossSum, e1, f1, shiftedReference1, shiftedCandidate1);
        }
    }

    /// <summary>Adds one vector pair's terms, assuming no lane exceeds the running maxima.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate<TWidth, TVector, TShift>(ref TVector referenceSum, ref TVector candidateSum, ref TVector crossSum, TVector x, TVector y, TVector referenceMax, TVector candidateMax, in SumExpConstants<TVector> k)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TShift : IShiftPolicy
    {
        // Clamped only in the clamped pass, as in AccumulateTwo.
        TVector floor = TWidth.Create(VectorMath.ExpArgumentFloor);
        TVector shiftedReference = TWidth.Subtract(x, referenceMax);
        TVector shiftedCandidate = TWidth.Subtract(y, candidateMax);
        TVector f = shiftedCandidate;
        if (TShift.Clamps)
        {
            shiftedReference = TWidth.MaxNative(floor, shiftedReference);
            f = TWidth.MaxNative(floor, f);
        }

        TVector e = shiftedReference;

        // The eighths form at AVX2's width, the polynomial elsewhere, tested as IVectorWidth.PowerOfEighths says: a width
        // property here would charge both forms to the loop's inlining budget, which the fp16 loop does not have
        // (eng/check-native-loops.py finds the calls NativeAOT then leaves).
        if (typeof(TWidth) == typeof(Vector256Width) && Avx2.IsSupported && Fma.IsSupported)
        {
            e = VectorMath.ExpForSumByEighths<TWidth, TVector>(e);
            f = VectorMath.ExpForSumByEighths<TWidth, TVector>(f);
        }
        else
        {
            e = VectorMath.ExpForSumByPolynomial<TWidth, TVector>(e, k);
            f = VectorMath.ExpForSumByPolynomial<TWidth, TVector>(f, k);
        }

        AddTerms<TWidth, TVector, TShift>(ref referenceSum, ref candidateSum, ref crossSum, e, f, shiftedReference, shiftedCandidate);
    }

    /// <summary>Adds one vector pair's terms e = e^(a − M_a) and f = e^(b − M_b), with the exps' references in their
    /// magic (<see cref="FoldedReference"/>), and the weight (a − M_a,f) − (b − M_b,f), assuming no lane exceeds the
    /// references by more than the margin.</summary>
    /// <remarks>The weights are off the exps' chains. The clamped pass raises the logits the exps take to M − 105 (terms
    /// exactly 0, as the unclamped pass's far-below terms are), the reference's weight with them, and the candidate's
    /// weight to <see cref="CandidateShiftFloor"/>, so that −∞ in both rows adds 0·(finite).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateFolded<TWidth, TVector, TShift>(ref TVector referenceSum, ref TVector candidateSum, ref TVector crossSum, TVector x, TVector y, ref PairBounds<TVector> bounds)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TShift : IShiftPolicy
    {
        // The logits in the right-hand slot of each maximum: a NaN survives it and poisons the sums.
        TVector candidateWeight = TWidth.Subtract(y, bounds.CandidateShift);
        if (TShift.Clamps)
        {
            x = TWidth.MaxNative(bounds.ReferenceFloor, x);
            y = TWidth.MaxNative(bounds.CandidateFloor, y);
            candidateWeight = TWidth.MaxNative(TWidth.Create(CandidateShiftFloor), candidateWeight);
        }

        TVector difference = TWidth.Subtract(TWidth.Subtract(x, bounds.ReferenceShift), candidateWeight);
        TVector e = VectorMath.ExpForSumByEighthsFromMagic<TWidth, TVector>(x, bounds.ReferenceMagic);
        TVector f = VectorMath.ExpForSumByEighthsFromMagic<TWidth, TVector>(y, bounds.CandidateMagic);
        referenceSum = TWidth.Add(referenceSum, e);
        candidateSum = TWidth.Add(candidateSum, f);
        crossSum = TWidth.MultiplyAdd(e, difference, crossSum);
    }

    /// <summary>Two vector pairs through <see cref="AccumulateFolded"/>, the same operations giving each sum the same
    /// terms in the same order, grouped by row: each bound is read once for both pairs and is then dead, where two
    /// calls in a row would keep the first call's bounds alive, on the stack, for the second.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateFoldedTwo<TWidth, TVector, TShift>(ref TVector referenceSum, ref TVector candidateSum, ref TVector crossSum, TVector x0, TVector y0, TVector x1, TVector y1, ref PairBounds<TVector> bounds)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TShift : IShiftPolicy
    {
        TVector candidateWeight0 = TWidth.Subtract(y0, bounds.CandidateShift);
        TVector candidateWeight1 = TWidth.Subtract(y1, bounds.CandidateShift);
        if (TShift.Clamps)
        {
            x0 = TWidth.MaxNative(bounds.ReferenceFloor, x0);
            x1 = TWidth.MaxNative(bounds.ReferenceFloor, x1);
            y0 = TWidth.MaxNative(bounds.CandidateFloor, y0);
            y1 = TWidth.MaxNative(bounds.CandidateFloor, y1);
            candidateWeight0 = TWidth.MaxNative(TWidth.Create(CandidateShiftFloor), candidateWeight0);
            candidateWeight1 = TWidth.MaxNative(TWidth.Create(CandidateShiftFloor), candidateWeight1);
        }

        TVector difference0 = TWidth.Subtract(TWidth.Subtract(x0, bounds.ReferenceShift), candidateWeight0);
        TVector difference1 = TWidth.Subtract(TWidth.Subtract(x1, bounds.ReferenceShift), candidateWeight1);
        TVector e0 = VectorMath.ExpForSumByEighthsFromMagic<TWidth, TVector>(x0, bounds.ReferenceMagic);
        TVector e1 = VectorMath.ExpForSumByEighthsFromMagic<TWidth, TVector>(x1, bounds.ReferenceMagic);
        referenceSum = TWidth.Add(TWidth.Add(referenceSum, e0), e1);
        crossSum = TWidth.MultiplyAdd(e1, difference1, TWidth.MultiplyAdd(e0, difference0, crossSum));
        TVector f0 = VectorMath.ExpForSumByEighthsFromMagic<TWidth, TVector>(y0, bounds.CandidateMagic);
        TVector f1 = VectorMath.ExpForSumByEighthsFromMagic<TWidth, TVector>(y1, bounds.CandidateMagic);
        candidateSum = TWidth.Add(TWidth.Add(candidateSum, f0), f1);
    }

    /// <summary>Adds the terms e = e^(a−m_a) and f = e^(b−m_b) of one vector pair to the sums.</summary>
    /// <remarks>The unclamped pass takes the weight's b−m_b as it is, without the clamped pass's floor: it skips the
    /// q = 0 test, and a −∞ candidate must poison its sums. Its term f is no help there at 512 bits: e^−∞ reduces to
    /// a NaN scaled by 2^−∞, which <c>vscalefps</c> makes +0. The weight is then +∞, so the cross
    /// sum turns +∞ (p &gt; 0) or NaN (both rows masked), and the clamped pass reads the rows again.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTerms<TWidth, TVector, TShift>(ref TVector referenceSum, ref TVector candidateSum, ref TVector crossSum, TVector e, TVector f, TVector shiftedReference, TVector shiftedCandidate)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TShift : IShiftPolicy
    {
        referenceSum = TWidth.Add(referenceSum, e);
        candidateSum = TWidth.Add(candidateSum, f);
        TVector candidateWeight = TShift.Clamps ? TWidth.MaxNative(TWidth.Create(CandidateShiftFloor), shiftedCandidate) : shiftedCandidate;
        crossSum = TWidth.MultiplyAdd(e, TWidth.Subtract(shiftedReference, candidateWeight), crossSum);
    }

    /// <summary>A cheap superset of <see cref="Unsupported"/> for the clamped main loop's test, in two operations where the exact
    /// mask takes three: y − x is −∞ where y = −∞ and x is finite, and NaN where both are −∞ (masked in both rows, p = q =
    /// 0), which stays on the common path. It also holds where a finite y − x overflows (values near ±float.MaxValue);
    /// the rare path then finds no unsupported lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector MaybeUnsupported<TWidth, TVector>(TVector x, TVector y)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged =>
        TWidth.LessThan(TWidth.Subtract(y, x), TWidth.Create(float.MinValue));

    /// <summary>The lanes where p &gt; 0 while q = 0: b = −∞ while a is not.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Unsupported<TWidth, TVector>(TVector x, TVector y)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged =>
        TWidth.BitwiseAnd(TWidth.LessThan(y, TWidth.Create(float.MinValue)), TWidth.GreaterThan(x, TWidth.Create(float.NegativeInfinity)));

    /// <summary>Raises both shared references, each to the margin above the largest value its row has shown where that
    /// is above it (<see cref="LaneSums.RaisedReference{TWidth, TVector}"/>), where x or y exceeds its reference by more than the margin:
    /// rescales the sums to the new references and moves the cross sum with the candidate's shift. Returns
    /// whether it raised.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool RaiseBeyondMargin<TWidth, TVector>(ref TVector referenceMax, ref TVector candidateMax, ref TVector referenceSum, ref TVector candidateSum, ref TVector crossSum, TVector x, TVector y)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        if (!BeyondMargin<TWidth, TVector>(referenceMax, candidateMax, x, y))
        {
            return false;
        }

        TVector oldReference = referenceMax;
        TVector newReference = LaneSums.RaisedReference<TWidth, TVector>(oldReference, x, RescaleMargin);
        LaneSums.Rescale<TWidth, TVector>(oldReference, newReference, ref referenceSum, ref crossSum);
        referenceMax = newReference;

        // A raised m_b shifts every weight (a−m_a) − (b−m_b) by δ_b, which moves w by −δ_b·s_a.
        TVector oldCandidate = candidateMax;
        TVector newCandidate = LaneSums.RaisedReference<TWidth, TVector>(oldCandidate, y, RescaleMargin);
        TVector deltaCandidate = TWidth.MaxNative(TWidth.Create(CandidateShiftFloor), TWidth.Subtract(oldCandidate, newCandidate));
        crossSum = TWidth.Subtract(crossSum, TWidth.Multiply(deltaCandidate, referenceSum));
        LaneSums.Rescale<TWidth, TVector>(oldCandidate, newCandidate, ref candidateSum);
        candidateMax = newCandidate;
        return true;
    }

    /// <summary>Whether x or y exceeds its reference by more than the margin in some lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool BeyondMargin<TWidth, TVector>(TVector referenceMax, TVector candidateMax, TVector x, TVector y)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        TVector margin = TWidth.Create(RescaleMargin);
        return TWidth.GreaterThanAny(x, TWidth.Add(referenceMax, margin)) || TWidth.GreaterThanAny(y, TWidth.Add(candidateMax, margin));
    }

    /// <summary>Moves the float lane sums into the per-lane doubles, after rebasing those to the current references if
    /// either rose since the last fold.</summary>
    private static void Fold<TWidth, TVector>(ref PairState<TVector> state, FoldedLanes referenceLanes, FoldedLanes candidateLanes)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        if (state.RaisedSinceFold)
        {
            // Every lane holds the same references, so any lane of them is the shared maximum.
            float candidateMax = TWidth.MaxAcross(state.CandidateMax);
            float foldedCandidateMax = candidateLanes.Maximum;
            referenceLanes.Rebase(TWidth.MaxAcross(state.ReferenceMax));
            if (candidateMax != foldedCandidateMax)
            {
                // The double w moves with m_b as the float one does in RaiseBeyondMargin: by −δ_b·s_a.
                double deltaCandidate = (double)foldedCandidateMax - candidateMax;
                Span<double> referenceSums = referenceLanes.Sums;
                Span<double> crossSums = referenceLanes.WeightedSums;
                for (int lane = 0; lane < referenceSums.Length; lane++)
                {
                    if (referenceSums[lane] != 0)
                    {
                        crossSums[lane] -= deltaCandidate * referenceSums[lane];
                    }
                }
            }

            candidateLanes.Rebase(candidateMax);
            state.RaisedSinceFold = false;
        }

        // The folded lanes are relative to the same references as the float sums now, so the fold is just the adds.
        referenceLanes.Add<TWidth, TVector>(state.ReferenceSum, state.CrossSum);
        candidateLanes.Add<TWidth, TVector>(state.CandidateSum, default);
        (state.ReferenceSum, state.CandidateSum, state.CrossSum) = (TWidth.Create(0f), TWidth.Create(0f), TWidth.Create(0f));
    }

    [SkipLocalsInit]
    private static ComparisonSummary? Finish<T, TWidth, TVector, TShift>(ref PairState<TVector> state, FoldedLanes referenceLanes, FoldedLanes candidateLanes, ReadOnlySpan<T> reference, ReadOnlySpan<T> candidate, float scale)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TShift : IShiftPolicy
    {
        // All lanes share the references, so combining them needs no exp.
        float referenceMax = referenceLanes.Maximum;
        float candidateMax = candidateLanes.Maximum;
        (double referenceSum, double crossSum) = referenceLanes.Combine();
        double candidateSum = candidateLanes.Combine().Sum;
        if (!TShift.Clamps && !(double.IsFinite(referenceSum) && double.IsFinite(candidateSum) && double.IsFinite(crossSum)))
        {
            // A −∞ or far-negative logit, a NaN or a +∞ in either row, or a weight that overflowed: the clamped pass
            // decides.
            return null;
        }

        if (!(referenceMax > float.MinValue) || !(candidateMax > float.MinValue)
            || !double.IsFinite(referenceSum) || !double.IsFinite(candidateSum) || double.IsNaN(crossSum))
        {
            return SpecialRowComparison.Compute(reference, candidate, scale);
        }

        int count = TWidth.Count;
        Span<float> unsupported = stackalloc float[count];
        LaneSums.Store<TWidth, TVector>(state.UnsupportedMass, unsupported);
        bool infinite = false;
        foreach (float lane in unsupported)
        {
            infinite |= BitConverter.SingleToUInt32Bits(lane) != 0;
        }

        // Every lane's exact maximum carries its first index (a record takes only a strictly greater value).
        int bestReference = LaneSums.ArgMax<TWidth, TVector>(state.ReferenceBest, state.ReferenceArgMax).Index;
        int bestCandidate = LaneSums.ArgMax<TWidth, TVector>(state.CandidateBest, state.CandidateArgMax).Index;
        double referenceLogSum = Math.Log(referenceSum);
        double candidateLogSum = Math.Log(candidateSum);
        double kl = infinite ? double.PositiveInfinity : Math.Max(0, (crossSum / referenceSum) - referenceLogSum + candidateLogSum);
        return new ComparisonSummary(referenceMax + referenceLogSum, candidateMax + candidateLogSum, kl, bestReference, bestCandidate, referenceMax, referenceLogSum, candidateMax, candidateLogSum);
    }

    /// <summary>The running state of a row pair: the shared references, the lane sums, and per lane the exact maxima
    /// with their first indices.</summary>
    private struct PairState<TVector>(TVector lowest, TVector zero, TVector indices)
        where TVector : unmanaged
    {
        public TVector ReferenceMax = lowest;
        public TVector CandidateMax = lowest;
        public TVector ReferenceSum = zero;
        public TVector CandidateSum = zero;
        public TVector CrossSum = zero;
        public TVector ReferenceBest = lowest;
        public TVector CandidateBest = lowest;
        public TVector ReferenceArgMax = indices;
        public TVector CandidateArgMax = indices;
        public TVector UnsupportedMass = zero;

        /// <summary>The largest of <see cref="ReferenceBest"/>'s lanes, in every lane: the bar a vector must pass to take
        /// the record path. Only a value above every value before it can be the row's first maximum, so the lanes below
        /// it need not be recorded; against each lane's own maximum, 16 lanes at 512 bits met a record in most of a
        /// short row's vectors.</summary>
        public TVector ReferenceBar = lowest;

        /// <summary>As <see cref="ReferenceBar"/>, of <see cref="CandidateBest"/>.</summary>
        public TVector CandidateBar = lowest;

        /// <summary>Set when a reference rises, cleared by the fold that rebases the doubles to it.</summary>
        public bool RaisedSinceFold;

        /// <summary>Raises both bars to the largest lane maxima, after the records were taken.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void RaiseBars<TWidth>()
            where TWidth : IVectorWidth<TVector>
        {
            ReferenceBar = TWidth.Create(TWidth.MaxAcross(ReferenceBest));
            CandidateBar = TWidth.Create(TWidth.MaxAcross(CandidateBest));
        }
    }

    /// <summary>Where the exps carry the references in their rounding magic (<see cref="FoldsShiftIntoExp"/>): per row the
    /// magic less k, M rounded to float (the weights' shift), the floor a clamping pass raises logits to, and
    /// e^(M − m); and the weights' offset (M_a,f − m_a) − (M_b,f − m_b). The main loop reads them from memory, as
    /// operands. Set by <see cref="SetFoldedShifts"/> for the references m_a and m_b, which it keeps.</summary>
    private struct PairBounds<TVector>
        where TVector : unmanaged
    {
        public TVector ReferenceMagic;
        public TVector CandidateMagic;
        public TVector ReferenceShift;
        public TVector CandidateShift;
        public TVector ReferenceFloor;
        public TVector CandidateFloor;
        public TVector ReferenceToMax;
        public TVector CandidateToMax;
        public TVector CrossOffset;
        public float ReferenceFor;
        public float CandidateFor;
        public bool Valid;
    }
}
