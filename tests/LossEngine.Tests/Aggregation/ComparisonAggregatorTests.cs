using LossEngine.Aggregation;

namespace LossEngine.Tests.Aggregation;

public sealed class ComparisonAggregatorTests
{
    private static List<ComparisonStatistics> Samples(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ =>
        {
            float reference = (float)(random.NextDouble() * 5), candidate = reference + (float)(random.NextDouble() * 0.2);
            return new ComparisonStatistics((float)(random.NextDouble() * random.NextDouble()), reference, candidate, MathF.Exp(-reference), MathF.Exp(-candidate), 3, random.Next(4) == 0 ? 2 : 3);
        })];
    }

    [Fact]
    public void QuantileSketch_IsWithinItsRelativeError_AndMergesExactly()
    {
        var random = new Random(9);
        double[] values = [.. Enumerable.Range(0, 20000).Select(i => (i % 3 == 0 ? -1 : 1) * Math.Exp((random.NextDouble() * 20) - 15))];
        var whole = new QuantileSketch();
        var left = new QuantileSketch();
        var right = new QuantileSketch();
        for (int i = 0; i < values.Length; i++)
        {
            whole.Add(values[i]);
            (i % 2 == 0 ? left : right).Add(values[i]);
        }

        left.Merge(right);
        double[] sorted = [.. values.Order()];
        foreach (double q in new[] { 0.0, 0.001, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0 })
        {
            double exact = sorted[(int)Math.Floor(q * (sorted.Length - 1))];
            double estimate = whole.Quantile(q);
            Assert.True(Math.Abs(estimate - exact) <= (0.005 * Math.Abs(exact)) + 1e-12, $"q={q}: {estimate} vs {exact}");
            Assert.Equal(estimate, left.Quantile(q));
            Assert.Equal(estimate, QuantileSketch.FromState(left.ToState()).Quantile(q));
        }
    }

    [Fact]
    public void Report_SwitchesToSketches_PastTheExactLimit_KeepingExactMeans()
    {
        List<ComparisonStatistics> samples = Samples(5000, 4);
        var exact = new ComparisonAggregator(["t"]);
        var sketched = new ComparisonAggregator(["t"], exactPercentileLimit: 100);
        int[] tasks = new int[samples.Count];
        exact.Add([.. samples], tasks);
        sketched.Add([.. samples], tasks);

        ComparisonSummary a = exact.Report().Summaries[0];
        ComparisonSummary b = sketched.Report().Summaries[0];
        Assert.True(a.ExactPercentiles);
        Assert.False(b.ExactPercentiles);
        Assert.Equal(a.MeanKl, b.MeanKl);
        Assert.Equal(a.SameTop, b.SameTop);
        Assert.Equal(a.LogRatio, b.LogRatio);
        Assert.Equal(samples.Average(s => (double)s.KlDivergence), a.MeanKl, 12);
        for (int i = 0; i < ComparisonAggregator.PercentileLevels.Count; i++)
        {
            // The sketch answers the value at rank ⌊q(n−1)⌋; the exact path interpolates to the next rank as well.
            double tolerance = (0.005 * Math.Abs(a.KlPercentiles[i])) + 2e-3;
            Assert.True(Math.Abs(a.KlPercentiles[i] - b.KlPercentiles[i]) <= tolerance, $"level {ComparisonAggregator.PercentileLevels[i]}: {b.KlPercentiles[i]} vs {a.KlPercentiles[i]}");
        }
    }

    [Theory]
    [InlineData(1_000_000)]
    [InlineData(700)]
    [InlineData(50)]
    public void ShardsMergedInAnyOrder_AndJsonRoundTrips_EqualOnePass(int exactLimit)
    {
        List<ComparisonStatistics> samples = Samples(3000, 8);
        var random = new Random(5);
        int[] tasks = [.. samples.Select(_ => random.Next(5) - 1)];
        string[] names = ["a", "b", "c", "d"];
        var onePass = new ComparisonAggregator(names, exactLimit);
        onePass.Add([.. samples], tasks);

        int[] cuts = [0, 400, 1100, 1101, 2500, samples.Count];
        var shards = new List<ComparisonAggregator>();
        for (int i = 0; i + 1 < cuts.Length; i++)
        {
            var shard = new ComparisonAggregator(names, exactLimit);
            shard.Add(samples.GetRange(cuts[i], cuts[i + 1] - cuts[i]).ToArray(), tasks.AsSpan(cuts[i], cuts[i + 1] - cuts[i]));
            shards.Add(ComparisonAggregator.FromJson(shard.ToJson()));
        }

        ComparisonAggregator merged = shards[3];
        foreach (int i in new[] { 0, 4, 2, 1 })
        {
            merged.Merge(shards[i]);
        }

        Assert.Equal(onePass.ToJson(), merged.ToJson());
        Assert.Equal(onePass.Report().Summaries.Select(s => (s.MeanKl, s.KlPercentiles[4], s.Correlation)), merged.Report().Summaries.Select(s => (s.MeanKl, s.KlPercentiles[4], s.Correlation)));
        Assert.Equal(tasks.Count(t => t >= 0), merged.Tokens);
    }

    [Fact]
    public void MergingWithItself_OrOtherTasks_IsRefused_AndBadStatesAreFormatErrors()
    {
        var aggregator = new ComparisonAggregator(["a"]);
        aggregator.Add([.. Samples(10, 1)], new int[10]);
        Assert.Contains("itself", Assert.Throws<ArgumentException>(() => aggregator.Merge(aggregator)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => aggregator.Merge(new ComparisonAggregator(["b"])));
        Assert.Throws<ArgumentOutOfRangeException>(() => aggregator.Add([.. Samples(1, 2)], [1]));

        string json = aggregator.ToJson();
        Assert.Throws<FormatException>(() => ComparisonAggregator.FromJson("{}"));
        Assert.Throws<FormatException>(() => ComparisonAggregator.FromJson("[1]"));
        Assert.Throws<FormatException>(() => ComparisonAggregator.FromJson(json.Replace("\"tokens\":10", "\"tokens\":11", StringComparison.Ordinal)));
        Assert.Throws<FormatException>(() => ComparisonAggregator.FromJson(json.Replace("\"same_top\":", "\"same_top\":-", StringComparison.Ordinal)));
        Assert.Equal(json, ComparisonReportJson.ReadState(ComparisonReportJson.Write(aggregator, ["r"], ["c"])).ToJson());
    }
}
