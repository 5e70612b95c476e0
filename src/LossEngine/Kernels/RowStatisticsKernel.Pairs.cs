using System.Runtime.CompilerServices;
using LossEngine.Kernels.Vectors;

namespace LossEngine.Kernels;

// The main loop of bf16 and fp16 log-sum-exp and cross-entropy at AVX-512: two groups a step.
internal static partial class RowStatisticsKernel
{
    /// <summary>Whether <see cref="RunGroupPairs"/> runs: the unclamped pass of log-sum-exp and cross-entropy over
    /// 2-byte elements, where the width has the table exp and the 32 vector registers that eight chains need
    /// (AVX-512).</summary>
    /// <remarks>bf16 and fp16 are bound by the exp's chain, and pairs make them faster in cache and streamed. f32 reads
    /// twice the bytes per element and streams at the read ceiling with one group a step; with pairs it ran faster in
    /// cache but 9–12 % slower streamed (bench/results/kernels-amd-epyc-zen5-2vcpu.md, "Two groups a step"), so it
    /// keeps <see cref="RunGroups"/>. Full statistics with pairs spilled more and ran slower in cache.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool PairsGroups<T, TWidth, TVector, TMode, TShift>()
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode
        where TShift : IShiftPolicy =>
        Unsafe.SizeOf<T>() == 2 && !TMode.TracksAll && !TMode.TracksLogitSum && !TShift.Clamps && TWidth.LooksUpThirtyTwo && TWidth.FusesMultiplyAdd;

    /// <summary>
    /// Whole pairs of groups from <paramref name="i"/> on, their eight exps step by step side by side: the exp's chain
    /// from a logit to its term (about 35 cycles) is longer than the four exps of one group keep the pipes busy for.
    /// Returns at the first pair that needs more than the sums (a logit beyond the margin, a non-finite fp16), where
    /// fewer than two groups are left before <paramref name="end"/> or the next fold, or at a fold that must rebase;
    /// <see cref="RunGroups"/> takes the next group from there. Other folds it does itself and moves
    /// <paramref name="nextFold"/> on.
    /// </summary>
    /// <remarks>A method of its own, like <see cref="RunGroups"/> and for the same reason (no call in the loop), and
    /// apart from it: inside that method the eight-vector exp went past the JIT's inlining budget and became a call.
    /// The results are the bits <see cref="RunGroups"/> gives: the same operations on each vector, and each group added
    /// to the sums as there, the first group of a pair before the second.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe nuint RunGroupPairs<T, TWidth, TVector, TMode, TShift, TTest>(ref LaneState<TVector> state, in SumExpConstants<TVector> constants, FoldedLanes folded, Span<double> logitSums, ref T source, byte* prefetch, nuint i, nuint end, ref nuint nextFold, float scale)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode
        where TShift : IShiftPolicy
        where TTest : IGroupTest
    {
        if (!PairsGroups<T, TWidth, TVector, TMode, TShift>())
        {
            // NativeAOT compiles this method for every width and mode the caller names; where it never runs, the
            // compiler drops the rest, and no instantiation keeps code (or calls) for instructions its width lacks.
            return i;
        }

        int count = TWidth.Count;
        nuint groupLength = (nuint)(GroupVectors * count);
        int bytesPerGroup = (int)groupLength * Unsafe.SizeOf<T>();
        // The word test runs only where the caller saw a scale of 1 and t ≥ 0 (UsesWordTest).
        bool testsWords = TTest.OnWords;
        bool scaled = !testsWords && scale != 1f;
        TVector scaleVector = TWidth.Create(scale);

        TVector max = state.Max;
        TVector trigger = TWidth.Add(max, TWidth.Create(RescaleMargin));
        TVector sum = state.Sum;
        TVector entropySum = state.EntropySum;
        TVector logitSum = state.LogitSum;
        SumExpConstants<TVector> k = constants;

        // fp16 as RunGroups reads it in this mode: at 2^−112 of its size, the rebias in the shift's FMA.
        bool halfRebiasInShift = typeof(T) == typeof(Half);
        TVector halfRebias = TWidth.Create(VectorMath.HalfRebias);
        TVector negativeMax = TWidth.Subtract(TWidth.Create(0f), max);
        TVector halfBound = TWidth.Create(VectorMath.HalfNonFiniteBound / VectorMath.HalfRebias);
        TVector negativeHalfBound = TWidth.Create(-VectorMath.HalfNonFiniteBound / VectorMath.HalfRebias);

        TVector wordThreshold = TWidth.Create(BitConverter.UInt32BitsToSingle(0x0001_0001u * (uint)(testsWords ? LargestPatternAtMost<T>(TWidth.MaxAcross(trigger)) : 0)));
        TVector lastFiniteNegativeHalf = TWidth.Create(BitConverter.UInt32BitsToSingle(0xFBFF_FBFFu));

        nuint foldAt = nextFold;
        bool foldsHere = !state.RaisedSinceFold;
        while (true)
        {
            nuint blockEnd = Math.Min(foldAt, end);
            for (; i + (2 * groupLength) <= blockEnd; i += 2 * groupLength)
            {
                SoftwarePrefetch.Lines<TWidth, TVector>(prefetch + (i * (nuint)Unsafe.SizeOf<T>()), bytesPerGroup);
                SoftwarePrefetch.Lines<TWidth, TVector>(prefetch + ((i + groupLength) * (nuint)Unsafe.SizeOf<T>()), bytesPerGroup);
                ref float words = ref Unsafe.As<T, float>(ref Unsafe.Add(ref source, i));
                TVector w0 = TWidth.LoadSingle(ref words, 0);
                TVector w1 = TWidth.LoadSingle(ref words, (nuint)count);
                TVector w2 = TWidth.LoadSingle(ref words, (nuint)(2 * count));
                TVector w3 = TWidth.LoadSingle(ref words, (nuint)(3 * count));
                if (testsWords)
                {
                    if (TWidth.GreaterThanAnyInt16(TWidth.MaxInt16(TWidth.MaxInt16(w0, w1), TWidth.MaxInt16(w2, w3)), wordThreshold)
                        || (typeof(T) == typeof(Half) && TWidth.GreaterThanAnyUInt16(TWidth.MaxUInt16(TWidth.MaxUInt16(w0, w1), TWidth.MaxUInt16(w2, w3)), lastFiniteNegativeHalf)))
                    {
                        break;
                    }
                }

                SplitWords<T, TWidth, TVector>(w0, w1, halfRebiasInShift, out TVector x0, out TVector x1, out TVector x2, out TVector x3);
                SplitWords<T, TWidth, TVector>(w2, w3, halfRebiasInShift, out TVector x4, out TVector x5, out TVector x6, out TVector x7);
                if (!testsWords)
                {
                    TVector pairMax = TWidth.MaxNative(
                        TWidth.MaxNative(TWidth.MaxNative(x0, x1), TWidth.MaxNative(x2, x3)),
                        TWidth.MaxNative(TWidth.MaxNative(x4, x5), TWidth.MaxNative(x6, x7)));
                    if (typeof(T) == typeof(Half))
                    {
                        TVector pairMin = TWidth.MinNative(
                            TWidth.MinNative(TWidth.MinNative(x0, x1), TWidth.MinNative(x2, x3)),
                            TWidth.MinNative(TWidth.MinNative(x4, x5), TWidth.MinNative(x6, x7)));
                        if (TWidth.GreaterThanAny(pairMax, halfBound) || TWidth.GreaterThanAny(negativeHalfBound, pairMin))
                        {
                            break;
                        }

                        pairMax = TWidth.Multiply(pairMax, halfRebias);
                    }

                    if (scaled)
                    {
                        pairMax = TWidth.Multiply(pairMax, scaleVector);
                    }

                    if (TWidth.GreaterThanAny(pairMax, trigger))
                    {
                        break;
                    }
                }

                if (scaled)
                {
                    // As RunGroups does it: the fp16 rebias (exact), then the scale.
                    if (halfRebiasInShift)
                    {
                        x0 = TWidth.Multiply(x0, halfRebias);
                        x1 = TWidth.Multiply(x1, halfRebias);
                        x2 = TWidth.Multiply(x2, halfRebias);
                        x3 = TWidth.Multiply(x3, halfRebias);
                        x4 = TWidth.Multiply(x4, halfRebias);
                        x5 = TWidth.Multiply(x5, halfRebias);
                        x6 = TWidth.Multiply(x6, halfRebias);
                        x7 = TWidth.Multiply(x7, halfRebias);
                    }

                    x0 = TWidth.Subtract(TWidth.Multiply(x0, scaleVector), max);
                    x1 = TWidth.Subtract(TWidth.Multiply(x1, scaleVector), max);
                    x2 = TWidth.Subtract(TWidth.Multiply(x2, scaleVector), max);
                    x3 = TWidth.Subtract(TWidth.Multiply(x3, scaleVector), max);
                    x4 = TWidth.Subtract(TWidth.Multiply(x4, scaleVector), max);
                    x5 = TWidth.Subtract(TWidth.Multiply(x5, scaleVector), max);
                    x6 = TWidth.Subtract(TWidth.Multiply(x6, scaleVector), max);
                    x7 = TWidth.Subtract(TWidth.Multiply(x7, scaleVector), max);
                }
                else if (halfRebiasInShift)
                {
                    x0 = TWidth.MultiplyAdd(x0, halfRebias, negativeMax);
                    x1 = TWidth.MultiplyAdd(x1, halfRebias, negativeMax);
                    x2 = TWidth.MultiplyAdd(x2, halfRebias, negativeMax);
                    x3 = TWidth.MultiplyAdd(x3, halfRebias, negativeMax);
                    x4 = TWidth.MultiplyAdd(x4, halfRebias, negativeMax);
                    x5 = TWidth.MultiplyAdd(x5, halfRebias, negativeMax);
                    x6 = TWidth.MultiplyAdd(x6, halfRebias, negativeMax);
                    x7 = TWidth.MultiplyAdd(x7, halfRebias, negativeMax);
                }
                else
                {
                    x0 = TWidth.Subtract(x0, max);
                    x1 = TWidth.Subtract(x1, max);
                    x2 = TWidth.Subtract(x2, max);
                    x3 = TWidth.Subtract(x3, max);
                    x4 = TWidth.Subtract(x4, max);
                    x5 = TWidth.Subtract(x5, max);
                    x6 = TWidth.Subtract(x6, max);
                    x7 = TWidth.Subtract(x7, max);
                }

                VectorMath.ExpForSumByTable<TWidth, TVector>(ref x0, ref x1, ref x2, ref x3, ref x4, ref x5, ref x6, ref x7, k);
                sum = TWidth.Add(sum, TWidth.Add(TWidth.Add(x0, x1), TWidth.Add(x2, x3)));
                sum = TWidth.Add(sum, TWidth.Add(TWidth.Add(x4, x5), TWidth.Add(x6, x7)));
            }

            if (i != foldAt || !foldsHere)
            {
                // A pair for the single-group loop, fewer than two groups left, or a fold that must rebase.
                break;
            }

            FoldWithoutRebase<TWidth, TVector, TMode>(ref sum, ref entropySum, ref logitSum, folded, logitSums);
            foldAt += FoldInterval * groupLength;
        }

        nextFold = foldAt;
        state.Sum = sum;
        return i;
    }

    /// <summary>
    /// Whether <see cref="RunGroupPairs"/> and <see cref="RunGroups"/> may test their pairs and groups on their raw words
    /// (<see cref="WordGroupTest"/>): rows read as they are, and a trigger t = m + 8 at or above 0. A pair or group
    /// leaves the loop where some element passes t (or, in fp16, is an infinity or NaN). Read as 16-bit signed integers,
    /// the positive elements order as their values, so a positive element passes t exactly where its pattern is above the
    /// largest pattern whose value is at most t, and a positive infinity or NaN is above every finite pattern; a negative
    /// fp16 infinity or NaN is 0xFC00 or above read unsigned. Negative elements never pass a t ≥ 0. A positive bf16 NaN
    /// leaves the loop too, and the caller reads its group exactly, as it reads an fp16 group with an infinity or NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool UsesWordTest<TWidth, TVector>(TVector max, float scale)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged =>
        scale == 1f && TWidth.MaxAcross(TWidth.Add(max, TWidth.Create(RescaleMargin))) >= 0f;

    /// <summary>The largest bf16 or fp16 pattern (<typeparamref name="T"/>) whose value is at most
    /// <paramref name="value"/> (≥ 0, or −0): a positive element of that type is above <paramref name="value"/> exactly
    /// where its pattern is above this one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int LargestPatternAtMost<T>(float value)
    {
        // A non-negative float rounded toward zero: bf16 keeps its upper 16 bits; fp16 its exponent rebiased and the top
        // 10 bits of its mantissa, or below fp16's smallest normal the multiple of 2^−24 (the subnormals' step) under it.
        uint bits = BitConverter.SingleToUInt32Bits(value) & 0x7FFF_FFFF;
        if (typeof(T) == typeof(BFloat16))
        {
            return (int)(bits >> 16);
        }

        const int largestFiniteHalf = 0x7BFF;
        return value >= 65504f ? largestFiniteHalf
            : value >= 6.103515625e-05f /* 2^−14 */ ? (int)((bits >> 13) - ((127 - 15) << 10))
            : (int)(value * 16777216f /* 2^24 */);
    }
}
