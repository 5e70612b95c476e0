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
    public static ComparisonSummary Compute<T, TWidth, TVector>(ReadOnlySpan<T> reference, ReadOnlySpan<T> candidate, float scale)
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
        // constant in registers (on the SysV ABI a call loses every vector register); it returns at each fold and at
        // each vector that raises a lane maximum.
        nuint vectorsEnd = length - (length % (nuint)count);
        nuint nextFold = (nuint)(FoldInterval * count);
        nuint i = 0;
        bool raisedSinceFold = false;
        while (i < vectorsEnd)
        {
            i = RunVectors<T, TWidth, TVector>(ref state, expConstants, ref a, ref b, i, Math.Min(nextFold, vectorsEnd), scale);
            if (i == nextFold)
            {
                if (raisedSinceFold)
                {
                    Fold<TWidth, TVector>(ref state, referenceLanes, candidateLanes);
                    raisedSinceFold = false;
                }
                else
                {
                    // No lane maximum has moved since the last fold, so the folded lanes are relative to the same maxima
                    // and the fold is just the adds: a few vector instructions where the full fold, run every 32
                    // vectors, cost a quarter to a third of the loop's time.
                    referenceLanes.Add<TWidth, TVector>(state.ReferenceSum, state.CrossSum);
                    candidateLanes.Add<TWidth, TVector>(state.CandidateSum, default);
                    (state.ReferenceSum, state.CandidateSum, state.CrossSum) = (TWidth.Create(0f), TWidth.Create(0f), TWidth.Create(0f));
                }

                nextFold += (nuint)(FoldInterval * count);
            }
            else if (i < vectorsEnd)
            {
                TVector x = VectorMath.Load<T, TWidth, TVector>(ref a, i);
                TVector y = VectorMath.Load<T, TWidth, TVector>(ref b, i);
                Raise<TWidth, TVector>(ref state, TWidth.Multiply(x, scaleVector), TWidth.Multiply(y, scaleVector), i);
                raisedSinceFold = true;
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

    /// <summary>The main loop: vector pairs from <paramref name="i"/> up to <paramref name="end"/>, as long as none
    /// raises a lane maximum. Returns where it stopped: <paramref name="end"/>, or the vector for <see cref="Raise"/>,
    /// after which it passes.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static nuint RunVectors<T, TWidth, TVector>(ref PairState<TVector> state, in SumExpConstants<TVector> constants, ref T a, ref T b, nuint i, nuint end, float scale)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        nuint count = (nuint)TWidth.Count;
        bool scaled = scale != 1f;
        TVector scaleVector = TWidth.Create(scale);
        TVector referenceMax = state.ReferenceMax, candidateMax = state.CandidateMax;
        TVector referenceSum = state.ReferenceSum, candidateSum = state.CandidateSum, crossSum = state.CrossSum;
        TVector unsupported = state.UnsupportedMass;
        SumExpConstants<TVector> k = constants;
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
                break;
            }

            Accumulate<TWidth, TVector>(ref referenceSum, ref candidateSum, ref crossSum, ref unsupported, x, y, referenceMax, candidateMax, k);
        }

        state.ReferenceSum = referenceSum;
        state.CandidateSum = candidateSum;
        state.CrossSum = crossSum;
        state.UnsupportedMass = unsupported;
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<TWidth, TVector>(ref PairState<TVector> state, TVector x, TVector y, nuint start)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        if (TWidth.GreaterThanAny(x, state.ReferenceMax) || TWidth.GreaterThanAny(y, state.CandidateMax))
        {
            Raise<TWidth, TVector>(ref state, x, y, start);
        }

        Accumulate<TWidth, TVector>(ref state.ReferenceSum, ref state.CandidateSum, ref state.CrossSum, ref state.UnsupportedMass, x, y, state.ReferenceMax, state.CandidateMax, SumExpConstants<TVector>.Create<TWidth>());
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
        TVector e = VectorMath.ExpForSum<TWidth, TVector>(shiftedReference, k);
        TVector f = VectorMath.ExpForSum<TWidth, TVector>(TWidth.MaxNative(floor, shiftedCandidate), k);
        referenceSum = TWidth.Add(referenceSum, e);
        candidateSum = TWidth.Add(candidateSum, f);
        TVector difference = TWidth.Subtract(shiftedReference, TWidth.MaxNative(TWidth.Create(CandidateShiftFloor), shiftedCandidate));
        crossSum = TWidth.MultiplyAdd(e, difference, crossSum);

        // p > 0 where q = 0: b = −∞ while a is not.
        TVector unsupported = TWidth.BitwiseAnd(TWidth.LessThan(y, TWidth.Create(float.MinValue)), TWidth.GreaterThan(x, TWidth.Create(float.NegativeInfinity)));
        unsupportedMass = TWidth.BitwiseOr(unsupportedMass, unsupported);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Raise<TWidth, TVector>(ref PairState<TVector> state, TVector x, TVector y, nuint start)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        TVector laneIndex = TWidth.Add(TWidth.Indices, TWidth.Create((float)start));

        TVector oldReference = state.ReferenceMax;
        TVector newReference = TWidth.MaxNative(oldReference, x);
        state.ReferenceArgMax = TWidth.ConditionalSelect(TWidth.GreaterThan(x, oldReference), laneIndex, state.ReferenceArgMax);
        LaneSums.Rescale<TWidth, TVector>(oldReference, newReference, ref state.ReferenceSum, ref state.CrossSum);
        state.ReferenceMax = newReference;

        // A raised m_b shifts every weight (a−m_a) − (b−m_b) by δ_b, which moves w by −δ_b·s_a.
        TVector oldCandidate = state.CandidateMax;
        TVector newCandidate = TWidth.MaxNative(oldCandidate, y);
        state.CandidateArgMax = TWidth.ConditionalSelect(TWidth.GreaterThan(y, oldCandidate), laneIndex, state.CandidateArgMax);
        TVector deltaCandidate = TWidth.MaxNative(TWidth.Create(CandidateShiftFloor), TWidth.Subtract(oldCandidate, newCandidate));
        state.CrossSum = TWidth.Subtract(state.CrossSum, TWidth.Multiply(deltaCandidate, state.ReferenceSum));
        LaneSums.Rescale<TWidth, TVector>(oldCandidate, newCandidate, ref state.CandidateSum);
        state.CandidateMax = newCandidate;
    }

    /// <summary>Moves the float lane sums into the per-lane doubles, rebased to each lane's current maxima.</summary>
    [SkipLocalsInit]
    private static void Fold<TWidth, TVector>(ref PairState<TVector> state, FoldedLanes referenceLanes, FoldedLanes candidateLanes)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
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
        Span<float> referenceArgMax = stackalloc float[count];
        Span<float> candidateArgMax = stackalloc float[count];
        LaneSums.Store<TWidth, TVector>(state.UnsupportedMass, unsupported);
        LaneSums.Store<TWidth, TVector>(state.ReferenceArgMax, referenceArgMax);
        LaneSums.Store<TWidth, TVector>(state.CandidateArgMax, candidateArgMax);
        bool infinite = false;
        foreach (float lane in unsupported)
        {
            infinite |= BitConverter.SingleToUInt32Bits(lane) != 0;
        }

        // Every lane's maximum carries its first index (Raise takes only a strictly greater value).
        int bestReference = LaneSums.ArgMax(referenceLanes.Max, referenceArgMax).Index;
        int bestCandidate = LaneSums.ArgMax(candidateLanes.Max, candidateArgMax).Index;
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
    }
}
