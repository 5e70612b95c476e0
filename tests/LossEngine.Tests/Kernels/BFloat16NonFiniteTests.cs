using LossEngine.Kernels;

namespace LossEngine.Tests.Kernels;

/// <summary>
/// bf16 rows whose main-loop groups hold infinities and NaNs. Without a temperature the bf16 main loops test their groups
/// on the raw words as 16-bit integers, where a positive NaN's pattern is above every other: such a group leaves the
/// loop though no raise of the maximum takes it, and must be read exactly rather than sent back to the loop. Every
/// pattern, at any position past the first group (where the starting maximum has not seen it), must give what the same
/// row gives in float, in every mode, in both passes, at the widths this process accelerates, and in bounded time.
/// </summary>
public sealed class BFloat16NonFiniteTests
{
    // +∞, −∞, quiet and signalling NaNs of both signs, and the all-ones patterns.
    private static readonly ushort[] NonFinitePatterns = [0x7F80, 0xFF80, 0x7FC0, 0x7F81, 0x7FFF, 0xFFC0, 0xFF81, 0xFFFF];

    /// <summary>Long enough for several folds; a call that does not return within it has looped.</summary>
    private static readonly TimeSpan CallLimit = TimeSpan.FromSeconds(30);

    public static TheoryData<int, int> Positions => new()
    {
        { 300, 70 }, { 300, 130 }, { 300, 200 }, { 300, 255 }, { 300, 290 }, { 4099, 2048 }, { 4099, 2100 }, { 4099, 4000 },
    };

    [Theory]
    [MemberData(nameof(Positions))]
    public void NonFiniteValues_GiveWhatTheFloatRowGives(int length, int position)
    {
        foreach (ushort pattern in NonFinitePatterns)
        {
            foreach (float scale in new[] { 1f, 0.5f })
            {
                BFloat16[] row = BuildRow(length, position, pattern);
                float[] widened = Array.ConvertAll(row, v => (float)v);
                int target = (position + 5) % length;
                string context = $"0x{pattern:X4} at {position} of {length}, scale {scale}";
                foreach (bool startClamped in new[] { false, true })
                {
                    double logSumExp = WithinLimit(() => RowKernels.Summarize<BFloat16, LogSumExpMode>(row, target, scale, startClamped, out _).LogSumExp, context + ": log-sum-exp");
                    HalfNonFiniteTests.AssertClose(RowKernels.Summarize<float, LogSumExpMode>(widened, target, scale, startClamped: true, out _).LogSumExp, logSumExp, context + ": log-sum-exp");

                    foreach (float labelSmoothing in new[] { 0f, 0.1f })
                    {
                        float loss = WithinLimit(() => RowKernels.CrossEntropy<BFloat16>(row, target, scale, labelSmoothing, 0f, startClamped, out _), context + ": cross-entropy");
                        HalfNonFiniteTests.AssertClose(RowKernels.CrossEntropy<float>(widened, target, scale, labelSmoothing, 0f, startClamped: true, out _), loss, $"{context}: cross-entropy, smoothing {labelSmoothing}");
                    }

                    TokenStatistics statistics = WithinLimit(() => RowKernels.Statistics<BFloat16>(row, target, scale, startClamped, out _), context + ": statistics");
                    TokenStatistics expected = RowKernels.Statistics<float>(widened, target, scale, startClamped: true, out _);
                    HalfNonFiniteTests.AssertClose(expected.LogSumExp, statistics.LogSumExp, context + ": statistics' log-sum-exp");
                    Assert.Equal(expected.ArgMax, statistics.ArgMax);
                }
            }
        }
    }

    /// <summary>Logits spread over [−60, 60] (so the trigger m + 8 is above 0 and the word test runs), and the pattern at
    /// <paramref name="position"/>.</summary>
    private static BFloat16[] BuildRow(int length, int position, ushort pattern)
    {
        var random = new Random((position * 7919) + pattern);
        var row = new BFloat16[length];
        for (int i = 0; i < length; i++)
        {
            row[i] = (BFloat16)((random.NextSingle() * 120f) - 60f);
        }

        row[position] = BFloat16.FromRawBits(pattern);
        return row;
    }

    private static TResult WithinLimit<TResult>(Func<TResult> call, string context)
    {
        Task<TResult> task = Task.Run(call);
        Assert.True(task.Wait(CallLimit), $"{context}: no result within {CallLimit.TotalSeconds} s");
        return task.Result;
    }
}
