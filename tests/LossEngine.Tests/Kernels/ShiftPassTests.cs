using LossEngine.Kernels;
using LossEngine.Tests.Reference;

namespace LossEngine.Tests.Kernels;

/// <summary>
/// The row kernels' two passes: the one that does not clamp x − m first (AVX-512's vscalefps form in every mode and in
/// the comparison, AVX2's exp with the reference carried in its rounding magic in every mode and in the comparison,
/// NEON's polynomial with its power floored as bits in every mode and in the comparison) and the one that clamps. A batch starts
/// rows clamped after a retry, so the two must give the same bits wherever the first succeeds, and both the float64
/// log-sum-exp: with the reference anywhere from −4096 to beyond the folded exp's range, with logits far below it, and
/// with masked (−∞) entries, in every dtype, at the widths this process accelerates.
/// </summary>
public sealed class ShiftPassTests
{
    public static TheoryData<float, string> Rows => new()
    {
        { 0f, "plain" },
        { 37.5f, "plain" },
        { -3000f, "plain" },
        { 4000f, "plain" },
        { 5000f, "plain" },
        { -5000f, "plain" },
        { 12f, "far below" },
        { 2500f, "far below" },
        { 3f, "float range" },
        { 12f, "masked" },
        { -700f, "masked" },
        { 4090f, "rising past the limit" },

        // The 2-byte pair loop tests its words against a trigger (m + 8) at or above 0, its floats below: rows rising
        // wholly below zero, and through it.
        { -60f, "rising past the limit" },
        { -10f, "rising past the limit" },
        { float.MinValue, "masked start" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void BothPasses_GiveTheSameBits_AndTheReferenceLogSumExp(float offset, string kind)
    {
        foreach (int length in new[] { 300, 4099 })
        {
            float[] row = BuildRow(length, offset, kind);
            foreach (float scale in new[] { 1f, 0.5f })
            {
                AssertPasses<float>(row, Array.ConvertAll(row, v => (double)v), scale, $"{kind} at {offset}, {length}, f32");
                BFloat16[] bf16 = Array.ConvertAll(row, v => (BFloat16)v);
                AssertPasses<BFloat16>(bf16, Array.ConvertAll(bf16, v => (double)(float)v), scale, $"{kind} at {offset}, {length}, bf16");

                // fp16 holds up to 65504: beyond it (the far-below and float-range logits) it holds −∞, a mask.
                Half[] half = Array.ConvertAll(row, v => (Half)v);
                AssertPasses<Half>(half, Array.ConvertAll(half, v => (double)v), scale, $"{kind} at {offset}, {length}, fp16");
            }
        }
    }

    [Fact]
    public void RowsWithoutMasks_NeedNoRetry()
    {
        // Far-below values are finite: the unclamped pass must take them (as exact zeros), not hand the row on. NEON's
        // degree-5 polynomial takes them down to about 3e14 below the maximum; its rows here reach 1e14 below.
        foreach (string kind in new[] { "plain", "far below" })
        {
            float[] row = BuildRow(4099, 20f, kind, TriesUnclampedPolynomial ? 1e14f : 1e19f);
            RowKernels.Summarize<float, LogSumExpMode>(row, 0, 1f, startClamped: false, out bool retried);
            Assert.False(retried, kind);
            RowKernels.Statistics<float>(row, 0, 1f, startClamped: false, out retried);
            Assert.False(retried, kind + ", statistics");
            float[] candidate = Array.ConvertAll(row, v => v - 2f);
            RowKernels.Compare<float>(row, candidate, 0, 1f, startClamped: false, out retried);
            Assert.False(retried, kind + ", comparison");
        }
    }

    [Fact]
    public void NeonPolynomial_RetriesOnlyBeyondItsReach()
    {
        // Beyond about 3e14 below the maximum NEON's reduced argument overflows the degree-5 polynomial: the unclamped
        // pass's sum turns NaN or infinite, never a wrong finite value, and the row is read again clamped. Elsewhere
        // (the table exps of 512 bits and of AVX2) those rows need no retry.
        float[] row = BuildRow(4099, 20f, "far below", 1e19f);
        TokenStatistics statistics = RowKernels.Statistics<float>(row, 0, 1f, startClamped: false, out bool retried);
        Assert.Equal(TriesUnclampedPolynomial, retried);
        Assert.Equal(statistics, RowKernels.Statistics<float>(row, 0, 1f, startClamped: true, out _));
        float[] candidate = Array.ConvertAll(row, v => v - 2f);
        ComparisonStatistics comparison = RowKernels.Compare<float>(row, candidate, 0, 1f, startClamped: false, out retried);
        Assert.Equal(TriesUnclampedPolynomial, retried);
        Assert.True(comparison.Equals(RowKernels.Compare<float>(row, candidate, 0, 1f, startClamped: true, out _)), "comparison");
    }

    /// <summary>Whether the row kernel's unclamped pass at this process's widest width is NEON's degree-5 polynomial with
    /// its power of two floored as bits (VectorMath.FloorsPolynomialPower).</summary>
    private static bool TriesUnclampedPolynomial =>
        KernelDispatch.WidestAcceleratedBits == 128 && System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported;

    /// <summary>Whether the comparison kernel tries its unclamped pass at 512 bits (vscalefps), where a −∞ in the main
    /// loop fails it.</summary>
    private static bool ComparisonTriesUnclampedScaled =>
        KernelDispatch.WidestAcceleratedBits == 512 && System.Runtime.Intrinsics.X86.Avx512F.IsSupported;

    /// <summary>The comparison kernel's passes: the same bits from both for a reference row of each kind and a candidate
    /// near it with its maximum elsewhere, or beyond the folded exp's range while the reference is not (masks,
    /// far-below and float-range entries where the reference has them, so that KL stays finite); the float64 KL and
    /// losses; no pair left to the scalar path; and a retry exactly where a folded loop met a mask.</summary>
    [Theory]
    [MemberData(nameof(Rows))]
    public void BothComparisonPasses_GiveTheSameBits_AndTheReferenceDivergence(float offset, string kind)
    {
        foreach (int length in new[] { 300, 4099 })
        {
            float[] reference = BuildRow(length, offset, kind);
            float referenceOffset = offset == float.MinValue ? 0f : offset;
            foreach (float candidateOffset in new[] { (0.5f * referenceOffset) + 3f, Math.Abs(referenceOffset) < 4000f ? -5000f : 20f })
            {
                var random = new Random(length);
                float[] candidate = Array.ConvertAll(reference, v => float.IsFinite(v) && v > -1e18f ? v - referenceOffset + candidateOffset + (random.NextSingle() * 2f) - 1f : v);
                foreach (float scale in new[] { 1f, 0.5f })
                {
                    // The unclamped pass fails on a −∞ or a logit below about −2·10^20, where it runs: where both
                    // references are within the folded exp's range. On NEON it runs on every pair and fails from about
                    // 3·10^14 below a reference (the far-below rows reach 1e19), and the masks at a row's start reach
                    // it too (the folded loop leaves vectors before a row's first finite logit to the single step). At
                    // 512 bits it runs on every pair too, and its table exp takes the far-below logits (to about 10^20
                    // below).
                    bool folds = TriesUnclampedComparison && Math.Abs(referenceOffset * scale) < 4000f && Math.Abs(candidateOffset * scale) < 4000f;
                    bool neon = TriesUnclampedPolynomial;
                    bool scaled = ComparisonTriesUnclampedScaled;
                    bool retries = (folds && kind is "masked" or "float range") || (neon && kind is "masked" or "float range" or "far below" or "masked start")
                        || (scaled && kind is "masked" or "float range" or "masked start");
                    string context = $"{kind} at {offset}, candidate at {candidateOffset}, {length}";
                    AssertComparisonPasses(reference, candidate, scale, retries, context + ", f32");
                    AssertComparisonPasses(Array.ConvertAll(reference, v => (BFloat16)v), Array.ConvertAll(candidate, v => (BFloat16)v), scale, retries, context + ", bf16");

                    // fp16 holds up to 65504: beyond it (the far-below and float-range logits) it holds −∞, a mask.
                    bool halfRetries = (folds && kind is "masked" or "float range" or "far below") || ((neon || scaled) && kind is "masked" or "float range" or "far below" or "masked start");
                    AssertComparisonPasses(Array.ConvertAll(reference, v => (Half)v), Array.ConvertAll(candidate, v => (Half)v), scale, halfRetries, context + ", fp16");
                }
            }
        }
    }

    /// <summary>A candidate masked (−∞) where the reference is not makes KL +∞ from both passes: in a vector of the main
    /// loop, in a vector that raises the reference (which the folded loop hands to the single step, so the unclamped pass
    /// succeeds there; the loops of NEON and 512 bits raise in place, and retry), and in the masked tail (which the
    /// single step takes too).</summary>
    [Theory]
    [InlineData(2001, false, true, true)]
    [InlineData(1501, true, false, true)]
    [InlineData(4098, false, false, false)]
    public void ACandidateOnlyMask_MakesKlInfinite_FromBothPasses(int position, bool raiseBeside, bool inTheFoldedLoop, bool inTheMainLoop)
    {
        float[] reference = BuildRow(4099, 10f, "plain");
        float[] candidate = Array.ConvertAll(reference, v => v - 3f);
        if (raiseBeside)
        {
            reference[position - 1] = 60f;
        }

        candidate[position] = float.NegativeInfinity;
        ComparisonStatistics unclamped = RowKernels.Compare<float>(reference, candidate, 0, 1f, startClamped: false, out bool retried);
        ComparisonStatistics clamped = RowKernels.Compare<float>(reference, candidate, 0, 1f, startClamped: true, out _);
        Assert.Equal(float.PositiveInfinity, unclamped.KlDivergence);
        Assert.True(unclamped.Equals(clamped), $"unclamped {unclamped}, clamped {clamped}");
        Assert.Equal((TriesUnclampedComparison && inTheFoldedLoop) || ((TriesUnclampedPolynomial || ComparisonTriesUnclampedScaled) && inTheMainLoop), retried);
    }

    /// <summary>Whether the comparison kernel tries its folded unclamped pass first at this process's widths (AVX2 with
    /// FMA, the widest width; rows here are at least a vector long). NEON's is <see cref="TriesUnclampedPolynomial"/>.</summary>
    private static bool TriesUnclampedComparison =>
        KernelDispatch.WidestAcceleratedBits == 256 && System.Runtime.Intrinsics.X86.Avx2.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported;

    private static void AssertComparisonPasses<T>(T[] reference, T[] candidate, float scale, bool? retries, string context)
        where T : unmanaged
    {
        int target = 1;
        int scalarRows = SpecialRowComparison.RowsOnThisThread;
        ComparisonStatistics unclamped = RowKernels.Compare<T>(reference, candidate, target, scale, startClamped: false, out bool retried);
        ComparisonStatistics clamped = RowKernels.Compare<T>(reference, candidate, target, scale, startClamped: true, out _);
        Assert.True(unclamped.Equals(clamped), $"{context}, scale {scale}: unclamped {unclamped}, clamped {clamped}");
        Assert.True(scalarRows == SpecialRowComparison.RowsOnThisThread, $"{context}, scale {scale}: left to the scalar path");
        if (retries is bool expected)
        {
            Assert.True(expected == retried, $"{context}, scale {scale}: retried {retried}, expected {expected}");
        }

        double[] a = Array.ConvertAll(reference, v => (double)ElementConversion.ToSingle(v) * scale);
        double[] b = Array.ConvertAll(candidate, v => (double)ElementConversion.ToSingle(v) * scale);
        if (!double.IsFinite(a[target]) || !double.IsFinite(b[target]))
        {
            return;
        }

        ComparisonAssert.MatchesReference(clamped, a, b, target, $"{context}, scale {scale}");
    }

    private static void AssertPasses<T>(T[] row, double[] values, float scale, string context)
        where T : unmanaged
    {
        double expected = NaiveReference.LogSumExp(Array.ConvertAll(values, v => v * scale));
        int scalarRows = SpecialRowStatistics.RowsOnThisThread;
        double unclamped = RowKernels.Summarize<T, LogSumExpMode>(row, 0, scale, startClamped: false, out _).LogSumExp;
        double clamped = RowKernels.Summarize<T, LogSumExpMode>(row, 0, scale, startClamped: true, out _).LogSumExp;
        Assert.True(scalarRows == SpecialRowStatistics.RowsOnThisThread, $"{context}, scale {scale}: left to the scalar path");
        Assert.True(
            Math.Abs(clamped - expected) <= NaiveReference.LogSumExpTolerance(expected),
            $"{context}, scale {scale}: {clamped}, expected {expected}");
        Assert.True(unclamped.Equals(clamped), $"{context}, scale {scale}: unclamped {unclamped}, clamped {clamped}");

        // Full statistics: the same bits from both passes, and the reference entropy.
        TokenStatistics statisticsUnclamped = RowKernels.Statistics<T>(row, 1, scale, startClamped: false, out _);
        TokenStatistics statisticsClamped = RowKernels.Statistics<T>(row, 1, scale, startClamped: true, out _);

        // A −∞ target is the scalar path's by design.
        Assert.True(!double.IsFinite(values[1]) || scalarRows == SpecialRowStatistics.RowsOnThisThread, $"{context}, scale {scale}: statistics left to the scalar path");
        Assert.True(statisticsUnclamped.Equals(statisticsClamped), $"{context}, scale {scale}, statistics: {statisticsUnclamped}, {statisticsClamped}");
        if (double.IsFinite(values[1]))
        {
            double expectedEntropy = NaiveReference.Entropy(Array.ConvertAll(values, v => v * scale));
            Assert.True(
                Math.Abs(statisticsClamped.Entropy - expectedEntropy) <= NaiveReference.EntropyTolerance(expectedEntropy),
                $"{context}, scale {scale}: entropy {statisticsClamped.Entropy}, expected {expectedEntropy}");
            Assert.True(
                Math.Abs(statisticsClamped.LogSumExp - expected) <= NaiveReference.LogSumExpTolerance(expected) + (6e-8 * Math.Abs(expected)),
                $"{context}, scale {scale}: statistics log-sum-exp {statisticsClamped.LogSumExp}, expected {expected}");
        }

        float smoothedUnclamped = RowKernels.CrossEntropy(row.AsSpan(), 1, scale, 0.1f, 0f, startClamped: false, out _);
        float smoothedClamped = RowKernels.CrossEntropy(row.AsSpan(), 1, scale, 0.1f, 0f, startClamped: true, out _);
        Assert.True(smoothedUnclamped.Equals(smoothedClamped), $"{context}, scale {scale}, smoothed: {smoothedUnclamped}, {smoothedClamped}");
    }

    private static float[] BuildRow(int length, float offset, string kind, float farthestBelow = 1e19f)
    {
        var random = new Random(length + (int)(offset % 1000));
        var row = new float[length];
        for (int i = 0; i < length; i++)
        {
            row[i] = offset + (random.NextSingle() * 12f) - 6f;
        }

        switch (kind)
        {
            case "far below":
                // Beyond where the exp's bits would wrap (about 265 below the reference).
                for (int i = 5; i < length; i += 7)
                {
                    row[i] = offset - (300f * (1 + (i % 5))) - (i % 3 == 0 ? 1e6f : 0f) - (i % 13 == 0 ? farthestBelow : 0f);
                }

                break;
            case "float range":
                for (int i = 5; i < length; i += 7)
                {
                    row[i] = i % 2 == 0 ? -1e30f : float.MinValue;
                }

                break;
            case "masked":
                for (int i = 3; i < length; i += 5)
                {
                    row[i] = float.NegativeInfinity;
                }

                break;
            case "rising past the limit":
                for (int i = 0; i < length; i++)
                {
                    row[i] += 20f * i / length;
                }

                break;
            case "masked start":
                for (int i = 0; i < length; i++)
                {
                    row[i] = i < 100 ? float.NegativeInfinity : (random.NextSingle() * 12f) - 6f;
                }

                break;
        }

        return row;
    }
}
