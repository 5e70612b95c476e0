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
    int CandidateArgMax);

/// <summary>
/// KL(p‖q) between softmax(a) and softmax(b) in one pass over both rows.
/// </summary>
/// <remarks>
/// <para>Per lane it keeps running maxima m_a, m_b and s_a = Σ e^(a−m_a), s_b = Σ e^(b−m_b),
/// w = Σ e^(a−m_a)·((a−m_a) − (b−m_b)). Then KL = w/S_a − log S_a + log S_b, which stays small when p ≈ q because
/// every term is relative to the row maxima. A raised m_a rescales s_a and w as in the statistics kernel; a raised m_b
/// shifts every (b−m_b) by δ_b, so w ← w − δ_b·s_a.</para>
/// <para>q = 0 where p &gt; 0 (b = −∞, a finite) makes KL = +∞; that is tracked as a per-lane flag, because the term
/// itself would read 0·∞ where both rows mask the same entry. Rows with NaN, +∞, or a maximum at or below
/// float.MinValue go to <see cref="SpecialRowComparison"/>.</para>
/// </remarks>
internal static class RowComparisonKernel
{
    private const int FoldInterval = 128;

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
        var folded = new FoldedPairLanes(stackalloc double[count], stackalloc double[count], stackalloc double[count], stackalloc float[count], stackalloc float[count]);
        ref T a = ref MemoryMarshal.GetReference(reference);
        ref T b = ref MemoryMarshal.GetReference(candidate);
        nuint i = 0;
        int vectorsSinceFold = 0;

        // The hot state lives in locals so the JIT keeps it in registers; the rare raise and the periodic fold get it
        // through a copy of the struct (a struct whose address reaches a call stays in memory, and every add to it
        // would then wait on a store and a load).
        TVector referenceMax = TWidth.Create(float.MinValue), candidateMax = TWidth.Create(float.MinValue);
        TVector referenceSum = TWidth.Create(0f), candidateSum = TWidth.Create(0f), crossSum = TWidth.Create(0f);
        TVector referenceArgMax = TWidth.Indices, candidateArgMax = TWidth.Indices, unsupported = TWidth.Create(0f);
        PairState<TVector> state;
        bool scaled = scale != 1f;
        for (; i + (nuint)count <= length; i += (nuint)count)
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
                state = new PairState<TVector>(referenceMax, candidateMax, referenceSum, candidateSum, crossSum, referenceArgMax, candidateArgMax, unsupported);
                Raise<TWidth, TVector>(ref state, x, y, i);
                (referenceMax, candidateMax, referenceSum, candidateSum, crossSum, referenceArgMax, candidateArgMax) =
                    (state.ReferenceMax, state.CandidateMax, state.ReferenceSum, state.CandidateSum, state.CrossSum, state.ReferenceArgMax, state.CandidateArgMax);
            }

            Accumulate<TWidth, TVector>(ref referenceSum, ref candidateSum, ref crossSum, ref unsupported, x, y, referenceMax, candidateMax);
            if (++vectorsSinceFold == FoldInterval)
            {
                state = new PairState<TVector>(referenceMax, candidateMax, referenceSum, candidateSum, crossSum, referenceArgMax, candidateArgMax, unsupported);
                Fold<TWidth, TVector>(ref state, folded);
                (referenceSum, candidateSum, crossSum) = (state.ReferenceSum, state.CandidateSum, state.CrossSum);
                vectorsSinceFold = 0;
            }
        }

        state = new PairState<TVector>(referenceMax, candidateMax, referenceSum, candidateSum, crossSum, referenceArgMax, candidateArgMax, unsupported);

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

        Fold<TWidth, TVector>(ref state, folded);
        return Finish<T, TWidth, TVector>(ref state, folded, reference, candidate, scale);
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

        Accumulate<TWidth, TVector>(ref state.ReferenceSum, ref state.CandidateSum, ref state.CrossSum, ref state.UnsupportedMass, x, y, state.ReferenceMax, state.CandidateMax);
    }

    /// <summary>Adds one vector pair's terms, assuming no lane exceeds the running maxima.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate<TWidth, TVector>(ref TVector referenceSum, ref TVector candidateSum, ref TVector crossSum, ref TVector unsupportedMass, TVector x, TVector y, TVector referenceMax, TVector candidateMax)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        TVector floor = TWidth.Create(VectorMath.ExpArgumentFloor);
        TVector shiftedReference = TWidth.MaxNative(floor, TWidth.Subtract(x, referenceMax));
        TVector shiftedCandidate = TWidth.Subtract(y, candidateMax);
        TVector e = VectorMath.ExpForSum<TWidth, TVector>(shiftedReference);
        TVector f = VectorMath.ExpForSum<TWidth, TVector>(TWidth.MaxNative(floor, shiftedCandidate));
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
        TVector floor = TWidth.Create(VectorMath.ExpArgumentFloor);

        TVector oldReference = state.ReferenceMax;
        TVector newReference = TWidth.MaxNative(oldReference, x);
        state.ReferenceArgMax = TWidth.ConditionalSelect(TWidth.GreaterThan(x, oldReference), laneIndex, state.ReferenceArgMax);
        TVector deltaReference = TWidth.MaxNative(floor, TWidth.Subtract(oldReference, newReference));
        TVector scaleReference = VectorMath.ExpOfClampedArgument<TWidth, TVector>(deltaReference);
        state.CrossSum = TWidth.Multiply(scaleReference, TWidth.MultiplyAdd(deltaReference, state.ReferenceSum, state.CrossSum));
        state.ReferenceSum = TWidth.Multiply(state.ReferenceSum, scaleReference);
        state.ReferenceMax = newReference;

        TVector oldCandidate = state.CandidateMax;
        TVector newCandidate = TWidth.MaxNative(oldCandidate, y);
        state.CandidateArgMax = TWidth.ConditionalSelect(TWidth.GreaterThan(y, oldCandidate), laneIndex, state.CandidateArgMax);
        TVector deltaCandidate = TWidth.MaxNative(TWidth.Create(CandidateShiftFloor), TWidth.Subtract(oldCandidate, newCandidate));
        state.CrossSum = TWidth.Subtract(state.CrossSum, TWidth.Multiply(deltaCandidate, state.ReferenceSum));
        state.CandidateSum = TWidth.Multiply(state.CandidateSum, VectorMath.ExpOfClampedArgument<TWidth, TVector>(TWidth.MaxNative(floor, deltaCandidate)));
        state.CandidateMax = newCandidate;
    }

    [SkipLocalsInit]
    private static void Fold<TWidth, TVector>(ref PairState<TVector> state, FoldedPairLanes folded)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        int count = TWidth.Count;
        Span<float> referenceMax = stackalloc float[count];
        Span<float> candidateMax = stackalloc float[count];
        Span<float> referenceSum = stackalloc float[count];
        Span<float> candidateSum = stackalloc float[count];
        Span<float> crossSum = stackalloc float[count];
        TWidth.Store(state.ReferenceMax, ref MemoryMarshal.GetReference(referenceMax), 0);
        TWidth.Store(state.CandidateMax, ref MemoryMarshal.GetReference(candidateMax), 0);
        TWidth.Store(state.ReferenceSum, ref MemoryMarshal.GetReference(referenceSum), 0);
        TWidth.Store(state.CandidateSum, ref MemoryMarshal.GetReference(candidateSum), 0);
        TWidth.Store(state.CrossSum, ref MemoryMarshal.GetReference(crossSum), 0);
        for (int lane = 0; lane < count; lane++)
        {
            if (referenceMax[lane] != folded.ReferenceMax[lane])
            {
                double delta = Math.Max((double)folded.ReferenceMax[lane] - referenceMax[lane], -1e300);
                double rebase = Math.Exp(delta);
                folded.CrossSums[lane] = folded.ReferenceSums[lane] == 0 ? 0 : rebase * (folded.CrossSums[lane] + (delta * folded.ReferenceSums[lane]));
                folded.ReferenceSums[lane] *= rebase;
                folded.ReferenceMax[lane] = referenceMax[lane];
            }

            if (candidateMax[lane] != folded.CandidateMax[lane])
            {
                double delta = (double)folded.CandidateMax[lane] - candidateMax[lane];
                folded.CrossSums[lane] -= folded.ReferenceSums[lane] == 0 ? 0 : delta * folded.ReferenceSums[lane];
                folded.CandidateSums[lane] *= Math.Exp(delta);
                folded.CandidateMax[lane] = candidateMax[lane];
            }

            folded.ReferenceSums[lane] += referenceSum[lane];
            folded.CandidateSums[lane] += candidateSum[lane];
            folded.CrossSums[lane] += crossSum[lane];
        }

        state.ReferenceSum = TWidth.Create(0f);
        state.CandidateSum = TWidth.Create(0f);
        state.CrossSum = TWidth.Create(0f);
    }

    [SkipLocalsInit]
    private static ComparisonSummary Finish<T, TWidth, TVector>(ref PairState<TVector> state, FoldedPairLanes folded, ReadOnlySpan<T> reference, ReadOnlySpan<T> candidate, float scale)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        int count = TWidth.Count;
        float referenceMax = float.NegativeInfinity;
        float candidateMax = float.NegativeInfinity;
        for (int lane = 0; lane < count; lane++)
        {
            referenceMax = MathF.Max(referenceMax, folded.ReferenceMax[lane]);
            candidateMax = MathF.Max(candidateMax, folded.CandidateMax[lane]);
        }

        double referenceSum = 0, candidateSum = 0, crossSum = 0;
        for (int lane = 0; lane < count; lane++)
        {
            double referenceDelta = (double)folded.ReferenceMax[lane] - referenceMax;
            double candidateDelta = (double)folded.CandidateMax[lane] - candidateMax;
            if (folded.ReferenceSums[lane] != 0)
            {
                double rebase = Math.Exp(referenceDelta);
                referenceSum += rebase * folded.ReferenceSums[lane];
                crossSum += rebase * (folded.CrossSums[lane] + ((referenceDelta - candidateDelta) * folded.ReferenceSums[lane]));
            }

            if (folded.CandidateSums[lane] != 0)
            {
                candidateSum += Math.Exp(candidateDelta) * folded.CandidateSums[lane];
            }
        }

        if (!(referenceMax > float.MinValue) || !(candidateMax > float.MinValue)
            || !double.IsFinite(referenceSum) || !double.IsFinite(candidateSum) || double.IsNaN(crossSum))
        {
            return SpecialRowComparison.Compute(reference, candidate, scale);
        }

        Span<float> unsupported = stackalloc float[count];
        Span<float> referenceArgMax = stackalloc float[count];
        Span<float> candidateArgMax = stackalloc float[count];
        TWidth.Store(state.UnsupportedMass, ref MemoryMarshal.GetReference(unsupported), 0);
        TWidth.Store(state.ReferenceArgMax, ref MemoryMarshal.GetReference(referenceArgMax), 0);
        TWidth.Store(state.CandidateArgMax, ref MemoryMarshal.GetReference(candidateArgMax), 0);
        bool infinite = false;
        float bestReference = float.PositiveInfinity, bestCandidate = float.PositiveInfinity;
        for (int lane = 0; lane < count; lane++)
        {
            infinite |= BitConverter.SingleToUInt32Bits(unsupported[lane]) != 0;
            if (folded.ReferenceMax[lane] == referenceMax)
            {
                bestReference = MathF.Min(bestReference, referenceArgMax[lane]);
            }

            if (folded.CandidateMax[lane] == candidateMax)
            {
                bestCandidate = MathF.Min(bestCandidate, candidateArgMax[lane]);
            }
        }

        double referenceLogSum = Math.Log(referenceSum);
        double candidateLogSum = Math.Log(candidateSum);
        double kl = infinite ? double.PositiveInfinity : Math.Max(0, (crossSum / referenceSum) - referenceLogSum + candidateLogSum);
        return new ComparisonSummary(referenceMax + referenceLogSum, candidateMax + candidateLogSum, kl, (int)bestReference, (int)bestCandidate);
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

    private readonly ref struct FoldedPairLanes
    {
        public FoldedPairLanes(Span<double> referenceSums, Span<double> candidateSums, Span<double> crossSums, Span<float> referenceMax, Span<float> candidateMax)
        {
            referenceSums.Clear();
            candidateSums.Clear();
            crossSums.Clear();
            referenceMax.Fill(float.MinValue);
            candidateMax.Fill(float.MinValue);
            ReferenceSums = referenceSums;
            CandidateSums = candidateSums;
            CrossSums = crossSums;
            ReferenceMax = referenceMax;
            CandidateMax = candidateMax;
        }

        public Span<double> ReferenceSums { get; }

        public Span<double> CandidateSums { get; }

        public Span<double> CrossSums { get; }

        public Span<float> ReferenceMax { get; }

        public Span<float> CandidateMax { get; }
    }
}
