using System.Reflection;
using LossEngine.Aggregation;
using LossEngine.Tests.Reference;

namespace LossEngine.Tests.Aggregation;

public sealed class LossAggregatorTests
{
    private static readonly string[] TaskNames = ["grammar", "world knowledge", "arithmetic", "translation"];

    private static AggregatorOptions Options(int tasks = 4) => new() { TaskNames = TaskNames[..tasks], WorstExamples = 5 };

    private static readonly PropertyInfo[] NumericFields = [.. typeof(TaskMetrics).GetProperties().Where(p => p.PropertyType == typeof(double) || p.PropertyType == typeof(long))];

    private static void AssertMetricsClose(TaskMetrics expected, TaskMetrics actual)
    {
        foreach (PropertyInfo property in NumericFields)
        {
            if (property.Name is nameof(TaskMetrics.Weight) or nameof(TaskMetrics.Contribution) or nameof(TaskMetrics.ShareOfLoss))
            {
                continue;
            }

            double e = Convert.ToDouble(property.GetValue(expected), System.Globalization.CultureInfo.InvariantCulture);
            double a = Convert.ToDouble(property.GetValue(actual), System.Globalization.CultureInfo.InvariantCulture);
            bool close = double.IsNaN(e) ? double.IsNaN(a) : Math.Abs(a - e) <= 1e-9 * Math.Max(1, Math.Abs(e));
            Assert.True(close, $"{expected.Task}.{property.Name}: {a:R} vs reference {e:R}");
        }
    }

    [Fact]
    public void EveryMetric_MatchesTheNaiveReference()
    {
        PropertyCheck.ForAll(TokenStream.Arbitrary(), stream =>
        {
            (TokenStatistics[] tokens, int[] taskIds, long[] exampleIds, long[] targets, int[] bytes) = stream.Build();
            var aggregator = new LossAggregator(Options());
            aggregator.Add(tokens, taskIds, exampleIds, targets, bytes);
            AggregateReport report = aggregator.Report();
            var all = NaiveAggregation.Tokens(tokens, taskIds, exampleIds, targets, bytes);
            var scored = all.Where(t => !float.IsNaN(t.Stats.Loss)).ToList();
            if (scored.Count == 0)
            {
                Assert.Empty(report.Tasks);
                return;
            }

            AssertMetricsClose(NaiveAggregation.Metrics(all, "overall", 5), report.Overall);
            foreach (TaskMetrics task in report.Tasks)
            {
                int id = Array.IndexOf(TaskNames, task.Task);
                AssertMetricsClose(NaiveAggregation.Metrics([.. all.Where(t => t.Task == id)], task.Task, 5), task);

                // Decomposition: token-share weights, contributions adding up to the micro loss.
                Assert.Equal(task.Tokens / (double)report.Overall.Tokens, task.Weight, 12);
            }

            Assert.Equal(report.Overall.Loss, report.WeightedLoss, 1e-12);
            Assert.Equal(1.0, report.Tasks.Sum(t => t.ShareOfLoss), 1e-12);
            Assert.Equal(report.Tasks.Average(t => t.Loss), report.MacroLoss, 1e-12);
            Assert.Equal(report.Tasks.Sum(t => t.Examples * t.Loss) / report.Tasks.Sum(t => t.Examples), report.LmEvalGroupLoss, 1e-12);

            // Worst examples: the top 5 by mean loss per task; label errors: confident and rank ≥ 10, top 5 by loss.
            foreach (TaskMetrics task in report.Tasks)
            {
                int id = Array.IndexOf(TaskNames, task.Task);
                var expectedWorst = scored.Where(t => t.Task == id).GroupBy(t => t.Example)
                    .Select(e => (Id: e.Key, Mean: e.Sum(t => (double)t.Stats.Loss) / e.Count()))
                    .OrderByDescending(e => e.Mean).ThenBy(e => e.Id).Take(5).ToList();
                Assert.Equal(expectedWorst.Select(e => e.Id), task.WorstExamples.Select(w => w.ExampleId));
                var expectedErrors = scored.Where(t => t.Task == id && NaiveAggregation.Confidence(t) >= 0.9 && t.Stats.TargetRank >= 10)
                    .OrderByDescending(t => t.Stats.Loss).ThenBy(t => t.Position).Take(5).Select(t => t.Position);
                Assert.Equal(expectedErrors, task.PossibleLabelErrors.Select(e => e.Position));
            }
        });
    }

    [Fact]
    public void MergedShards_ReportExactlyWhatOnePassReports_InAnyOrderAndThroughJson()
    {
        PropertyCheck.ForAll(TokenStream.Arbitrary(), stream =>
        {
            (TokenStatistics[] tokens, int[] taskIds, long[] exampleIds, long[] targets, int[] bytes) = stream.Build();
            var single = new LossAggregator(Options());
            single.Add(tokens, taskIds, exampleIds, targets, bytes);
            string expected = ReportFingerprint(single.Report());

            // Random contiguous cuts, including cuts inside examples; shards merged in a shuffled order, some through JSON.
            var random = new Random(stream.Seed);
            var cuts = Enumerable.Range(0, random.Next(1, 5)).Select(_ => random.Next(tokens.Length + 1)).Append(0).Append(tokens.Length).Distinct().Order().ToArray();
            var shards = new List<LossAggregator>();
            for (int s = 0; s + 1 < cuts.Length; s++)
            {
                var shard = new LossAggregator(Options() with { FirstPosition = cuts[s] });
                Range range = cuts[s]..cuts[s + 1];
                shard.Add(tokens[range], taskIds[range], exampleIds[range], targets[range], bytes.Length == 0 ? [] : bytes[range]);
                shards.Add(random.Next(2) == 0 ? LossAggregator.FromJson(shard.ToJson()) : shard);
            }

            LossAggregator merged = new(Options());
            foreach (LossAggregator shard in shards.OrderBy(_ => random.Next()))
            {
                merged.Merge(shard);
            }

            Assert.Equal(expected, ReportFingerprint(merged.Report()));
            Assert.Equal(expected, ReportFingerprint(LossAggregator.FromJson(merged.ToJson()).Report()));
        });
    }

    [Fact]
    public void AppendedShards_WithTheirOwnPositionsAndIds_ReportWhatOneStreamOfConsecutiveShardsReports()
    {
        PropertyCheck.ForAll(TokenStream.Arbitrary(), stream =>
        {
            (TokenStatistics[] tokens, int[] taskIds, long[] exampleIds, long[] targets, int[] bytes) = stream.Build();
            if (tokens.Length == 0)
            {
                return;
            }

            // Shards cut at example boundaries; each shard numbers its examples from 0 and its positions from 0, as
            // separately scored files do. One stream sees them with each shard's ids moved past the previous shard's.
            var random = new Random(stream.Seed);
            int[] boundaries = [.. Enumerable.Range(1, tokens.Length - 1).Where(i => exampleIds[i] != exampleIds[i - 1] || taskIds[i] != taskIds[i - 1])];
            int[] cuts = [.. boundaries.Where(_ => random.Next(3) == 0).Prepend(0).Append(tokens.Length).Distinct().Order()];
            var single = new LossAggregator(Options());
            LossAggregator? appended = null;
            long idOffset = 0;
            for (int s = 0; s + 1 < cuts.Length; s++)
            {
                Range range = cuts[s]..cuts[s + 1];
                long firstId = exampleIds[cuts[s]];
                long[] localIds = [.. exampleIds[range].Select(id => id - firstId)];
                var shard = new LossAggregator(Options());
                shard.Add(tokens[range], taskIds[range], localIds, targets[range], bytes.Length == 0 ? [] : bytes[range]);
                single.Add(tokens[range], taskIds[range], [.. localIds.Select(id => id + idOffset)], targets[range], bytes.Length == 0 ? [] : bytes[range]);
                idOffset += localIds.Max() + 1;
                LossAggregator input = random.Next(2) == 0 ? LossAggregator.FromJson(shard.ToJson()) : shard;
                if (appended is null)
                {
                    appended = input;
                }
                else
                {
                    string before = input.ToJson();
                    appended.Append(input);
                    Assert.Equal(before, input.ToJson()); // the argument is not changed
                }
            }

            Assert.Equal(ReportFingerprint(single.Report()), ReportFingerprint(appended!.Report()));
            Assert.Equal(single.NextPosition, appended.NextPosition);
            Assert.Equal(ReportFingerprint(single.Report()), ReportFingerprint(LossAggregator.FromJson(appended.ToJson()).Report()));
        });
    }

    [Fact]
    public void Append_OfAStateWithoutItsLargestExampleId_StillKeepsTheShardsApart()
    {
        // A state saved before max_example_id existed: Append falls back to the last and the open example ids.
        var random = new Random(3);
        TokenStatistics[] tokens = [.. Enumerable.Range(0, 12).Select(_ => TokenStream.RandomToken(random, 1))];
        int[] tasks = new int[12];
        long[] ids = [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3];
        var head = new LossAggregator(Options());
        head.Add(tokens, tasks, ids);
        var tail = new LossAggregator(Options());
        tail.Add(tokens, tasks, ids);
        string json = head.ToJson();
        string legacy = System.Text.RegularExpressions.Regex.Replace(json, "\"max_example_id\"\\s*:\\s*\\d+\\s*,?", string.Empty);
        Assert.NotEqual(json, legacy);
        LossAggregator restored = LossAggregator.FromJson(legacy);
        restored.Append(tail);
        Assert.Equal(8, restored.Report().Overall.Examples);
    }

    [Fact]
    public void Merge_IsAssociativeAndCommutative_AndIndependentOfThreads()
    {
        (TokenStatistics[] tokens, int[] taskIds, long[] exampleIds, long[] targets, int[] bytes) = new TokenStream(77, 4, 400, true).Build();
        string expected = null!;
        foreach (int threads in new[] { 1, 2, 3, 8 })
        {
            int per = (tokens.Length + threads - 1) / threads;
            var shards = new LossAggregator[threads];
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, s =>
            {
                int start = Math.Min(tokens.Length, s * per), end = Math.Min(tokens.Length, start + per);
                shards[s] = new LossAggregator(Options() with { FirstPosition = start });
                shards[s].Add(tokens[start..end], taskIds[start..end], exampleIds[start..end], targets[start..end], bytes[start..end]);
            });

            // Left fold and right fold.
            var left = new LossAggregator(Options());
            foreach (LossAggregator shard in shards)
            {
                left.Merge(shard);
            }

            var right = new LossAggregator(Options());
            foreach (LossAggregator shard in shards.Reverse())
            {
                right.Merge(shard);
            }

            expected ??= ReportFingerprint(left.Report());
            Assert.Equal(expected, ReportFingerprint(left.Report()));
            Assert.Equal(expected, ReportFingerprint(right.Report()));
        }
    }

    [Fact]
    public void KnownValues_StandardErrorsAndCalibration()
    {
        // Two examples: losses {1, 3} and {2}; ranks {0, 5} and {0}; confidences 0.95, 0.95, 0.25.
        TokenStatistics Token(float loss, int rank, double confidence) =>
            new(loss, 2f, (float)(2 + Math.Log(confidence)), 2f - loss, 1f, (float)Math.Exp(-loss), rank == 0 ? 1 : 2, rank);

        var aggregator = new LossAggregator(new AggregatorOptions { TaskNames = ["t"] });
        aggregator.Add([Token(1, 0, 0.95), Token(3, 5, 0.95), Token(2, 0, 0.25)], [0, 0, 0], [1, 1, 2]);
        TaskMetrics m = aggregator.Report().Tasks[0];
        Assert.Equal(2.0, m.Loss, 12);

        // Cluster-robust: residuals S_e − n_e·μ = 4 − 2·2 = 0 and 2 − 1·2 = 0, so the standard error is 0.
        Assert.Equal(0.0, m.LossStandardError, 12);

        // Accuracy 2/3; residuals C_e − n_e·acc = 1 − 4/3 and 1 − 2/3: √(2/1 · (1/9 + 1/9)) / 3.
        Assert.Equal(Math.Sqrt(2.0 * (2.0 / 9)) / 3, m.AccuracyStandardError, 12);

        // ECE: bin 14 holds two tokens, confidence 0.95, accuracy 0.5; bin 3 holds one, confidence 0.25, accuracy 1.
        // (Confidences pass through float logits, so they are exact only to ~1e-7.)
        Assert.Equal((2.0 / 3 * 0.45) + (1.0 / 3 * 0.75), m.ExpectedCalibrationError, 6);

        // Exact match: example 2 only; example log-likelihoods −4 and −2.
        Assert.Equal(0.5, m.ExactMatch, 12);
        Assert.Equal(Math.Sqrt(0.25 / 1), m.ExactMatchStandardError, 12);
        Assert.Equal(-3.0, m.MeanExampleLogLikelihood, 12);
        Assert.Equal(Math.Sqrt(2.0 / 2), m.MeanExampleLogLikelihoodStandardError, 12);
        Assert.Equal(Math.Exp(2.0), m.PerplexityLow, 12);
        Assert.Equal((1 + (1 / 6.0) + 1) / 3, m.MeanReciprocalRank, 12);
    }

    [Fact]
    public void UserWeights_DriveTheDecomposition()
    {
        (TokenStatistics[] tokens, int[] taskIds, long[] exampleIds, _, _) = new TokenStream(5, 2, 60, false).Build();
        var aggregator = new LossAggregator(new AggregatorOptions { TaskNames = ["a", "b"], TaskWeights = [3, 1] });
        aggregator.Add(tokens, taskIds, exampleIds);
        AggregateReport report = aggregator.Report();
        Assert.Equal(0.75, report.Tasks[0].Weight, 12);
        Assert.Equal((0.75 * report.Tasks[0].Loss) + (0.25 * report.Tasks[1].Loss), report.WeightedLoss, 12);
        Assert.Equal(0.75 * report.Tasks[0].Loss / report.WeightedLoss, report.Tasks[0].ShareOfLoss, 12);
    }

    [Fact]
    public void BadInput_IsReported_WithPositions()
    {
        var token = new TokenStatistics(1f, 2f, 2f, 1f, 1f, 0.36f, 0, 0);
        var aggregator = new LossAggregator(Options(2));
        var outOfRange = Assert.Throws<ArgumentOutOfRangeException>("taskIds", () => aggregator.Add([token, token], [0, 2], [1, 1]));
        Assert.Contains("position 1", outOfRange.Message, StringComparison.Ordinal);

        var ordered = new LossAggregator(Options(2));
        ordered.Add([token, token, token], [0, 0, 0], [1, 1, 2]);
        var reappears = Assert.Throws<ArgumentException>("exampleIds", () => ordered.Add([token], [0], [1]));
        Assert.Contains("position 3", reappears.Message, StringComparison.Ordinal);

        var unordered = new LossAggregator(Options(2) with { ExamplesUnordered = true });
        unordered.Add([token, token, token, token], [0, 0, 0, 0], [1, 2, 1, 2]);
        Assert.Equal(2, unordered.Report().Tasks[0].Examples);

        Assert.Throws<ArgumentException>("taskIds", () => aggregator.Add([token], [0, 0], [1]));
        Assert.Throws<FormatException>(() => LossAggregator.FromJson("{\"version\": 99}"));
        Assert.Throws<FormatException>(() => LossAggregator.FromJson("not json"));
        Assert.Throws<ArgumentException>(() => new LossAggregator(new AggregatorOptions()));
        Assert.Throws<ArgumentException>("other", () => new LossAggregator(Options(2)).Merge(new LossAggregator(Options(3))));
    }

    [Fact]
    public void NaNLosses_AreCountedAndNeverAveraged()
    {
        var good = new TokenStatistics(2f, 2f, 2f, 0f, 1f, 0.13f, 0, 0);
        var nan = new TokenStatistics(float.NaN, float.NaN, float.NaN, 0f, float.NaN, float.NaN, -1, -1);
        var aggregator = new LossAggregator(new AggregatorOptions { TaskNames = ["t"] });
        aggregator.Add([good, nan, good], [0, 0, 0], [1, 1, 2]);
        TaskMetrics m = aggregator.Report().Tasks[0];
        Assert.Equal(1, m.NaNLosses);
        Assert.Equal(2, m.Tokens);
        Assert.Equal(2.0, m.Loss);
    }

    [Fact]
    public void ExactSum_IsOrderIndependent_ToTheLastBit()
    {
        var random = new Random(3);
        double[] values = [.. Enumerable.Range(0, 5000).Select(_ => Math.Pow(10, random.Next(-30, 30)) * (random.NextDouble() - 0.3))];
        var forward = new ExactSum();
        foreach (double v in values)
        {
            forward.Add(v);
        }

        var shuffled = new ExactSum();
        foreach (double v in values.OrderBy(_ => random.Next()))
        {
            shuffled.Add(v);
        }

        Assert.Equal(forward.ToLimbs(), shuffled.ToLimbs());
        Assert.Equal(forward.ToDouble(), shuffled.ToDouble());
        var small = new ExactSum();
        small.Add(1e100);
        small.Add(1.0);
        small.Add(-1e100);
        Assert.Equal(1.0, small.ToDouble());
        var third = new ExactSum();
        third.Add(0.1);
        third.Add(0.2);
        Assert.Equal((decimal)0.1 + (decimal)0.2, (decimal)third.ToDouble(), 15);
    }

    [Fact]
    public void ExactSum_RoundsNegativeSumsToTheNearestDouble()
    {
        var negative = new ExactSum();
        negative.Add(-1e100);
        negative.Add(-1.0);
        negative.Add(1e100);
        Assert.Equal(-1.0, negative.ToDouble());
        var mixed = new ExactSum();
        mixed.Add(0.1);
        mixed.Add(-0.3);
        Assert.Equal((decimal)0.1 - (decimal)0.3, (decimal)mixed.ToDouble(), 15);

        // Small values of both signs with a negative total, as Δp sums are: the exact total is in decimal arithmetic.
        var random = new Random(12);
        double[] values = [.. Enumerable.Range(0, 2000).Select(_ => Math.Round((random.NextDouble() - 0.6) * 1e-3, 12))];
        var sum = new ExactSum();
        foreach (double v in values)
        {
            sum.Add(v);
        }

        decimal exact = values.Sum(v => (decimal)v);
        Assert.True(exact < 0);
        Assert.Equal((double)exact, sum.ToDouble(), 15);
    }

    private static string ReportFingerprint(AggregateReport report) =>
        System.Text.Json.JsonSerializer.Serialize(report, new System.Text.Json.JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });
}
