using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
/// <para>Per lane it keeps running maxima m_a, m_b and s_a = Σ e^(a−m_a), s_b = Σ e^(b−m_b),
/// w = Σ e^(a−m_a)·((a−m_a) − (b−m_b)). Then KL = w/S_a − log S_a + log S_b, which stays small when p ≈ q because
/// every term is relative to the row maxima. A raised m_a rescales s_a and w as in the statistics kernel (both use
/// <see cref="LaneSums"/> in the vectors and <see cref="FoldedLanes"/> in the doubles); a raised m_b shifts every
/// (b−m_b) by δ_b, so w ← w − δ_b·s_a.</para>
/// <para>q = 0 where p &gt; 0 (b = −∞, a finite) makes KL = +∞; that is tracked as a per-lane flag, because the term
/// itself would read 0·∞ where both rows mask the same entry. Rows with NaN, +∞, or a maximum at or below
/// float.MinValue go to <see cref="SpecialRowComparison"/>.</para>
/// </remarks>
internal static class RowComparisonKernel
{
    // Vectors between folds of the float lane sums into doubles. The cross sum w adds terms e·d whose d reach tens
    // of units while KL = w/S_a − log S_a + log S_b can be small, so its float rounding grows with the terms a lane
    // holds: 128 per lane (the single lane of the scalar width at V ≈ 130) left KL up to 1.7× the bound the tests
    // check (over 10,000 random row pairs); 32 keeps it within 0.52× (over 17,000), as the statistics kernel's sums.
    private const int FoldInterval = 32;

    // (a−m_a) − (b−m_b) uses b−m_b clamped here instead of −∞, so 0·(…) stays 0 where both rows are masked.
    private const float CandidateShiftFloor = -3e38f;

    [SkipLocalsInit]
    public static unsafe ComparisonSummary Compute<T, TWidth, TVector>(ReadOnlySpan<T> reference, ReadOnlySpan<T> candidate, float scale)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        if (reference.Length > RowStatisticsKernel.MaxVectorRowLength)
        {
            return SpecialRowComparison.Compute(reference, candidate, scale);
        }

        int count = TWidth.Count;
        nuint length = (nuint)reference.Length;
        TVector scaleVector = TWidth.Create(scale);
        var referenceLanes = new FoldedLanes(stackalloc double[count], stackalloc double[count], stackalloc float[count]);
        var candidateLanes = new FoldedLanes(stackalloc double[count], stackalloc float[count]);
        ref T a = ref MemoryMarshal.GetReference(reference);
        ref T b = ref MemoryMarshal.GetReference(candidate);
        var state = new PairState<TVector>(
            TWidth.Create(float.MinValue),
            TWidth.Create(float.MinValue),
            TWidth.Create(0f),
            TWidth.Create(0f),
            TWidth.Create(0f),
            TWidth.Indices,
            TWidth.Indices,
            TWidth.Create(0f));
        var expConstants = SumExpConstants<TVector>.Create<TWidth>();

        // The vectors run in a method of their own that makes no call, so that the JIT keeps the sums and every
        // constant in registers (on the SysV ABI a call loses every vector register); it returns at each fold.
        nuint vectorsEnd = length - (length % (nuint)count);
        nuint nextFold = (nuint)(FoldInterval * count);
        nuint i = 0;
        fixed (T* pinnedReference = reference, pinnedCandidate = candidate)
        {
            // Two rows stream side by side, each prefetched as the statistics kernel prefetches its row: on two threads
            // the hardware prefetcher alone does not keep up (bench/results/kernels-amd-epyc-zen5-2vcpu.md).
            byte* prefetchReference = (byte*)pinnedReference + SoftwarePrefetch.DistanceBytes;
            byte* prefetchCandidate = (byte*)pinnedCandidate + SoftwarePrefetch.DistanceBytes;
            while (i < vectorsEnd)
            {
                i = RunVectors<T, TWidth, TVector>(ref state, expConstants, ref a, ref b, prefetchReference, prefetchCandidate, i, Math.Min(nextFold, vectorsEnd), scale);
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
        return Finish<T, TWidth, TVector>(ref state, referenceLanes, candidateLanes, reference, candidate, scale);
    }

    /// <summary>The main loop: vector pairs from <paramref name="i"/> up to <paramref name="end"/>; raises of the lane
    /// maxima happen inline and set <see cref="PairState{TVector}.RaisedSinceFold"/>. Returns <paramref name="end"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe nuint RunVectors<T, TWidth, TVector>(ref PairState<TVector> state, in SumExpConstants<TVector> constants, ref T a, ref T b, byte* prefetchA, byte* prefetchB, nuint i, nuint end, float scale)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        nuint count = (nuint)TWidth.Count;
        int bytesPerDoubleStep = 2 * TWidth.Count * Unsafe.SizeOf<T>();
        bool scaled = scale != 1f;
        TVector scaleVector = TWidth.Create(scale);
        TVector referenceMax = state.ReferenceMax, candidateMax = state.CandidateMax;
        TVector referenceSum = state.ReferenceSum, candidateSum = state.CandidateSum, crossSum = state.CrossSum;
        TVector referenceArgMax = state.ReferenceArgMax, candidateArgMax = state.CandidateArgMax;
        TVector unsupported = state.UnsupportedMass;
        bool raised = false;
        SumExpConstants<TVector> k = constants;

        // Two vector pairs a step, so that four exps run interleaved (see VectorMath.ExpForSumByPolynomial of four
        // vectors: the table exp needs more registers than this loop has left); a step that raises a maximum takes the
        // pairs one after the other, as the loop below does.
        nuint doubleStepsEnd = i + ((end - i) / (2 * count) * (2 * count));
        for (; i < doubleStepsEnd; i += 2 * count)
        {
            SoftwarePrefetch.Lines<TWidth, TVector>(prefetchA + (i * (nuint)Unsafe.SizeOf<T>()), bytesPerDoubleStep);
            SoftwarePrefetch.Lines<TWidth, TVector>(prefetchB + (i * (nuint)Unsafe.SizeOf<T>()), bytesPerDoubleStep);
            TVector x0 = VectorMath.Load<T, TWidth, TVector>(ref a, i);
            TVector y0 = VectorMath.Load<T, TWidth, TVector>(ref b, i);
            TVector x1 = VectorMath.Load<T, TWidth, TVector>(ref a, i + count);
            TVector y1 = VectorMath.Load<T, TWidth, TVector>(ref b, i + count);
            if (scaled)
            {
                x0 = TWidth.Multiply(x0, scaleVector);
                y0 = TWidth.Multiply(y0, scaleVector);
                x1 = TWidth.Multiply(x1, scaleVector);
                y1 = TWidth.Multiply(y1, scaleVector);
            }

            if (TWidth.GreaterThanAny(TWidth.MaxNative(x0, x1), referenceMax) || TWidth.GreaterThanAny(TWidth.MaxNative(y0, y1), candidateMax))
            {
                // Inline: new lane maxima come in most vectors early in a row, and a return for each would cost short
                // rows half their time.
                if (TWidth.GreaterThanAny(x0, referenceMax) || TWidth.GreaterThanAny(y0, candidateMax))
                {
                    Raise<TWidth, TVector>(ref referenceMax, ref candidateMax, ref referenceSum, ref candidateSum, ref crossSum, ref referenceArgMax, ref candidateArgMax, x0, y0, i);
                }

                Accumulate<TWidth, TVector>(ref referenceSum, ref candidateSum, ref crossSum, ref unsupported, x0, y0, referenceMax, candidateMax, k);
                if (TWidth.GreaterThanAny(x1, referenceMax) || TWidth.GreaterThanAny(y1, candidateMax))
                {
                    Raise<TWidth, TVector>(ref referenceMax, ref candidateMax, ref referenceSum, ref candidateSum, ref crossSum, ref referenceArgMax, ref candidateArgMax, x1, y1, i + count);
                }

                Accumulate<TWidth, TVector>(ref referenceSum, ref candidateSum, ref crossSum, ref unsupported, x1, y1, referenceMax, candidateMax, k);
                raised = true;
                continue;
            }

            AccumulateTwo<TWidth, TVector>(ref referenceSum, ref candidateSum, ref crossSum, ref unsupported, x0, y0, x1, y1, referenceMax, candidateMax, k);
        }

        for (; i < end; i += count)
        {
            TVector x = VectorMath.Load<T, TWidth, TVector>(ref a, i);
            TVector y = VectorMath.Load<T, TWidth, TVector>(ref b, i);
            if (scaled)
            {
                // Only with a temperature: the loop is compute-bound, and most calls have none.
                x = TWidth.Multiply(x, scaleVector);
                y = TWidth.Multiply(y, scaleVector);
            }

            if (TWidth.GreaterThanAny(x, referenceMax) || TWidth.GreaterThanAny(y, candidateMax))
            {
                Raise<TWidth, TVector>(ref referenceMax, ref candidateMax, ref referenceSum, ref candidateSum, ref crossSum, ref referenceArgMax, ref candidateArgMax, x, y, i);
                raised = true;
            }

            Accumulate<TWidth, TVector>(ref referenceSum, ref candidateSum, ref crossSum, ref unsupported, x, y, referenceMax, candidateMax, k);
        }

        state.ReferenceMax = referenceMax;
        state.CandidateMax = candidateMax;
        state.ReferenceSum = referenceSum;
        state.CandidateSum = candidateSum;
        state.CrossSum = crossSum;
        state.ReferenceArgMax = referenceArgMax;
        state.CandidateArgMax = candidateArgMax;
        state.UnsupportedMass = unsupported;
        state.RaisedSinceFold |= raised;
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<TWidth, TVector>(ref PairState<TVector> state, TVector x, TVector y, nuint start)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        if (TWidth.GreaterThanAny(x, state.ReferenceMax) || TWidth.GreaterThanAny(y, state.CandidateMax))
        {
            Raise<TWidth, TVector>(ref state.ReferenceMax, ref state.CandidateMax, ref state.ReferenceSum, ref state.CandidateSum, ref state.CrossSum, ref state.ReferenceArgMax, ref state.CandidateArgMax, x, y, start);
            state.RaisedSinceFold = true;
        }

        Accumulate<TWidth, TVector>(ref state.ReferenceSum, ref state.CandidateSum, ref state.CrossSum, ref state.UnsupportedMass, x, y, state.ReferenceMax, state.CandidateMax, SumExpConstants<TVector>.Create<TWidth>());
    }

    /// <summary>Adds two vector pairs' terms, as two <see cref="Accumulate"/> calls in a row would (the same operations
    /// in the same order), with the four exps interleaved.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateTwo<TWidth, TVector>(ref TVector referenceSum, ref TVector candidateSum, ref TVector crossSum, ref TVector unsupportedMass, TVector x0, TVector y0, TVector x1, TVector y1, TVector referenceMax, TVector candidateMax, in SumExpConstants<TVector> k)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        TVector floor = TWidth.Create(VectorMath.ExpArgumentFloor);
        TVector shiftedReference0 = TWidth.MaxNative(floor, TWidth.Subtract(x0, referenceMax));
        TVector shiftedCandidate0 = TWidth.Subtract(y0, candidateMax);
        TVector shiftedReference1 = TWidth.MaxNative(floor, TWidth.Subtract(x1, referenceMax));
        TVector shiftedCandidate1 = TWidth.Subtract(y1, candidateMax);
        TVector e0 = shiftedReference0, f0 = TWidth.MaxNative(floor, shiftedCandidate0);
        TVector e1 = shiftedReference1, f1 = TWidth.MaxNative(floor, shiftedCandidate1);
        VectorMath.ExpForSumByPolynomial<TWidth, TVector>(ref e0, ref f0, ref e1, ref f1, k);
        AddTerms<TWidth, TVector>(ref referenceSum, ref candidateSum, ref crossSum, ref unsupportedMass, x0, y0, e0, f0, shiftedReference0, shiftedCandidate0);
        AddTerms<TWidth, TVector>(ref referenceSum, ref candidateSum, ref crossSum, ref unsupportedMass, x1, y1, e1, f1, shiftedReference1, shiftedCandidate1);
    }

    /// <summary>Adds one vector pair's terms, assuming no lane exceeds the running maxima.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate<TWidth, TVector>(ref TVector referenceSum, ref TVector candidateSum, ref TVector crossSum, ref TVector unsupportedMass, TVector x, TVector y, TVector referenceMax, TVector candidateMax, in SumExpConstants<TVector> k)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        TVector floor = TWidth.Create(VectorMath.ExpArgumentFloor);
        TVector shiftedReference = TWidth.MaxNative(floor, TWidth.Subtract(x, referenceMax));
        TVector shiftedCandidate = TWidth.Subtract(y, candidateMax);
        TVector e = VectorMath.ExpForSumByPolynomial<TWidth, TVector>(shiftedReference, k);
        TVector f = VectorMath.ExpForSumByPolynomial<TWidth, TVector>(TWidth.MaxNative(floor, shiftedCandidate), k);
        AddTerms<TWidth, TVector>(ref referenceSum, ref candidateSum, ref crossSum, ref unsupportedMass, x, y, e, f, shiftedReference, shiftedCandidate);
    }

    /// <summary>Adds the terms e = e^(a−m_a) and f = e^(b−m_b) of one vector pair to the sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTerms<TWidth, TVector>(ref TVector referenceSum, ref TVector candidateSum, ref TVector crossSum, ref TVector unsupportedMass, TVector x, TVector y, TVector e, TVector f, TVector shiftedReference, TVector shiftedCandidate)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        referenceSum = TWidth.Add(referenceSum, e);
        candidateSum = TWidth.Add(candidateSum, f);
        TVector difference = TWidth.Subtract(shiftedReference, TWidth.MaxNative(TWidth.Create(CandidateShiftFloor), shiftedCandidate));
        crossSum = TWidth.MultiplyAdd(e, difference, crossSum);

        // p > 0 where q = 0: b = −∞ while a is not.
        TVector unsupported = TWidth.BitwiseAnd(TWidth.LessThan(y, TWidth.Create(float.MinValue)), TWidth.GreaterThan(x, TWidth.Create(float.NegativeInfinity)));
        unsupportedMass = TWidth.BitwiseOr(unsupportedMass, unsupported);
    }

    /// <summary>Raises the lane maxima to x and y where they are larger: records the new argmaxes, rescales the sums to
    /// the new maxima, and moves the cross sum with the candidate's shift.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Raise<TWidth, TVector>(ref TVector referenceMax, ref TVector candidateMax, ref TVector referenceSum, ref TVector candidateSum, ref TVector crossSum, ref TVector referenceArgMax, ref TVector candidateArgMax, TVector x, TVector y, nuint start)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        TVector laneIndex = TWidth.Add(TWidth.Indices, TWidth.Create((float)start));

        TVector oldReference = referenceMax;
        TVector newReference = TWidth.MaxNative(oldReference, x);
        referenceArgMax = TWidth.ConditionalSelect(TWidth.GreaterThan(x, oldReference), laneIndex, referenceArgMax);
        LaneSums.Rescale<TWidth, TVector>(oldReference, newReference, ref referenceSum, ref crossSum);
        referenceMax = newReference;

        // A raised m_b shifts every weight (a−m_a) − (b−m_b) by δ_b, which moves w by −δ_b·s_a.
        TVector oldCandidate = candidateMax;
        TVector newCandidate = TWidth.MaxNative(oldCandidate, y);
        candidateArgMax = TWidth.ConditionalSelect(TWidth.GreaterThan(y, oldCandidate), laneIndex, candidateArgMax);
        TVector deltaCandidate = TWidth.MaxNative(TWidth.Create(CandidateShiftFloor), TWidth.Subtract(oldCandidate, newCandidate));
        crossSum = TWidth.Subtract(crossSum, TWidth.Multiply(deltaCandidate, referenceSum));
        LaneSums.Rescale<TWidth, TVector>(oldCandidate, newCandidate, ref candidateSum);
        candidateMax = newCandidate;
    }

    /// <summary>Moves the float lane sums into the per-lane doubles, rebased to each lane's current maxima.</summary>
    [SkipLocalsInit]
    private static void Fold<TWidth, TVector>(ref PairState<TVector> state, FoldedLanes referenceLanes, FoldedLanes candidateLanes)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        if (!state.RaisedSinceFold)
        {
            // No lane maximum has moved since the last fold, so the folded lanes are relative to the same maxima and
            // the fold is just the adds: a few vector instructions where the full fold, run every 32 vectors, costs a
            // quarter to a third of the loop's time.
            referenceLanes.Add<TWidth, TVector>(state.ReferenceSum, state.CrossSum);
            candidateLanes.Add<TWidth, TVector>(state.CandidateSum, default);
            (state.ReferenceSum, state.CandidateSum, state.CrossSum) = (TWidth.Create(0f), TWidth.Create(0f), TWidth.Create(0f));
            return;
        }

        int count = TWidth.Count;
        Span<float> referenceMax = stackalloc float[count];
        Span<float> candidateMax = stackalloc float[count];
        Span<float> referenceSum = stackalloc float[count];
        Span<float> candidateSum = stackalloc float[count];
        Span<float> crossSum = stackalloc float[count];
        LaneSums.Store<TWidth, TVector>(state.ReferenceMax, referenceMax);
        LaneSums.Store<TWidth, TVector>(state.CandidateMax, candidateMax);
        LaneSums.Store<TWidth, TVector>(state.ReferenceSum, referenceSum);
        LaneSums.Store<TWidth, TVector>(state.CandidateSum, candidateSum);
        LaneSums.Store<TWidth, TVector>(state.CrossSum, crossSum);
        referenceLanes.Rebase(referenceMax);

        // The double w moves with m_b as the float one does in Raise: by −δ_b·s_a.
        Span<double> referenceSums = referenceLanes.Sums;
        Span<double> crossSums = referenceLanes.WeightedSums;
        Span<float> foldedCandidateMax = candidateLanes.Max;
        for (int lane = 0; lane < count; lane++)
        {
            if (candidateMax[lane] != foldedCandidateMax[lane] && referenceSums[lane] != 0)
            {
                crossSums[lane] -= ((double)foldedCandidateMax[lane] - candidateMax[lane]) * referenceSums[lane];
            }
        }

        candidateLanes.Rebase(candidateMax);
        referenceLanes.Add(referenceSum, crossSum);
        candidateLanes.Add(candidateSum, default);
        state.ReferenceSum = TWidth.Create(0f);
        state.CandidateSum = TWidth.Create(0f);
        state.CrossSum = TWidth.Create(0f);
        state.RaisedSinceFold = false;
    }

    [SkipLocalsInit]
    private static ComparisonSummary Finish<T, TWidth, TVector>(ref PairState<TVector> state, FoldedLanes referenceLanes, FoldedLanes candidateLanes, ReadOnlySpan<T> reference, ReadOnlySpan<T> candidate, float scale)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        float referenceMax = referenceLanes.Maximum();
        float candidateMax = candidateLanes.Maximum();
        (double referenceSum, double crossSum) = referenceLanes.Combine(referenceMax, candidateLanes.Max, candidateMax);
        double candidateSum = candidateLanes.Combine(candidateMax).Sum;
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

        // Every lane's maximum carries its first index (Raise takes only a strictly greater value).
        int bestReference = LaneSums.ArgMax<TWidth, TVector>(TWidth.LoadSingle(ref MemoryMarshal.GetReference(referenceLanes.Max), 0), state.ReferenceArgMax).Index;
        int bestCandidate = LaneSums.ArgMax<TWidth, TVector>(TWidth.LoadSingle(ref MemoryMarshal.GetReference(candidateLanes.Max), 0), state.CandidateArgMax).Index;
        double referenceLogSum = Math.Log(referenceSum);
        double candidateLogSum = Math.Log(candidateSum);
        double kl = infinite ? double.PositiveInfinity : Math.Max(0, (crossSum / referenceSum) - referenceLogSum + candidateLogSum);
        return new ComparisonSummary(referenceMax + referenceLogSum, candidateMax + candidateLogSum, kl, bestReference, bestCandidate, referenceMax, referenceLogSum, candidateMax, candidateLogSum);
    }

    private struct PairState<TVector>(TVector referenceMax, TVector candidateMax, TVector referenceSum, TVector candidateSum, TVector crossSum, TVector referenceArgMax, TVector candidateArgMax, TVector unsupportedMass)
        where TVector : unmanaged
    {
        public TVector ReferenceMax = referenceMax;
        public TVector CandidateMax = candidateMax;
        public TVector ReferenceSum = referenceSum;
        public TVector CandidateSum = candidateSum;
        public TVector CrossSum = crossSum;
        public TVector ReferenceArgMax = referenceArgMax;
        public TVector CandidateArgMax = candidateArgMax;
        public TVector UnsupportedMass = unsupportedMass;

        /// <summary>Set when a lane maximum rises, cleared by the fold that rebases the doubles to it.</summary>
        public bool RaisedSinceFold;
    }
}
