using CommunityToolkit.HighPerformance;
using LossEngine.Tests.Reference;

namespace LossEngine.Tests.Scoring;

/// <summary>The batch API's contract, run for every element type: PyTorch semantics of every cross-entropy option
/// against reference formulas written here, batch statistics, KL comparison, pitched views, errors, and results that do
/// not depend on the thread count or block size.</summary>
public abstract class BatchScoringContractTests<T, TElement>
    where T : unmanaged
    where TElement : IElementType<T>
{
    private static T[] Convert(float[] values) => values.Select(TElement.FromSingle).ToArray();

    private static double[] WidenRow(T[] logits, int row, int width) =>
        logits.AsSpan(row * width, width).ToArray().Select(v => (double)TElement.ToSingle(v)).ToArray();

    private static void AssertClose(double expected, double actual, double tolerance, string what)
    {
        bool close = double.IsFinite(expected) ? Math.Abs(actual - expected) <= tolerance : actual.Equals(expected);
        Assert.True(close, $"{what}: {actual:R} vs reference {expected:R} (tolerance {tolerance:G3})");
    }

    public static TheoryData<float, float, float> OptionSets => new()
    {
        { 1f, 0f, 0f }, { 1f, 0.1f, 0f }, { 1f, 1f, 0f }, { 1f, 0f, 1e-4f }, { 2.5f, 0f, 0f }, { 0.7f, 0.2f, 1e-3f },
    };

    [Theory]
    [MemberData(nameof(OptionSets))]
    public void CrossEntropy_MatchesPyTorchSemantics(float temperature, float labelSmoothing, float zLoss)
    {
        PropertyCheck.ForAll(MatrixCase.Arbitrary(), matrixCase =>
        {
            (float[] values, int[] targets) = matrixCase.Build();
            T[] logits = Convert(values);
            var span = new ReadOnlySpan2D<T>(logits, matrixCase.Rows, matrixCase.Width);
            var losses = new float[matrixCase.Rows];
            var options = new CrossEntropyOptions { Temperature = temperature, LabelSmoothing = labelSmoothing, ZLoss = zLoss, Reduction = Reduction.Sum };
            double sum = Logits.CrossEntropy(span, targets, losses, options);

            double referenceSum = 0;
            double sumTolerance = 0;
            int counted = 0;
            for (int row = 0; row < matrixCase.Rows; row++)
            {
                if (targets[row] == -100)
                {
                    Assert.Equal(0f, losses[row]);
                    continue;
                }

                double[] x = WidenRow(logits, row, matrixCase.Width);
                double expected = NaiveReference.CrossEntropy(x, targets[row], temperature, labelSmoothing, zLoss);
                double lse = NaiveReference.LogSumExp(x.Select(v => v / temperature).ToArray());
                double mean = x.Where(double.IsFinite).Select(v => Math.Abs(v / temperature)).DefaultIfEmpty(0).Max();
                double tolerance = NaiveReference.LossTolerance(Math.Max(Math.Abs(lse), mean), expected) * (1 + (2 * zLoss * Math.Abs(lse)));
                AssertClose(expected, losses[row], tolerance, $"row {row} of {matrixCase}");
                referenceSum += expected;
                sumTolerance += tolerance;
                counted++;
            }

            AssertClose(referenceSum, sum, sumTolerance + 1e-9, "sum");
            double mean2 = Logits.CrossEntropy(span, targets, Span<float>.Empty, options with { Reduction = Reduction.Mean });
            if (counted == 0)
            {
                Assert.True(double.IsNaN(mean2), "an all-ignored mean is NaN, as in PyTorch");
            }
            else
            {
                Assert.Equal(sum / counted, mean2);
            }
        });
    }

    [Fact]
    public void CrossEntropy_ZeroLabelSmoothing_EqualsPlainNll()
    {
        (float[] values, int[] targets) = new MatrixCase(17, 333, 5, 3, 0.1, 0.2).Build();
        T[] logits = Convert(values);
        var span = new ReadOnlySpan2D<T>(logits, 17, 333);
        var smoothed = new float[17];
        var plain = new float[17];
        Logits.CrossEntropy(span, targets, smoothed, new CrossEntropyOptions { LabelSmoothing = 0f, Reduction = Reduction.None });
        Logits.CrossEntropy(span, targets, plain, new CrossEntropyOptions { Reduction = Reduction.None });
        Assert.Equal(plain, smoothed);
        for (int row = 0; row < 17; row++)
        {
            float single = targets[row] == -100 ? 0f : Logits.CrossEntropy<T>(span.GetRowSpan(row), targets[row]);
            Assert.Equal(single, plain[row]);
        }
    }

    [Fact]
    public void CrossEntropy_AllIgnored_MeanIsNaN_SumIsZero()
    {
        T[] logits = Convert(new float[3 * 5]);
        int[] targets = [-100, -100, -100];
        var span = new ReadOnlySpan2D<T>(logits, 3, 5);
        Assert.True(double.IsNaN(Logits.CrossEntropy(span, targets, Span<float>.Empty)));
        Assert.Equal(0.0, Logits.CrossEntropy(span, targets, Span<float>.Empty, new CrossEntropyOptions { Reduction = Reduction.Sum }));
        Assert.True(double.IsNaN(Logits.CrossEntropy(new ReadOnlySpan2D<T>(logits, 0, 5), ReadOnlySpan<int>.Empty, Span<float>.Empty)));
    }

    [Fact]
    public void CrossEntropy_CustomIgnoreIndex_AndLongTargets()
    {
        (float[] values, int[] targets) = new MatrixCase(9, 50, 8, 1, 0, 0.3).Build(ignoreIndex: 7);
        T[] logits = Convert(values);
        var span = new ReadOnlySpan2D<T>(logits, 9, 50);
        var options = new CrossEntropyOptions { IgnoreIndex = 7, Reduction = Reduction.None };
        var fromInt = new float[9];
        var fromLong = new float[9];
        Logits.CrossEntropy(span, targets, fromInt, options);
        Logits.CrossEntropy(span, targets.Select(t => (long)t).ToArray(), fromLong, options);
        Assert.Equal(fromInt, fromLong);
        for (int row = 0; row < 9; row++)
        {
            Assert.Equal(targets[row] == 7 ? 0f : Logits.CrossEntropy<T>(span.GetRowSpan(row), targets[row]), fromInt[row]);
        }
    }

    [Fact]
    public void PitchedView_OfBatchSequenceVocab_ScoresShiftedRows()
    {
        // A [B=3, S=6, V=41] tensor scored the causal-LM way: logits[:, :-1] against labels[:, 1:], as a 2-D view with a
        // pitch of one row per sequence.
        const int batch = 3, sequence = 6, vocab = 41;
        float[] values = new MatrixCase(batch * sequence, vocab, 21, 2, 0, 0).Build().Logits;
        T[] logits = Convert(values);
        var labels = Enumerable.Range(0, batch * sequence).Select(i => (i * 7) % vocab).ToArray();
        var statistics = new TokenStatistics[batch * (sequence - 1)];
        var losses = new float[batch * (sequence - 1)];
        for (int b = 0; b < batch; b++)
        {
            var view = new ReadOnlySpan2D<T>(logits, b * sequence * vocab, sequence - 1, vocab, 0);
            int[] shiftedLabels = labels.AsSpan((b * sequence) + 1, sequence - 1).ToArray();
            Logits.CrossEntropy(view, shiftedLabels, losses.AsSpan(b * (sequence - 1), sequence - 1), new CrossEntropyOptions { Reduction = Reduction.None });
            Logits.Statistics(view, shiftedLabels, statistics.AsSpan(b * (sequence - 1), sequence - 1));
        }

        // The same rows through a single pitched view over all batches: row stride V, skipping one row per sequence.
        var pitched = new ReadOnlySpan2D<T>(logits, 0, batch * sequence, vocab, 0).Slice(0, 0, batch * sequence, vocab);
        for (int b = 0; b < batch; b++)
        {
            for (int s = 0; s < sequence - 1; s++)
            {
                ReadOnlySpan<T> row = pitched.GetRowSpan((b * sequence) + s);
                int label = labels[(b * sequence) + s + 1];
                Assert.Equal(Logits.CrossEntropy<T>(row, label), losses[(b * (sequence - 1)) + s]);
                Assert.Equal(Logits.Statistics<T>(row, label), statistics[(b * (sequence - 1)) + s]);
            }
        }

        // A real pitch: the first V−3 columns of every row.
        var narrow = new ReadOnlySpan2D<T>(logits, 0, batch * sequence, vocab - 3, 3);
        int[] narrowTargets = Enumerable.Range(0, batch * sequence).Select(i => i % (vocab - 3)).ToArray();
        var narrowLosses = new float[batch * sequence];
        Logits.CrossEntropy(narrow, narrowTargets, narrowLosses, new CrossEntropyOptions { Reduction = Reduction.None, RowsPerBlock = 4 });
        for (int row = 0; row < batch * sequence; row++)
        {
            Assert.Equal(Logits.CrossEntropy<T>(logits.AsSpan(row * vocab, vocab - 3), narrowTargets[row]), narrowLosses[row]);
        }
    }

    [Fact]
    public void Results_AreBitwiseIdentical_ForAnyThreadCountAndBlockSize()
    {
        (float[] values, int[] targets) = new MatrixCase(61, 3001, 99, 4, 0.05, 0.1).Build();
        T[] logits = Convert(values);
        T[] candidateLogits = Convert(values.Select((v, i) => v + (float)Math.Sin(i)).ToArray());
        var span = new ReadOnlySpan2D<T>(logits, 61, 3001);
        var candidate = new ReadOnlySpan2D<T>(candidateLogits, 61, 3001);

        float[]? firstLosses = null;
        TokenStatistics[]? firstStatistics = null;
        ComparisonStatistics[]? firstComparisons = null;
        double firstMean = 0, firstSum = 0;
        foreach (int threads in new[] { 1, 2, 3, 8 })
        {
            foreach (int rowsPerBlock in new[] { 0, 1, 7, 61 })
            {
                var options = new CrossEntropyOptions { MaxDegreeOfParallelism = threads, RowsPerBlock = rowsPerBlock, LabelSmoothing = 0.1f, ZLoss = 1e-4f };
                var losses = new float[61];
                double mean = Logits.CrossEntropy(span, targets, losses, options);
                double sum = Logits.CrossEntropy(span, targets, Span<float>.Empty, options with { Reduction = Reduction.Sum });
                var statistics = new TokenStatistics[61];
                Logits.Statistics(span, targets, statistics, options);
                var comparisons = new ComparisonStatistics[61];
                Logits.Compare(span, candidate, targets, comparisons, options);
                if (firstLosses is null)
                {
                    (firstLosses, firstStatistics, firstComparisons, firstMean, firstSum) = (losses, statistics, comparisons, mean, sum);
                    continue;
                }

                Assert.Equal(firstLosses, losses);
                Assert.Equal(firstStatistics, statistics);
                Assert.Equal(firstComparisons, comparisons);
                Assert.Equal(BitConverter.DoubleToInt64Bits(firstMean), BitConverter.DoubleToInt64Bits(mean));
                Assert.Equal(BitConverter.DoubleToInt64Bits(firstSum), BitConverter.DoubleToInt64Bits(sum));
            }
        }
    }

    [Fact]
    public void Statistics_Batch_EqualsRowByRow_WithIgnoredRowsDefined()
    {
        (float[] values, int[] targets) = new MatrixCase(23, 130, 3, 2, 0.1, 0.25).Build();
        T[] logits = Convert(values);
        var span = new ReadOnlySpan2D<T>(logits, 23, 130);
        var statistics = new TokenStatistics[23];
        Logits.Statistics(span, targets, statistics, new ScoringOptions { RowsPerBlock = 5 });
        for (int row = 0; row < 23; row++)
        {
            if (targets[row] == -100)
            {
                Assert.Equal(TokenStatistics.Ignored, statistics[row]);
                Assert.True(statistics[row].IsIgnored);
                continue;
            }

            Assert.Equal(Logits.Statistics<T>(span.GetRowSpan(row), targets[row]), statistics[row]);
            Assert.False(statistics[row].IsIgnored);
        }
    }

    [Fact]
    public void RowsAfterMaskedRows_EqualRowByRow()
    {
        // On AVX-512, and on AVX2 with FMA, a batch starts the rows after a masked one with the clamped pass, while a single-row call always
        // tries the unclamped one first. Runs of masked rows between rows with far-negative but finite logits (which the
        // unclamped pass settles) must give the same bits both ways, for every statistic and loss.
        const int rows = 150, width = 700;
        var random = new Random(5);
        var values = new float[rows * width];
        var targets = new int[rows];
        for (int row = 0; row < rows; row++)
        {
            bool masked = row is (>= 10 and < 30) or (>= 80 and < 83) or 120;
            targets[row] = row % 37 == 5 ? -100 : random.Next(1, width);
            for (int column = 0; column < width; column++)
            {
                float x = (float)(3 * RowCase.Gaussian(random));
                values[(row * width) + column] = column % 5 == row % 5 ? -1000f : masked && column == 0 ? float.NegativeInfinity : x;
            }
        }

        T[] logits = Convert(values);
        var span = new ReadOnlySpan2D<T>(logits, rows, width);
        var statistics = new TokenStatistics[rows];
        Logits.Statistics(span, targets, statistics, new ScoringOptions { MaxDegreeOfParallelism = 1 });
        var losses = new float[rows];
        Logits.CrossEntropy(span, targets, losses, new CrossEntropyOptions { MaxDegreeOfParallelism = 1, Reduction = Reduction.None });
        var smoothedLosses = new float[rows];
        Logits.CrossEntropy(span, targets, smoothedLosses, new CrossEntropyOptions { MaxDegreeOfParallelism = 1, LabelSmoothing = 0.1f, Reduction = Reduction.None });
        for (int row = 0; row < rows; row++)
        {
            if (targets[row] == -100)
            {
                continue;
            }

            ReadOnlySpan<T> logitRow = span.GetRowSpan(row);
            Assert.Equal(Logits.Statistics(logitRow, targets[row]), statistics[row]);
            Assert.Equal(Logits.CrossEntropy(logitRow, targets[row]), losses[row]);
            Assert.Equal(LossEngine.Kernels.RowKernels.CrossEntropy(logitRow, targets[row], 1f, 0.1f, 0f, startClamped: false, out _), smoothedLosses[row]);
        }
    }

    [Fact]
    public void Temperature_ScalesTheLogits()
    {
        (float[] values, int[] targets) = new MatrixCase(6, 77, 4, 3, 0, 0).Build();
        T[] logits = Convert(values);
        var span = new ReadOnlySpan2D<T>(logits, 6, 77);
        var statistics = new TokenStatistics[6];
        Logits.Statistics(span, targets, statistics, new ScoringOptions { Temperature = 2f });
        for (int row = 0; row < 6; row++)
        {
            // Multiplying by 1/2 is exact in every element type, so the row halved beforehand gives bit-identical
            // statistics, both in the same element type and as float.
            float[] halved = [.. logits.AsSpan(row * 77, 77).ToArray().Select(v => TElement.ToSingle(v) * 0.5f)];
            Assert.Equal(Logits.Statistics<T>(Convert(halved), targets[row]), statistics[row]);
            Assert.Equal(Logits.Statistics<float>(halved, targets[row]), statistics[row]);
        }
    }

    [Fact]
    public void ArgMax_IsTheFirstOfTiedMaxima_WithAndWithoutTemperature()
    {
        // The maximum repeated in later groups, in other lanes and vector slots, and in the remainder after the main
        // loop's groups (4099 = 64 groups of 64 + 3): the first index must win, at every width and temperature.
        int[][] placements = [[700, 1500, 2100, 4097], [4097, 4098], [63, 64, 65, 4000], [1, 17, 33, 49], [2000, 1999]];
        foreach (float temperature in new[] { 1f, 0.7f })
        {
            foreach (int[] places in placements)
            {
                float[] values = new RowCase(4099, places[0], 0, 2, 0, 0, false, 0).BuildSingles();
                foreach (int place in places)
                {
                    values[place] = 30f;
                }

                T[] logits = Convert(values);
                var statistics = new TokenStatistics[1];
                Logits.Statistics(new ReadOnlySpan2D<T>(logits, 1, 4099), [5], statistics, new ScoringOptions { Temperature = temperature });
                Assert.Equal(places.Min(), statistics[0].ArgMax);
                Assert.Equal(30f / temperature, statistics[0].MaxLogit, 1e-4f);
            }
        }
    }

    [Fact]
    public void Compare_ArgMaxes_AreTheFirstOfTiedMaxima_AfterLowerRecordsInOtherLanes()
    {
        // Each row climbs to its maximum 30 through records in other lanes and vectors (29, 29.75, 29.875: exact in every
        // element type), then repeats the maximum in later groups, other lanes and the remainder (4099 = 256 vectors of
        // 16 + 3): the first index must win in both rows, whether or not a later lane holds a lower record of its own.
        int[][] placements = [[700, 1500, 2100, 4097], [4097, 4098], [63, 64, 65, 4000], [1, 17, 33, 49], [2000, 1999]];
        foreach (float temperature in new[] { 1f, 0.7f })
        {
            for (int p = 0; p < placements.Length; p++)
            {
                int[] referencePlaces = placements[p];
                int[] candidatePlaces = placements[(p + 2) % placements.Length];
                float[] a = new RowCase(4099, 5, 0, 2, 0, 0, false, 0).BuildSingles();
                float[] b = [.. a.Select((v, i) => v + (0.5f * MathF.Cos(i)))];
                foreach ((float[] row, int[] places) in new[] { (a, referencePlaces), (b, candidatePlaces) })
                {
                    int first = places.Min();
                    row[(first + 3) / 2] = 29f;
                    row[first > 40 ? 3 * first / 4 : first + 1] = 29.75f;
                    row[first > 40 ? 9 : 4098 - (first % 7)] = first > 40 ? 29.75f : 29.875f;
                    foreach (int place in places)
                    {
                        row[place] = 30f;
                    }
                }

                var results = new ComparisonStatistics[1];
                Logits.Compare(new ReadOnlySpan2D<T>(Convert(a), 1, 4099), new ReadOnlySpan2D<T>(Convert(b), 1, 4099), [5], results, new ScoringOptions { Temperature = temperature });
                Assert.Equal(referencePlaces.Min(), results[0].ReferenceArgMax);
                Assert.Equal(candidatePlaces.Min(), results[0].CandidateArgMax);
            }
        }
    }

    [Fact]
    public void Compare_WithTemperature_EqualsComparingHalvedRows()
    {
        (float[] values, int[] targets) = new MatrixCase(6, 77, 4, 3, 0, 0).Build();
        T[] reference = Convert(values);
        T[] candidate = Convert([.. values.Select((v, i) => v + (0.25f * MathF.Sin(i)))]);
        var results = new ComparisonStatistics[6];
        Logits.Compare(new ReadOnlySpan2D<T>(reference, 6, 77), new ReadOnlySpan2D<T>(candidate, 6, 77), targets, results, new ScoringOptions { Temperature = 2f });
        for (int row = 0; row < 6; row++)
        {
            // Halving is exact in every element type, so the halved rows must give the same bits.
            T[] halvedReference = Convert([.. reference.AsSpan(row * 77, 77).ToArray().Select(v => TElement.ToSingle(v) * 0.5f)]);
            T[] halvedCandidate = Convert([.. candidate.AsSpan(row * 77, 77).ToArray().Select(v => TElement.ToSingle(v) * 0.5f)]);
            Assert.Equal(Logits.Compare<T>(halvedReference, halvedCandidate, targets[row]), results[row]);
        }
    }

    [Fact]
    public void Errors_NameTheRowAndValue_AndWriteNothing()
    {
        (float[] values, int[] targets) = new MatrixCase(5, 10, 1, 1, 0, 0).Build();
        T[] logits = Convert(values);
        var losses = Enumerable.Repeat(-7f, 5).ToArray();
        targets[3] = 10;
        var outOfRange = Assert.Throws<ArgumentOutOfRangeException>("targets", () => Logits.CrossEntropy(new ReadOnlySpan2D<T>(logits, 5, 10), targets, losses, new CrossEntropyOptions { Reduction = Reduction.None }));
        Assert.Contains("Row 3", outOfRange.Message, StringComparison.Ordinal);
        Assert.Contains("target 10", outOfRange.Message, StringComparison.Ordinal);
        Assert.All(losses, l => Assert.Equal(-7f, l));

        targets[3] = -1;
        Assert.Throws<ArgumentOutOfRangeException>("targets", () => Logits.CrossEntropy(new ReadOnlySpan2D<T>(logits, 5, 10), targets, losses));
        targets[3] = 2;
        var count = Assert.Throws<ArgumentException>("targets", () => Logits.CrossEntropy(new ReadOnlySpan2D<T>(logits, 5, 10), targets.AsSpan(0, 4), losses));
        Assert.Contains("4 targets for 5 rows", count.Message, StringComparison.Ordinal);
        var shortDestination = Assert.Throws<ArgumentException>("losses", () => Logits.CrossEntropy(new ReadOnlySpan2D<T>(logits, 5, 10), targets, losses.AsSpan(0, 2)));
        Assert.Contains("row 2", shortDestination.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>("losses", () => Logits.CrossEntropy(new ReadOnlySpan2D<T>(logits, 5, 10), targets, Span<float>.Empty, new CrossEntropyOptions { Reduction = Reduction.None }));
        Assert.Throws<ArgumentException>("statistics", () => Logits.Statistics(new ReadOnlySpan2D<T>(logits, 5, 10), targets, new TokenStatistics[4]));
        Assert.Throws<ArgumentException>("candidate", () => Logits.Compare(new ReadOnlySpan2D<T>(logits, 5, 10), new ReadOnlySpan2D<T>(logits, 5, 9), targets, new ComparisonStatistics[5]));
        Assert.Throws<ArgumentOutOfRangeException>("LabelSmoothing", () => Logits.CrossEntropy(new ReadOnlySpan2D<T>(logits, 5, 10), targets, losses, new CrossEntropyOptions { LabelSmoothing = 1.5f }));
        Assert.Throws<ArgumentOutOfRangeException>("Temperature", () => Logits.CrossEntropy(new ReadOnlySpan2D<T>(logits, 5, 10), targets, losses, new CrossEntropyOptions { Temperature = 0f }));
        Assert.All(losses, l => Assert.Equal(-7f, l));
    }

    [Fact]
    public void LongTargets_MatchIntTargets()
    {
        (float[] values, int[] targets) = new MatrixCase(40, 900, 12, 2, 0, 0.1).Build();
        T[] logits = Convert(values);
        var span = new ReadOnlySpan2D<T>(logits, 40, 900);
        long[] longTargets = [.. targets.Select(t => (long)t)];
        var statistics = new TokenStatistics[40];
        var statisticsFromInt = new TokenStatistics[40];
        Logits.Statistics(span, longTargets, statistics);
        Logits.Statistics(span, targets, statisticsFromInt);
        Assert.Equal(statisticsFromInt, statistics);
        var comparisons = new ComparisonStatistics[40];
        var comparisonsFromInt = new ComparisonStatistics[40];
        Logits.Compare(span, span, longTargets, comparisons);
        Logits.Compare(span, span, targets, comparisonsFromInt);
        Assert.Equal(comparisonsFromInt, comparisons);
    }

    [Fact]
    public void Compare_MatchesReference_OnRandomPairs()
    {
        PropertyCheck.ForAll(RowCase.Arbitrary(maxLength: 400), rowCase =>
        {
            var random = new Random(rowCase.Seed);
            float[] a = rowCase.BuildSingles();
            double noise = new[] { 0.0, 0.01, 0.3, 3.0 }[random.Next(4)];
            float[] b = a.Select(v => v + (float)(noise * RowCase.Gaussian(random))).ToArray();
            for (int i = 0; i < b.Length; i++)
            {
                if (i != rowCase.Target && random.NextDouble() < 0.05)
                {
                    // Masks on either side: q = 0 where p > 0 makes KL infinite; p = 0 contributes nothing.
                    if (random.Next(2) == 0)
                    {
                        b[i] = float.NegativeInfinity;
                    }
                    else
                    {
                        a[i] = float.NegativeInfinity;
                    }
                }
            }

            T[] reference = Convert(a);
            T[] candidate = Convert(b);
            double[] ra = reference.Select(v => (double)TElement.ToSingle(v)).ToArray();
            double[] rb = candidate.Select(v => (double)TElement.ToSingle(v)).ToArray();
            ComparisonStatistics result = Logits.Compare<T>(reference, candidate, rowCase.Target);
            double kl = NaiveReference.KlDivergence(ra, rb);
            AssertClose(kl, result.KlDivergence, 2e-6 + (1e-6 * kl), $"KL of {rowCase} with noise {noise}");
            Assert.True(result.KlDivergence >= 0);
            double lseA = NaiveReference.LogSumExp(ra);
            double lseB = NaiveReference.LogSumExp(rb);
            AssertClose(lseA - ra[rowCase.Target], result.ReferenceLoss, NaiveReference.LossTolerance(lseA, lseA - ra[rowCase.Target]), "reference loss");
            AssertClose(lseB - rb[rowCase.Target], result.CandidateLoss, NaiveReference.LossTolerance(lseB, lseB - rb[rowCase.Target]), "candidate loss");
            Assert.Equal(NaiveReference.ArgMax(ra) == NaiveReference.ArgMax(rb), result.SameArgMax);
            Assert.Equal(NaiveReference.ArgMax(ra), result.ReferenceArgMax);

            ComparisonStatistics self = Logits.Compare<T>(reference, reference, rowCase.Target);
            Assert.True(self.KlDivergence <= 2e-6, $"KL(p, p) = {self.KlDivergence}");
            Assert.True(self.SameArgMax);
        });
    }

    [Theory]
    [InlineData(32000)]
    [InlineData(128257)]
    [InlineData(262144)]
    public void Compare_IsAccurate_OnLongRows(int length)
    {
        var random = new Random(length);
        float[] a = Enumerable.Range(0, length).Select(_ => (float)(3 * RowCase.Gaussian(random))).ToArray();
        foreach (double noise in new[] { 1e-3, 0.05, 1.0 })
        {
            float[] b = a.Select(v => v + (float)(noise * RowCase.Gaussian(random))).ToArray();
            T[] reference = Convert(a);
            T[] candidate = Convert(b);
            double kl = NaiveReference.KlDivergence(reference.Select(v => (double)TElement.ToSingle(v)).ToArray(), candidate.Select(v => (double)TElement.ToSingle(v)).ToArray());
            AssertClose(kl, Logits.Compare<T>(reference, candidate, 5).KlDivergence, 2e-6 + (1e-6 * kl), $"V={length} noise {noise}");
        }
    }

    /// <summary>Both rows' maxima climb in steps, at different places: lane maxima rise in the middle of the row, after
    /// folds that needed no rebasing, in either vector pair of a double step and in either row.</summary>
    [Theory]
    [InlineData(4099, 300)]
    [InlineData(131073, 9000)]
    public void Compare_IsAccurate_WhenMaximaRiseAcrossTheRow(int length, int stepLength)
    {
        var random = new Random(length);
        float[] a = Enumerable.Range(0, length).Select(i => (float)((9.5 * (i / stepLength)) + RowCase.Gaussian(random))).ToArray();
        float[] b = Enumerable.Range(0, length).Select(i => (float)((7 * ((i + (stepLength / 2)) / stepLength)) + RowCase.Gaussian(random))).ToArray();
        T[] reference = Convert(a);
        T[] candidate = Convert(b);
        double[] widenedReference = reference.Select(v => (double)TElement.ToSingle(v)).ToArray();
        double[] widenedCandidate = candidate.Select(v => (double)TElement.ToSingle(v)).ToArray();
        double kl = NaiveReference.KlDivergence(widenedReference, widenedCandidate);
        int target = length / 3;
        ComparisonStatistics result = Logits.Compare<T>(reference, candidate, target);
        AssertClose(kl, result.KlDivergence, 2e-6 + (1e-6 * kl), $"V={length}");
        Assert.Equal(NaiveReference.ArgMax(widenedReference), result.ReferenceArgMax);
        Assert.Equal(NaiveReference.ArgMax(widenedCandidate), result.CandidateArgMax);
        double referenceLoss = NaiveReference.LogSumExp(widenedReference) - widenedReference[target];
        AssertClose(referenceLoss, result.ReferenceLoss, NaiveReference.LossTolerance(NaiveReference.LogSumExp(widenedReference), referenceLoss), "reference loss");
    }

    /// <summary>Entries masked (−∞) in both rows, scattered through long rows: p = q = 0 there, so KL stays finite and
    /// matches the reference; one entry masked in the candidate alone, where the reference is finite, makes it +∞.</summary>
    [Theory]
    [InlineData(4099, 0.3)]
    [InlineData(50257, 0.9)]
    public void Compare_SharedMasks_KeepKlFinite_AndACandidateOnlyMaskMakesItInfinite(int length, double maskedFraction)
    {
        var random = new Random(length);
        float[] a = Enumerable.Range(0, length).Select(_ => (float)(3 * RowCase.Gaussian(random))).ToArray();
        float[] b = a.Select(v => v + (float)(0.5 * RowCase.Gaussian(random))).ToArray();
        for (int i = 1; i < length; i++)
        {
            if (random.NextDouble() < maskedFraction)
            {
                (a[i], b[i]) = (float.NegativeInfinity, float.NegativeInfinity);
            }
        }

        T[] reference = Convert(a);
        T[] candidate = Convert(b);
        double[] widenedReference = reference.Select(v => (double)TElement.ToSingle(v)).ToArray();
        double[] widenedCandidate = candidate.Select(v => (double)TElement.ToSingle(v)).ToArray();
        double kl = NaiveReference.KlDivergence(widenedReference, widenedCandidate);
        Assert.True(double.IsFinite(kl));
        ComparisonStatistics result = Logits.Compare<T>(reference, candidate, 0);
        AssertClose(kl, result.KlDivergence, 2e-6 + (1e-6 * kl), $"V={length}");

        int lone = length - 2;
        a[lone] = 1f;
        b[lone] = float.NegativeInfinity;
        Assert.Equal(float.PositiveInfinity, Logits.Compare<T>(Convert(a), Convert(b), 0).KlDivergence);
    }

    [Fact]
    public void Compare_SpecialRows()
    {
        T[] finite = Convert([1f, 2f, 3f, 4f, 5f]);
        T[] masked = Convert([1f, float.NegativeInfinity, 3f, 4f, 5f]);
        T[] nan = Convert([1f, float.NaN, 3f, 4f, 5f]);
        T[] allMasked = Convert(Enumerable.Repeat(float.NegativeInfinity, 5).ToArray());
        Assert.Equal(float.PositiveInfinity, Logits.Compare<T>(finite, masked, 0).KlDivergence);
        Assert.True(float.IsFinite(Logits.Compare<T>(masked, finite, 0).KlDivergence));
        Assert.True(float.IsNaN(Logits.Compare<T>(finite, nan, 0).KlDivergence));
        Assert.True(float.IsNaN(Logits.Compare<T>(allMasked, finite, 0).KlDivergence));
        Assert.Equal(float.PositiveInfinity, Logits.Compare<T>(finite, allMasked, 0).KlDivergence);
        Assert.Throws<ArgumentException>("candidate", () => Logits.Compare<T>(finite, finite.AsSpan(0, 4), 0));
        Assert.Throws<ArgumentOutOfRangeException>("target", () => Logits.Compare<T>(finite, finite, 5));
    }
}

public sealed class SingleBatchScoringTests : BatchScoringContractTests<float, SingleElement>;

public sealed class HalfBatchScoringTests : BatchScoringContractTests<Half, HalfElement>;

public sealed class BFloat16BatchScoringTests : BatchScoringContractTests<BFloat16, BFloat16Element>;
