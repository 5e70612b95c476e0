using LossEngine.Kernels;
using LossEngine.Tests.Reference;

namespace LossEngine.Tests.Kernels;

/// <summary>
/// Log-sum-exp rows whose maximum rises past the main loop's margin at chosen places: in either group of a pair of
/// groups (the AVX-512 loop steps two groups at a time and hands a pair that needs a raise to the single-group loop),
/// at a fold, in the last group of an odd count, and in the vectors after the groups. Every dtype and scale must give
/// the float64 log-sum-exp of the same values.
/// </summary>
public sealed class RisingMaximumTests
{
    // Group starts at 512 bits are multiples of 64, pairs of 128, folds of 2048.
    public static TheoryData<int, int> Positions => new()
    {
        { 300, 0 }, { 300, 63 }, { 300, 64 }, { 300, 127 }, { 300, 128 }, { 300, 200 }, { 300, 255 }, { 300, 299 },
        { 2500, 1983 }, { 2500, 2047 }, { 2500, 2048 }, { 2500, 2111 }, { 2500, 2175 }, { 2500, 2431 }, { 2500, 2499 },
    };

    [Theory]
    [MemberData(nameof(Positions))]
    public void OneLogitBeyondTheMargin_GivesTheReferenceLogSumExp(int length, int position)
    {
        foreach (float scale in new[] { 1f, 0.5f })
        {
            float[] row = BuildRow(length, seed: position);
            row[position] = 16f;
            AssertEveryDtype(row, scale, $"spike at {position} of {length}");
        }
    }

    [Theory]
    [InlineData(300)]
    [InlineData(4099)]
    public void AMaximumRisingInSteps_GivesTheReferenceLogSumExp(int length)
    {
        // A staircase: every 37 elements the values climb by 9, past the margin of 8, so raises come in one group of a
        // pair, then the other, then both.
        float[] row = BuildRow(length, seed: length);
        for (int i = 0; i < length; i++)
        {
            row[i] += 9f * (i / 37) * (60f / length);
        }

        foreach (float scale in new[] { 1f, 0.5f })
        {
            AssertEveryDtype(row, scale, $"staircase of {length}");
        }
    }

    [Theory]
    [InlineData(4099, true)]
    [InlineData(4099, false)]
    [InlineData(300, true)]
    public void OneRowRisingPastAFlatOne_GivesTheReferenceComparison(int length, bool referenceRises)
    {
        // One row climbs 0.05 an element, 200 over 4099, so it raises its reference a hundred times or more; the other
        // stays in [−6, 6]. The comparison raises both references together, and the flat row's must stay where its
        // values are: were it lifted by the margin at every raise, its terms e^(b − m_b) would sink to subnormals.
        float[] rising = BuildRow(length, seed: length);
        for (int i = 0; i < length; i++)
        {
            rising[i] += 0.05f * i * (4099f / length);
        }

        float[] flat = BuildRow(length, seed: length + 1);
        (float[] reference, float[] candidate) = referenceRises ? (rising, flat) : (flat, rising);
        int target = length / 3;
        foreach (float scale in new[] { 1f, 0.5f })
        {
            double[] a = Array.ConvertAll(reference, v => (double)v * scale);
            double[] b = Array.ConvertAll(candidate, v => (double)v * scale);
            foreach (bool startClamped in new[] { false, true })
            {
                string context = $"{(referenceRises ? "reference" : "candidate")} rising over {length}, scale {scale}, {(startClamped ? "clamped" : "unclamped")}";
                ComparisonStatistics result = RowKernels.Compare<float>(reference, candidate, target, scale, startClamped, out _);
                ComparisonAssert.MatchesReference(result, a, b, target, context);
            }
        }
    }

    [Theory]
    [InlineData(300)]
    [InlineData(4099)]
    public void AMaximumRisingPastTheStatisticsMargin_GivesTheReferenceEntropy(int length)
    {
        // Every 37 elements the values climb by 1.5: past full statistics' margin of 1 but not always past the
        // margin above a reference that took the margin as headroom, so raises come at every step or every other.
        float[] row = BuildRow(length, seed: length);
        for (int i = 0; i < length; i++)
        {
            row[i] += 1.5f * (i / 37) * (300f / length);
        }

        int target = length / 2;
        foreach (float scale in new[] { 1f, 0.5f })
        {
            double[] values = Array.ConvertAll(row, v => (double)v * scale);
            double lse = NaiveReference.LogSumExp(values);
            double entropy = NaiveReference.Entropy(values);
            foreach (bool startClamped in new[] { false, true })
            {
                string context = $"staircase of {length}, scale {scale}, {(startClamped ? "clamped" : "unclamped")}";
                RowSummary summary = RowKernels.Summarize<float, AllStatisticsMode>(row, target, scale, startClamped, out _);
                Assert.True(Math.Abs(summary.LogSumExp - lse) <= NaiveReference.LogSumExpTolerance(lse), $"{context}: log-sum-exp {summary.LogSumExp}, expected {lse}");
                Assert.True(Math.Abs(summary.Entropy - entropy) <= NaiveReference.EntropyTolerance(entropy), $"{context}: entropy {summary.Entropy}, expected {entropy}");
                Assert.Equal(NaiveReference.ArgMax(values), summary.ArgMax);
            }
        }
    }

    private static void AssertEveryDtype(float[] row, float scale, string context)
    {
        // The reference is taken of the values each dtype holds, so that only the kernel's error is measured.
        Half[] half = Array.ConvertAll(row, v => (Half)v);
        BFloat16[] bf16 = Array.ConvertAll(row, v => (BFloat16)v);
        AssertLogSumExp<float>(row, Array.ConvertAll(row, v => (double)v), scale, context + ", f32");
        AssertLogSumExp<Half>(half, Array.ConvertAll(half, v => (double)v), scale, context + ", fp16");
        AssertLogSumExp<BFloat16>(bf16, Array.ConvertAll(bf16, v => (double)(float)v), scale, context + ", bf16");
    }

    private static void AssertLogSumExp<T>(T[] row, double[] values, float scale, string context)
        where T : unmanaged
    {
        double expected = NaiveReference.LogSumExp(Array.ConvertAll(values, v => v * scale));
        foreach (bool startClamped in new[] { false, true })
        {
            double actual = RowKernels.Summarize<T, LogSumExpMode>(row, 0, scale, startClamped, out _).LogSumExp;
            Assert.True(
                Math.Abs(actual - expected) <= NaiveReference.LogSumExpTolerance(expected),
                $"{context}, scale {scale}, {(startClamped ? "clamped" : "unclamped")}: {actual}, expected {expected}");
        }
    }

    private static float[] BuildRow(int length, int seed)
    {
        var random = new Random(seed);
        var row = new float[length];
        for (int i = 0; i < length; i++)
        {
            row[i] = (random.NextSingle() * 12f) - 6f;
        }

        return row;
    }
}
