using LossEngine.Kernels;
using LossEngine.Tests.Reference;

namespace LossEngine.Tests.Kernels;

/// <summary>
/// fp16 rows whose main-loop groups hold infinities and NaNs. The statistics main loop converts fp16 with a conversion
/// exact only for finite values and reads any group with an infinity or NaN again exactly; every such pattern, at any
/// position and beside the largest finite values, must give what the same rows give in float, in the statistics and in
/// a comparison of two rows.
/// </summary>
public sealed class HalfNonFiniteTests
{
    // +∞, −∞, quiet and signalling NaNs of both signs, and the all-ones pattern.
    private static readonly ushort[] NonFinitePatterns = [0x7C00, 0xFC00, 0x7E00, 0xFE00, 0x7C01, 0xFD55, 0xFFFF];

    public static TheoryData<int, int> Positions => new()
    {
        { 300, 0 }, { 300, 17 }, { 300, 63 }, { 300, 64 }, { 300, 130 }, { 300, 255 }, { 300, 290 }, { 4099, 2048 },
    };

    [Theory]
    [MemberData(nameof(Positions))]
    public void NonFiniteValues_GiveWhatTheFloatRowGives(int length, int position)
    {
        foreach (ushort pattern in NonFinitePatterns)
        {
            foreach (float scale in new[] { 1f, 0.5f, 1e-5f })
            {
                Half[] row = BuildRow(length, position, pattern);
                float[] widened = Array.ConvertAll(row, h => (float)h);
                int target = (position + 5) % length;
                string context = $"0x{pattern:X4} at {position} of {length}, scale {scale}";
                foreach (bool startClamped in new[] { false, true })
                {
                    TokenStatistics actual = RowKernels.Statistics<Half>(row, target, scale, startClamped, out _);
                    TokenStatistics expected = RowKernels.Statistics<float>(widened, target, scale, startClamped: true, out _);
                    AssertClose(expected.LogSumExp, actual.LogSumExp, context + ": log-sum-exp");
                    AssertClose(expected.Loss, actual.Loss, context + ": loss");
                    AssertClose(expected.Entropy, actual.Entropy, context + ": entropy");
                    Assert.Equal(expected.ArgMax, actual.ArgMax);
                    Assert.Equal(expected.TargetRank, actual.TargetRank);

                    float loss = RowKernels.CrossEntropy<Half>(row, target, scale, 0f, 0f, startClamped, out _);
                    AssertClose(RowKernels.CrossEntropy<float>(widened, target, scale, 0f, 0f, startClamped: true, out _), loss, context + ": cross-entropy");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Positions))]
    public void NonFiniteValues_InEitherRowOfAComparison_GiveWhatTheFloatRowsGive(int length, int position)
    {
        foreach (ushort pattern in NonFinitePatterns)
        {
            foreach (float scale in new[] { 1f, 1e-5f })
            {
                foreach (bool inReference in new[] { true, false })
                {
                    Half[] withPattern = BuildRow(length, position, pattern);
                    Half[] plain = BuildRow(length, (position + 7) % length, 0x3C00);
                    Half[] reference = inReference ? withPattern : plain, candidate = inReference ? plain : withPattern;
                    int target = (position + 5) % length;
                    ComparisonStatistics actual = RowKernels.Compare<Half>(reference, candidate, target, scale, startClamped: false, out _);
                    ComparisonStatistics expected = RowKernels.Compare<float>(Array.ConvertAll(reference, h => (float)h), Array.ConvertAll(candidate, h => (float)h), target, scale, startClamped: false, out _);
                    string context = $"0x{pattern:X4} at {position} of {length} in the {(inReference ? "reference" : "candidate")}, scale {scale}";
                    AssertClose(expected.KlDivergence, actual.KlDivergence, context + ": KL");
                    AssertClose(expected.ReferenceLoss, actual.ReferenceLoss, context + ": reference loss");
                    AssertClose(expected.CandidateLoss, actual.CandidateLoss, context + ": candidate loss");
                    Assert.Equal(expected.ReferenceArgMax, actual.ReferenceArgMax);
                    Assert.Equal(expected.CandidateArgMax, actual.CandidateArgMax);
                }
            }
        }
    }

    [Fact]
    public void AGroupWithAnInfinity_ThatRaisesTheMaximumBeyondTheFoldedRange_KeepsTheFolds()
    {
        // The group read exactly for its −∞ ends where the sums fold (1,024 elements at AVX2's width), and the maximum it
        // raises, 5000, is beyond the range of AVX2's folded exp, so the groups after it are read exactly as well. The
        // float lane sums must still fold every 32 groups: thousands of terms in a float lane would miss
        // the entropy's bound (every term there is e^−4: its float rounding errs the same way at every add).
        const int length = 60_000;
        var random = new Random(5);
        var row = new Half[length];
        for (int i = 0; i < length; i++)
        {
            row[i] = i < 1024 ? (Half)((random.NextSingle() * 20f) - 10f) : (Half)4996f;
        }

        row[1018] = Half.NegativeInfinity;
        row[1020] = (Half)5000f;
        double[] widened = Array.ConvertAll(row, h => (double)(float)h);
        TokenStatistics statistics = RowKernels.Statistics<Half>(row, 7, 1f, startClamped: false, out _);
        double logSumExp = NaiveReference.LogSumExp(widened);
        double entropy = NaiveReference.Entropy(widened);
        Assert.True(Math.Abs(statistics.LogSumExp - logSumExp) <= NaiveReference.LogSumExpTolerance(logSumExp), $"log-sum-exp {statistics.LogSumExp:R} vs {logSumExp:R}");
        Assert.True(Math.Abs(statistics.Entropy - entropy) <= NaiveReference.EntropyTolerance(entropy), $"entropy {statistics.Entropy:R} vs {entropy:R}");
        Assert.Equal(1020, statistics.ArgMax);
    }

    /// <summary>Logits spread over [−60, 60], the largest finite fp16 magnitudes (±65504) in the first and last groups
    /// away from <paramref name="position"/>, and the pattern at <paramref name="position"/>.</summary>
    private static Half[] BuildRow(int length, int position, ushort pattern)
    {
        var random = new Random(position * 7919 + pattern);
        var row = new Half[length];
        for (int i = 0; i < length; i++)
        {
            row[i] = (Half)((random.NextSingle() * 120f) - 60f);
        }

        row[(position + 40) % length] = BitConverter.UInt16BitsToHalf(0xFBFF); // −65504
        row[(position + length - 40) % length] = (Half)(-3f);
        row[position] = BitConverter.UInt16BitsToHalf(pattern);
        return row;
    }

    /// <summary>Equal where <paramref name="expected"/> is not finite (NaN equals NaN), otherwise within the row kernels'
    /// bound of 1e-6 relative and 2e-6 absolute.</summary>
    internal static void AssertClose(double expected, double actual, string context)
    {
        if (!double.IsFinite(expected))
        {
            Assert.True(expected.Equals(actual), $"{context}: {actual}, expected {expected}");
            return;
        }

        Assert.True(Math.Abs(expected - actual) <= (1e-6 * Math.Abs(expected)) + 2e-6, $"{context}: {actual}, expected {expected}");
    }
}
