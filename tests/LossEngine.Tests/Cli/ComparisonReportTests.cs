using LossEngine.Cli.Reports;

namespace LossEngine.Tests.Cli;

public sealed class ComparisonReportTests
{
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
        }
    }

    [Fact]
    public void Report_SwitchesToSketches_PastTheExactLimit_KeepingExactMeans()
    {
        var random = new Random(4);
        var samples = Enumerable.Range(0, 5000).Select(_ =>
        {
            float reference = (float)(random.NextDouble() * 5), candidate = reference + (float)(random.NextDouble() * 0.2);
            return new ComparisonStatistics((float)(random.NextDouble() * random.NextDouble()), reference, candidate, MathF.Exp(-reference), MathF.Exp(-candidate), 3, random.Next(4) == 0 ? 2 : 3);
        }).ToList();
        var exact = new ComparisonReport(["t"]);
        var sketched = new ComparisonReport(["t"], exactLimit: 100);
        foreach (ComparisonStatistics sample in samples)
        {
            exact.Add(0, sample);
            sketched.Add(0, sample);
        }

        ComparisonReport.Summary a = exact.Summaries().First();
        ComparisonReport.Summary b = sketched.Summaries().First();
        Assert.True(a.ExactPercentiles);
        Assert.False(b.ExactPercentiles);
        Assert.Equal(a.MeanKl, b.MeanKl);
        Assert.Equal(a.SameTop, b.SameTop);
        Assert.Equal(a.LogRatio, b.LogRatio);
        Assert.Equal(samples.Average(s => (double)s.KlDivergence), a.MeanKl, 12);
        for (int i = 0; i < ComparisonReport.Levels.Length; i++)
        {
            // The sketch answers the value at rank ⌊q(n−1)⌋; the exact path interpolates to the next rank as well.
            double tolerance = (0.005 * Math.Abs(a.KlPercentiles[i])) + 2e-3;
            Assert.True(Math.Abs(a.KlPercentiles[i] - b.KlPercentiles[i]) <= tolerance, $"level {ComparisonReport.Levels[i]}: {b.KlPercentiles[i]} vs {a.KlPercentiles[i]}");
        }

        Assert.Contains("from a sketch", sketched.Render(), StringComparison.Ordinal);
    }
}

public sealed class ProgressTests
{
    [Fact]
    public void Progress_DrawsThroughputAndEta_OnlyWhenEnabled()
    {
        var terminal = new StringWriter();
        var progress = new LossEngine.Cli.Input.Progress(terminal, enabled: true);
        progress.Report(500_000_000, 1_000_000_000, 1000, TimeSpan.FromSeconds(1));
        progress.Finish();
        string drawn = terminal.ToString();
        Assert.Contains("50.0", drawn, StringComparison.Ordinal);
        Assert.Contains("0.50 GB/s", drawn, StringComparison.Ordinal);
        Assert.Contains("1,000 tokens/s", drawn, StringComparison.Ordinal);
        Assert.Contains("ETA 1s", drawn, StringComparison.Ordinal);

        var redirected = new StringWriter();
        var quiet = new LossEngine.Cli.Input.Progress(redirected, enabled: false);
        quiet.Report(1, 2, 3, TimeSpan.FromSeconds(1));
        quiet.Finish();
        Assert.Equal(string.Empty, redirected.ToString());
    }
}
