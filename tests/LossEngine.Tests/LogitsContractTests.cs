using LossEngine.Kernels;
using LossEngine.Scoring;
using LossEngine.Tests.Reference;

namespace LossEngine.Tests;

/// <summary>
/// The row kernels' contract, run for every element type: accuracy against the float64 reference, exact argmax and
/// rank, invariances, special values, errors and allocation. Each dtype subclass runs every test.
/// </summary>
public abstract class LogitsContractTests<T, TElement>
    where T : unmanaged
    where TElement : IElementType<T>
{
    /// <summary>Lengths around multiples of every vector width up to V = 262144, plus common vocabulary sizes.</summary>
    public static TheoryData<int> LargeLengths => new(
        15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 129, 255, 257, 1023, 1025, 4095, 4097,
        32000, 32767, 50257, 65535, 65537, 128256, 131071, 131073, 151936, 262143, 262144);

    protected static T[] Convert(float[] row) => row.Select(TElement.FromSingle).ToArray();

    protected static double[] Widen(T[] row) => row.Select(v => (double)TElement.ToSingle(v)).ToArray();

    protected static (T[] Row, double[] Widened) Build(RowCase rowCase)
    {
        T[] row = Convert(rowCase.BuildSingles());
        return (row, Widen(row));
    }

    private static void AssertMatchesReference(T[] row, double[] widened, int target)
    {
        TokenStatistics stats = Logits.Statistics<T>(row, target);
        double lse = NaiveReference.LogSumExp(widened);
        double loss = lse - widened[target];
        double entropy = NaiveReference.Entropy(widened);

        double tolerance = NaiveReference.LogSumExpTolerance(lse);
        AssertClose(lse, stats.LogSumExp, tolerance, $"V={row.Length} LSE");
        double lossTolerance = NaiveReference.LossTolerance(lse, loss);
        AssertClose(loss, stats.Loss, lossTolerance, $"V={row.Length} loss");
        AssertClose(entropy, stats.Entropy, NaiveReference.EntropyTolerance(entropy), $"V={row.Length} entropy");
        Assert.Equal(NaiveReference.ArgMax(widened), stats.ArgMax);
        Assert.Equal(NaiveReference.Rank(widened, target), stats.TargetRank);
        Assert.Equal((float)widened.Max(), stats.MaxLogit);
        Assert.Equal((float)widened[target], stats.TargetLogit);
        double probabilityTolerance = double.IsFinite(loss) ? (2 * lossTolerance * Math.Exp(-loss)) + 1e-30 : 0;
        AssertClose(Math.Exp(-loss), stats.TargetProbability, probabilityTolerance, "p(target)");
        AssertClose(lse, Logits.LogSumExp<T>(row), tolerance, $"V={row.Length} LogSumExp");
        AssertClose(loss, Logits.CrossEntropy<T>(row, target), lossTolerance, $"V={row.Length} CrossEntropy");
    }

    /// <summary>Within the tolerance; an infinite expectation must be matched exactly.</summary>
    protected static void AssertClose(double expected, double actual, double tolerance, string what)
    {
        bool close = double.IsFinite(expected) ? Math.Abs(actual - expected) <= tolerance : actual.Equals(expected);
        Assert.True(close, $"{what}: {actual:R} vs reference {expected:R} (tolerance {tolerance:G3})");
    }

    [Fact]
    public void Statistics_MatchReference_OnRandomRows()
    {
        PropertyCheck.ForAll(RowCase.Arbitrary(), rowCase =>
        {
            (T[] row, double[] widened) = Build(rowCase);
            AssertMatchesReference(row, widened, rowCase.Target);
        });
    }

    [Theory]
    [MemberData(nameof(LargeLengths))]
    public void Statistics_MatchReference_OnLongRows(int length)
    {
        foreach ((double scale, double mask, int seed) in new[] { (1.0, 0.0, 1), (4.0, 0.3, 2), (0.01, 0.0, 3), (25.0, 0.0, 4) })
        {
            var rowCase = new RowCase(length, seed * 7919, Shift: seed == 3 ? -1e4 : 2.5, scale, mask, TieCount: seed == 1 ? 3 : 0, OneHot: false, TargetSelector: seed * 104729);
            (T[] row, double[] widened) = Build(rowCase);
            AssertMatchesReference(row, widened, rowCase.Target);
            AssertMatchesReference(row, widened, length - 1);
            AssertMatchesReference(row, widened, NaiveReference.ArgMax(widened));
        }
    }

    /// <summary>A row whose maximum climbs in steps (with noise on the steps): the reference maximum is raised again
    /// and again in the middle of the row, after folds that needed no rebasing and before ones that do, and new exact
    /// maxima arrive while the row is long under way.</summary>
    [Theory]
    [InlineData(4099, 300)]
    [InlineData(50257, 3000)]
    [InlineData(131073, 9000)]
    public void Statistics_MatchReference_WhenTheMaximumRisesAcrossTheRow(int length, int stepLength)
    {
        var random = new Random(length);
        float[] singles = Enumerable.Range(0, length).Select(i => (float)((9.5 * (i / stepLength)) + RowCase.Gaussian(random))).ToArray();
        T[] row = Convert(singles);
        double[] widened = Widen(row);
        foreach (int target in new[] { 0, length / 3, length - 1, NaiveReference.ArgMax(widened) })
        {
            AssertMatchesReference(row, widened, target);
        }

        float[] descending = singles.Reverse().ToArray();
        T[] reversed = Convert(descending);
        AssertMatchesReference(reversed, Widen(reversed), length / 2);
    }

    [Fact]
    public void Statistics_AreExact_ForUniformRows()
    {
        // Every entry tied: LSE = x + log V, entropy = log V, argmax 0, rank = target.
        foreach (int length in new[] { 1, 7, 16, 100, 4099, 262144 })
        {
            T[] row = Convert(Enumerable.Repeat(1.5f, length).ToArray());
            TokenStatistics stats = Logits.Statistics<T>(row, length / 2);
            double expected = 1.5 + Math.Log(length);
            Assert.True(Math.Abs(stats.LogSumExp - expected) <= NaiveReference.LogSumExpTolerance(expected));
            Assert.True(Math.Abs(stats.Entropy - Math.Log(length)) <= NaiveReference.EntropyTolerance(Math.Log(length)));
            Assert.Equal(0, stats.ArgMax);
            Assert.Equal(length / 2, stats.TargetRank);
        }
    }

    [Fact]
    public void Statistics_ArgMaxIsLowestIndex_AmongTies()
    {
        foreach (int length in new[] { 3, 17, 64, 300, 5000 })
        {
            var values = new float[length];
            values.AsSpan().Fill(-1f);
            int first = length / 3;
            values[first] = 2f;
            values[length - 1] = 2f;
            values[(first + length) / 2] = 2f;
            T[] row = Convert(values);
            TokenStatistics stats = Logits.Statistics<T>(row, length - 1);
            Assert.Equal(first, stats.ArgMax);
            Assert.Equal(NaiveReference.Rank(Widen(row), length - 1), stats.TargetRank);
            Assert.Equal(0, Logits.Statistics<T>(Convert(values), first).TargetRank);
        }
    }

    [Fact]
    public void Statistics_ArgMaxIsLowestIndex_AmongTiesSeenByDifferentPaths()
    {
        // The main loop finds the argmax of its groups from per-lane maxima at the finish; groups stepped one vector at a
        // time (a row's first finite group after a masked start, fp16 groups with an infinity) and the remaining vectors
        // record theirs as they go. A tie between them goes to the lower index, whichever path saw it.
        foreach (int maskedPrefix in new[] { 16, 32, 64, 128 })
        {
            foreach (int length in new[] { 3000, 40_000 })
            {
                var values = new float[length];
                values.AsSpan().Fill(-1f);
                values.AsSpan(0, maskedPrefix).Fill(float.NegativeInfinity);
                int first = maskedPrefix + 3;
                values[first] = 2f;
                values[length / 2] = 2f;
                values[length - 2] = 2f;
                T[] row = Convert(values);
                Assert.Equal(first, Logits.Statistics<T>(row, length - 1).ArgMax);

                // A masked entry just before the first maximum (an infinity, so fp16 steps that group exactly).
                values.AsSpan(0, maskedPrefix).Fill(-1f);
                values[first] = -1f;
                first = (length / 3) + 1;
                values[first - 1] = float.NegativeInfinity;
                values[first] = 2f;
                Assert.Equal(first, Logits.Statistics<T>(Convert(values), length - 1).ArgMax);
            }
        }
    }

    [Fact]
    public void Statistics_RankAndArgMax_ForEveryTargetPosition_InRowsFullOfTies()
    {
        // Values from a set of three, so ties surround every target: the rank counts equal values before the target
        // and not after it, wherever the target falls in a group of vectors (whose lanes may hold elements out of order).
        foreach (int length in new[] { 131, 200 })
        {
            var random = new Random(length);
            float[] values = [.. Enumerable.Range(0, length).Select(_ => (float)random.Next(3))];
            T[] row = Convert(values);
            double[] widened = Widen(row);
            int argMax = NaiveReference.ArgMax(widened);
            for (int target = 0; target < length; target++)
            {
                TokenStatistics stats = Logits.Statistics<T>(row, target);
                Assert.True(NaiveReference.Rank(widened, target) == stats.TargetRank, $"length {length}, target {target}: rank {stats.TargetRank}");
                Assert.Equal(argMax, stats.ArgMax);
            }
        }
    }

    [Fact]
    public void Statistics_MatchReference_WithMaskedLogitsOfEveryMagnitude()
    {
        // Vocabulary masks come as −∞, float.MinValue or just very negative numbers. Each gives a zero term, whether the
        // kernel's fast pass handles it or hands the row to a clamped pass.
        float[] masks = [-1e3f, -1e5f, -3e7f, -1e8f, -1e12f, -1e20f, -1e30f, float.MinValue, float.NegativeInfinity];
        foreach (float mask in masks)
        {
            foreach (int length in new[] { 70, 1000, 4099 })
            {
                float[] values = new RowCase(length, length + 17, 1.5, 3, 0, 0, false, 0).BuildSingles();
                for (int i = 3; i < length; i += 7)
                {
                    values[i] = mask;
                }

                T[] row = Convert(values);
                double[] widened = Widen(row);
                AssertMatchesReference(row, widened, 1);
                AssertMatchesReference(row, widened, NaiveReference.ArgMax(widened));
            }
        }
    }

    [Fact]
    public void Statistics_MatchReference_WhenTheRowStartsMaskedLowOrRising()
    {
        // The kernel takes its first reference maximum from the row's first group (64 logits at 512 bits, 16 at 128):
        // rows whose first group is masked, far below the rest, or the bottom of a steady rise must come out as any other.
        float[] starts = [float.NegativeInfinity, float.MinValue, -1e30f, -60f];
        foreach (float start in starts)
        {
            foreach (int prefix in new[] { 16, 64, 200 })
            {
                float[] values = new RowCase(3001, prefix, 1.5, 3, 0, 0, false, 0).BuildSingles();
                Array.Fill(values, start, 0, prefix);
                T[] row = Convert(values);
                double[] widened = Widen(row);
                AssertMatchesReference(row, widened, prefix + 5);
                AssertMatchesReference(row, widened, NaiveReference.ArgMax(widened));
                if (prefix > 16)
                {
                    AssertMatchesReference(row, widened, 3);
                }
            }
        }

        float[] rising = new RowCase(4099, 7, 0, 1, 0, 0, false, 0).BuildSingles();
        for (int i = 0; i < rising.Length; i++)
        {
            rising[i] += 0.02f * i;
        }

        T[] risingRow = Convert(rising);
        double[] risingWidened = Widen(risingRow);
        AssertMatchesReference(risingRow, risingWidened, 0);
        AssertMatchesReference(risingRow, risingWidened, 2000);
    }

    /// <summary>Rows with far-negative but finite logits (every fifth one −1000), which the unclamped pass settles.</summary>
    private static T[] FarNegativeRow(int seed)
    {
        float[] values = new RowCase(2000 + seed, seed, 1.5, 3, 0, 0, false, 0).BuildSingles();
        for (int i = seed % 5; i < values.Length; i += 5)
        {
            values[i] = -1000f;
        }

        return Convert(values);
    }

    /// <summary>Whether the row kernel tries a pass without the clamp first at this process's width: AVX-512, AVX2 with
    /// FMA, and NEON (128 bits with a fused multiply-add).</summary>
    private static bool TriesUnclampedStatistics =>
        Logits.VectorWidthInBits == 512
        || (Logits.VectorWidthInBits == 256 && System.Runtime.Intrinsics.X86.Fma.IsSupported)
        || (Logits.VectorWidthInBits == 128 && System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported);

    /// <summary>A row with one −∞, which the unclamped pass cannot settle.</summary>
    private static T[] MaskedRow(int seed)
    {
        T[] row = FarNegativeRow(seed);
        row[7] = TElement.FromSingle(float.NegativeInfinity);
        return row;
    }

    [Fact]
    public void Statistics_AreBitIdentical_WhetherOrNotARowStartsClamped()
    {
        // On AVX-512, on AVX2 with FMA and on NEON, the kernel first tries a pass that does not clamp x − m, and a batch
        // starts the rows after a masked one with the clamped pass instead (elsewhere every pass clamps). Rows with
        // far-negative but finite logits must give the same bits either way. Many rows, because a small difference
        // between the passes would show only where it tips a float rounding.
        for (int seed = 0; seed < 150; seed++)
        {
            T[] row = FarNegativeRow(seed);
            TokenStatistics unclamped = RowKernels.Statistics<T>(row, 1, 1f, startClamped: false, out bool retried);
            Assert.False(retried, $"seed {seed}: the unclamped pass should settle far-negative finite logits");
            Assert.Equal(unclamped, RowKernels.Statistics<T>(row, 1, 1f, startClamped: true, out _));
            Assert.Equal(
                RowKernels.CrossEntropy<T>(row, 1, 1f, 0.1f, 0f, startClamped: false, out _),
                RowKernels.CrossEntropy<T>(row, 1, 1f, 0.1f, 0f, startClamped: true, out _));
        }
    }

    [Fact]
    public void MaskedRow_NeedsTheClampedRetry_OnlyWhereTheKernelTriesUnclamped()
    {
        T[] masked = MaskedRow(3);

        // An fp16 group that holds an infinity is read again exactly and summed with the clamp, so a masked fp16 row
        // settles in the unclamped pass.
        bool retries = TriesUnclampedStatistics && typeof(T) != typeof(Half);
        TokenStatistics retriedStatistics = RowKernels.Statistics<T>(masked, 1, 1f, startClamped: false, out bool retried);
        Assert.Equal(retries, retried);
        Assert.Equal(retriedStatistics, RowKernels.Statistics<T>(masked, 1, 1f, startClamped: true, out bool retriedWhenClamped));
        Assert.False(retriedWhenClamped);
    }

    [Fact]
    public void SingleRowCalls_AfterOneThatNeededTheRetry_StartClamped()
    {
        // A caller scoring a masked matrix one row at a time: after a call on a masked row needed the clamped retry, the
        // calls after it on the thread start clamped, so each masked row is read once.
        T[] masked = MaskedRow(3);
        T[] clean = FarNegativeRow(3);
        bool retries = TriesUnclampedStatistics && typeof(T) != typeof(Half);
        RowKernels.Statistics<T>(masked, 1, 1f, startClamped: false, out bool statisticsRetry);
        RowKernels.CrossEntropy<T>(masked, 1, 1f, 0f, 0f, startClamped: false, out bool lossRetry);
        RowKernels.Summarize<T, LogSumExpMode>(masked, 0, 1f, startClamped: false, out bool logSumExpRetry);
        RowKernels.Compare<T>(clean, masked, 1, 1f, startClamped: false, out bool pairRetry);
        Assert.Equal(retries, statisticsRetry);
        var probabilities = new float[masked.Length];
        (string Call, bool Retries, Action Run)[] calls =
        [
            ("Statistics", statisticsRetry, () => Logits.Statistics<T>(masked, 1)),
            ("CrossEntropy", lossRetry, () => Logits.CrossEntropy<T>(masked, 1)),
            ("LogSumExp", logSumExpRetry, () => Logits.LogSumExp<T>(masked)),
            ("Softmax", logSumExpRetry, () => Logits.Softmax<T>(masked, probabilities)),
            ("LogSoftmax", logSumExpRetry, () => Logits.LogSoftmax<T>(masked, probabilities)),
        ];
        foreach ((string call, bool callRetries, Action run) in calls)
        {
            EndRuns();
            run();
            Assert.True(callRetries == SingleRowPassRuns.NextRowStartsClamped(), $"{call}: the next row's pass");
            Assert.False(SingleRowPassRuns.NextPairStartsClamped(), $"{call}: the next pair's pass");
        }

        EndRuns();
        Logits.Compare<T>(clean, masked, 1);
        Assert.Equal(pairRetry, SingleRowPassRuns.NextPairStartsClamped());
        Assert.False(SingleRowPassRuns.NextRowStartsClamped());

        // A clean row starts the unclamped pass again once the run is used up.
        EndRuns();
        Logits.Statistics<T>(masked, 1);
        for (int call = 0; call < ClampedPassRun.RowsAfterRetry; call++)
        {
            Logits.Statistics<T>(clean, 1);
        }

        Assert.False(SingleRowPassRuns.NextRowStartsClamped());

        static void EndRuns()
        {
            while (SingleRowPassRuns.NextRowStartsClamped() || SingleRowPassRuns.NextPairStartsClamped())
            {
            }
        }
    }

    [Fact]
    public void SingleRowCalls_DoNotDependOnTheRowsBeforeThemOnTheThread()
    {
        // Each row on a fresh thread, then each row on this thread right after a masked row: the same bits.
        const int rows = 20;
        var fresh = new (TokenStatistics Statistics, float Loss, float LogSumExp)[rows];
        var thread = new Thread(() =>
        {
            for (int seed = 0; seed < rows; seed++)
            {
                T[] row = FarNegativeRow(seed);
                fresh[seed] = (Logits.Statistics<T>(row, 1), Logits.CrossEntropy<T>(row, 1), Logits.LogSumExp<T>(row));
            }
        });
        thread.Start();
        thread.Join();

        for (int seed = 0; seed < rows; seed++)
        {
            T[] row = FarNegativeRow(seed);
            Logits.Statistics<T>(MaskedRow(seed), 1);
            Assert.Equal(fresh[seed].Statistics, Logits.Statistics<T>(row, 1));
            Logits.CrossEntropy<T>(MaskedRow(seed), 1);
            Assert.Equal(fresh[seed].Loss, Logits.CrossEntropy<T>(row, 1));
            Logits.LogSumExp<T>(MaskedRow(seed));
            Assert.Equal(fresh[seed].LogSumExp, Logits.LogSumExp<T>(row));
        }
    }

    [Fact]
    public void LogSumExp_IsShiftInvariant()
    {
        // Values on a 1/4 grid within ±8 and shifts of 4, −8 and 16 are exact in float, fp16 and bf16, so the shifted
        // row is exactly x + c and LSE(x + c) − c must equal LSE(x) within the bound.
        PropertyCheck.ForAll(RowCase.Arbitrary(), rowCase =>
        {
            var random = new Random(rowCase.Seed);
            float[] grid = Enumerable.Range(0, rowCase.Length).Select(_ => random.Next(-32, 33) / 4f).ToArray();
            float baseLse = Logits.LogSumExp<T>(Convert(grid));
            foreach (float shift in new[] { 4f, -8f, 16f })
            {
                float shifted = Logits.LogSumExp<T>(Convert(grid.Select(v => v + shift).ToArray()));
                double tolerance = 2 * NaiveReference.LogSumExpTolerance(baseLse + shift);
                Assert.True(Math.Abs(shifted - shift - baseLse) <= tolerance, $"shift {shift}: {shifted} vs {baseLse}");
            }
        });
    }

    [Fact]
    public void SoftmaxAndLogSoftmax_MatchReference()
    {
        PropertyCheck.ForAll(RowCase.Arbitrary(), rowCase =>
        {
            (T[] row, double[] widened) = Build(rowCase);
            double[] expected = NaiveReference.LogSoftmax(widened);
            double tolerance = NaiveReference.LogSumExpTolerance(NaiveReference.LogSumExp(widened));

            var logProbabilities = new float[row.Length];
            Logits.LogSoftmax<T>(row, logProbabilities);
            var probabilities = new float[row.Length + 3];
            Logits.Softmax<T>(row, probabilities);

            double total = 0;
            for (int i = 0; i < row.Length; i++)
            {
                if (double.IsNegativeInfinity(expected[i]))
                {
                    Assert.Equal(float.NegativeInfinity, logProbabilities[i]);
                    Assert.Equal(0f, probabilities[i]);
                    continue;
                }

                // (x − max) − log-sum in float: the bound plus two roundings, each half an ulp of the larger operand.
                double ulpOfX = Math.Max(Math.Abs(widened[i]), Math.Abs(expected[i])) * 1.2e-7;
                Assert.True(Math.Abs(logProbabilities[i] - expected[i]) <= tolerance + ulpOfX, $"log p[{i}] {logProbabilities[i]} vs {expected[i]}");
                double p = Math.Exp(expected[i]);
                Assert.True(Math.Abs(probabilities[i] - p) <= (p * (tolerance + ulpOfX + 3e-7)) + 1e-38, $"p[{i}] {probabilities[i]} vs {p}");
                total += probabilities[i];
            }

            Assert.True(Math.Abs(total - 1) <= 1e-5, $"softmax sums to {total}");
            Assert.Equal(0f, probabilities[row.Length]);
        });
    }

    [Fact]
    public void Softmax_DoesNotOverflow_OnLargeLogits()
    {
        var probabilities = new float[2];
        Logits.Softmax<T>(Convert([100f, 0f]), probabilities);
        Assert.Equal(1f, probabilities[0]);
        Assert.InRange(probabilities[1], 0f, 1e-43f);

        // The largest finite magnitude of each type: float 3.4e38, bf16 3.39e38, fp16 65504.
        float big = typeof(T) == typeof(Half) ? 65504f : typeof(T) == typeof(BFloat16) ? (float)BFloat16.MaxValue : float.MaxValue;
        T[] huge = Convert([big, -big, big * 0.5f, 0f, -big * 0.5f]);
        TokenStatistics stats = Logits.Statistics<T>(huge, 3);
        Assert.Equal((double)big, stats.LogSumExp, 1e-6 * big);
        Assert.Equal((double)big, stats.Loss, 1e-6 * big);
        Assert.Equal(0, stats.ArgMax);
        Assert.Equal(2, stats.TargetRank);
        Assert.True(float.IsFinite(stats.Loss) && stats.Loss > 0, $"loss {stats.Loss}");
        Assert.Equal(0f, stats.Entropy, 1e-6f);
    }

    public static TheoryData<int, int> SpecialPositions => new()
    {
        { 1, 0 }, { 5, 4 }, { 16, 0 }, { 17, 16 }, { 100, 37 }, { 1000, 999 }, { 4099, 2048 },
    };

    [Theory]
    [MemberData(nameof(SpecialPositions))]
    public void NaN_AnywhereGivesNaN(int length, int position)
    {
        float[] values = new RowCase(length, position, 0, 2, 0, 0, false, 0).BuildSingles();
        values[position] = float.NaN;
        T[] row = Convert(values);
        TokenStatistics stats = Logits.Statistics<T>(row, 0);
        Assert.True(float.IsNaN(stats.LogSumExp) && float.IsNaN(stats.Loss) && float.IsNaN(stats.Entropy) && float.IsNaN(stats.TargetProbability));
        Assert.Equal(-1, stats.ArgMax);
        Assert.Equal(-1, stats.TargetRank);
        Assert.True(float.IsNaN(Logits.LogSumExp<T>(row)));
        Assert.True(float.IsNaN(Logits.CrossEntropy<T>(row, length - 1)));
        var output = new float[length];
        Logits.Softmax<T>(row, output);
        Assert.All(output, p => Assert.True(float.IsNaN(p)));
    }

    [Theory]
    [MemberData(nameof(SpecialPositions))]
    public void PositiveInfinity_GivesInfiniteLogSumExp(int length, int position)
    {
        float[] values = new RowCase(length, position, 0, 2, 0, 0, false, 0).BuildSingles();
        values[position] = float.PositiveInfinity;
        T[] row = Convert(values);
        Assert.Equal(float.PositiveInfinity, Logits.LogSumExp<T>(row));
        TokenStatistics stats = Logits.Statistics<T>(row, position);
        Assert.Equal(float.PositiveInfinity, stats.LogSumExp);
        Assert.True(float.IsNaN(stats.Loss), "∞ − ∞ for a +∞ target");
        Assert.Equal(position, stats.ArgMax);
        Assert.Equal(0, stats.TargetRank);
        if (length > 1)
        {
            int other = position == 0 ? 1 : 0;
            Assert.Equal(float.PositiveInfinity, Logits.CrossEntropy<T>(row, other));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(1000)]
    public void AllNegativeInfinity_GivesNegativeInfiniteLogSumExpAndNaNLoss(int length)
    {
        T[] row = Convert(Enumerable.Repeat(float.NegativeInfinity, length).ToArray());
        Assert.Equal(float.NegativeInfinity, Logits.LogSumExp<T>(row));
        Assert.True(float.IsNaN(Logits.CrossEntropy<T>(row, length - 1)));
        TokenStatistics stats = Logits.Statistics<T>(row, length - 1);
        Assert.Equal(float.NegativeInfinity, stats.LogSumExp);
        Assert.True(float.IsNaN(stats.Loss));
        Assert.Equal(0, stats.ArgMax);
        Assert.Equal(length - 1, stats.TargetRank);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(40)]
    [InlineData(3001)]
    public void MaskedTarget_GivesInfiniteLoss(int length)
    {
        float[] values = new RowCase(length, 11, 0, 1, 0, 0, false, 0).BuildSingles();
        values[1] = float.NegativeInfinity;
        T[] row = Convert(values);
        double[] widened = Widen(row);
        Assert.Equal(float.PositiveInfinity, Logits.CrossEntropy<T>(row, 1));
        TokenStatistics stats = Logits.Statistics<T>(row, 1);
        Assert.Equal(float.PositiveInfinity, stats.Loss);
        Assert.Equal(0f, stats.TargetProbability);
        Assert.Equal(NaiveReference.Rank(widened, 1), stats.TargetRank);
        Assert.Equal(NaiveReference.LogSumExp(widened), stats.LogSumExp, NaiveReference.LogSumExpTolerance(stats.LogSumExp));
    }

    [Fact]
    public void InvalidArguments_Throw_WithClearMessages()
    {
        Assert.Throws<ArgumentException>("row", () => Logits.LogSumExp<T>(ReadOnlySpan<T>.Empty));
        Assert.Throws<ArgumentException>("row", () => Logits.Statistics<T>(ReadOnlySpan<T>.Empty, 0));
        T[] row = Convert([1f, 2f, 3f]);
        var error = Assert.Throws<ArgumentOutOfRangeException>("target", () => Logits.CrossEntropy<T>(row, 3));
        Assert.Contains("3", error.Message, StringComparison.Ordinal);
        Assert.Contains("[0, 3)", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>("target", () => Logits.Statistics<T>(row, -1));
        Assert.Throws<ArgumentException>("probabilities", () => Logits.Softmax<T>(row, new float[2]));
        Assert.Throws<ArgumentException>("logProbabilities", () => Logits.LogSoftmax<T>(row, new float[1]));
    }

    [Fact]
    public void Kernels_DoNotAllocate()
    {
        T[] row = Convert(new RowCase(50_000, 5, 1, 3, 0.1, 0, false, 0).BuildSingles());
        var output = new float[row.Length];
        void CallAll()
        {
            Logits.LogSumExp<T>(row);
            Logits.CrossEntropy<T>(row, 7);
            Logits.Statistics<T>(row, 7);
            Logits.Softmax<T>(row, output);
            Logits.LogSoftmax<T>(row, output);
        }

        // The first rounds may allocate while the JIT tiers the methods up; a per-call allocation would show in every
        // round, so the steady state (the last round) must be zero.
        long allocated = -1;
        for (int round = 0; round < 6; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++)
            {
                CallAll();
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Thread.Sleep(20);
        }

        Assert.Equal(0, allocated);
    }
}

public sealed class SingleLogitsTests : LogitsContractTests<float, SingleElement>
{
    [Fact]
    public void Softmax_InPlace_MatchesOutOfPlace()
    {
        foreach (int length in new[] { 3, 17, 1000, 4097 })
        {
            float[] row = new RowCase(length, length, 0, 3, 0, 0, false, 0).BuildSingles();
            var expected = new float[length];
            Logits.Softmax<float>(row, expected);
            Logits.Softmax<float>(row, row);
            Assert.Equal(expected, row);
        }
    }

    [Fact]
    public void Softmax_PartialOverlap_Throws()
    {
        float[] buffer = new float[40];
        buffer.AsSpan().Fill(1f);
        Assert.Throws<ArgumentException>("probabilities", () => Logits.Softmax<float>(buffer.AsSpan(0, 32), buffer.AsSpan(1, 32)));
    }

    [Fact]
    public void LargestFiniteMagnitudes_DoNotOverflow()
    {
        float[] row = [float.MaxValue, -float.MaxValue, float.MinValue, 3e38f, -3e38f];
        TokenStatistics stats = Logits.Statistics<float>(row, 3);
        Assert.Equal(float.MaxValue, stats.LogSumExp);
        Assert.Equal((double)float.MaxValue - 3e38, stats.Loss, 1e31);
        Assert.Equal(0, stats.ArgMax);
        float[] allMin = Enumerable.Repeat(float.MinValue, 33).ToArray();
        Assert.Equal(float.MinValue + Math.Log(33), Logits.LogSumExp<float>(allMin), 1e32);
        Assert.Equal(0, Logits.Statistics<float>(allMin, 5).ArgMax);
    }

    [Fact]
    public void UnsupportedElementType_Throws()
    {
        Assert.Throws<NotSupportedException>(() => Logits.LogSumExp<double>(new double[] { 1, 2 }));
    }
}

public sealed class HalfLogitsTests : LogitsContractTests<Half, HalfElement>;

public sealed class BFloat16LogitsTests : LogitsContractTests<BFloat16, BFloat16Element>;
