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

        // Every line of the block, overall and per task, as the report writes it.
        Assert.Equal(ComparisonReportJson.Write(onePass, ["r"], ["c"]), ComparisonReportJson.Write(merged, ["r"], ["c"]));
        Assert.Equal(onePass.Report().Summaries.Select(s => (s.MeanKl, s.KlPercentiles[4], s.Correlation)), merged.Report().Summaries.Select(s => (s.MeanKl, s.KlPercentiles[4], s.Correlation)));
        Assert.Equal(tasks.Count(t => t >= 0), merged.Tokens);
    }

    /// <summary>llama.cpp's <c>kl_divergence</c> statistics written out from its source over doubles: plain sums, its
    /// <c>mean_and_uncertainty</c> and <c>covariance</c> lambdas, and the error combinations of its final block.</summary>
    private static Dictionary<string, double> LlamaCppBlock(IReadOnlyList<ComparisonStatistics> tokens)
    {
        double sumNll = 0, sumNll2 = 0, sumBase = 0, sumBase2 = 0, sumNllBase = 0, sumKld = 0, sumKld2 = 0, sumDp = 0, sumDp2 = 0, sumDp4 = 0;
        long same = 0;
        var kld = new List<double>();
        var dps = new List<double>();
        foreach (ComparisonStatistics t in tokens)
        {
            double nll = t.CandidateLoss, nllBase = t.ReferenceLoss, dp = (double)t.CandidateTargetProbability - t.ReferenceTargetProbability;
            sumNll += nll;
            sumNll2 += nll * nll;
            sumBase += nllBase;
            sumBase2 += nllBase * nllBase;
            sumNllBase += nll * nllBase;
            sumKld += t.KlDivergence;
            sumKld2 += (double)t.KlDivergence * t.KlDivergence;
            sumDp += dp;
            sumDp2 += dp * dp;
            sumDp4 += dp * dp * dp * dp;
            same += t.SameArgMax ? 1 : 0;
            kld.Add(t.KlDivergence);
            dps.Add(dp);
        }

        int count = tokens.Count;
        (double, double) MeanAndUncertainty(double sum, double sum2)
        {
            double f = sum / count, df = (sum2 / count) - (f * f);
            return (f, df > 0 && count > 10 ? Math.Sqrt(df / (count - 1)) : 0);
        }

        double Covariance(double a, double b, double ab) => count < 10 ? 0 : ((ab / count) - (a / count * (b / count))) / (count - 1);
        double Percentile(List<double> sorted, double fraction)
        {
            double p = fraction * (sorted.Count - 1);
            int ip = (int)p;
            p -= ip;
            return ((1 - p) * sorted[ip]) + (p * sorted[Math.Min(ip + 1, sorted.Count - 1)]);
        }

        kld.Sort();
        dps.Sort();
        (double logPpl, double logPplError) = MeanAndUncertainty(sumNll, sumNll2);
        (double logBase, double logBaseError) = MeanAndUncertainty(sumBase, sumBase2);
        double cov = Covariance(sumNll, sumBase, sumNllBase);
        double ppl = Math.Exp(logPpl), pplError = ppl * logPplError, basePpl = Math.Exp(logBase), basePplError = basePpl * logBaseError;
        double ratioError = Math.Sqrt((logPplError * logPplError) + (logBaseError * logBaseError) - (2 * cov));
        (double meanKl, double meanKlError) = MeanAndUncertainty(sumKld, sumKld2);
        (double meanDp, double meanDpError) = MeanAndUncertainty(sumDp, sumDp2);
        (double mse, double mseError) = MeanAndUncertainty(sumDp2, sumDp4);
        double sameTop = (double)same / count;
        var block = new Dictionary<string, double>
        {
            ["ppl"] = ppl, ["ppl_err"] = pplError, ["ppl_base"] = basePpl, ["ppl_base_err"] = basePplError,
            ["cor"] = cov / (logPplError * logBaseError),
            ["log_ratio"] = logPpl - logBase, ["log_ratio_err"] = ratioError,
            ["ratio"] = Math.Exp(logPpl - logBase), ["ratio_err"] = Math.Exp(logPpl - logBase) * ratioError,
            ["diff"] = ppl - basePpl, ["diff_err"] = Math.Sqrt((pplError * pplError) + (basePplError * basePplError) - (2 * ppl * basePpl * cov)),
            ["kld"] = meanKl, ["kld_err"] = meanKlError, ["kld_max"] = kld[^1], ["kld_min"] = kld[0],
            ["kld_median"] = kld.Count % 2 == 0 ? 0.5 * (kld[kld.Count / 2] + kld[(kld.Count / 2) - 1]) : kld[kld.Count / 2],
            ["dp"] = meanDp, ["dp_err"] = meanDpError, ["dp_max"] = dps[^1], ["dp_min"] = dps[0],
            ["dp_median"] = dps.Count % 2 == 0 ? 0.5 * (dps[dps.Count / 2] + dps[(dps.Count / 2) - 1]) : dps[dps.Count / 2],
            ["rms"] = Math.Sqrt(mse), ["rms_err"] = 0.5 / Math.Sqrt(mse) * mseError,
            ["same"] = sameTop, ["same_err"] = Math.Sqrt(sameTop * (1 - sameTop) / (count - 1)),
        };
        foreach (double level in ComparisonAggregator.DeltaPPercentileLevels)
        {
            block[$"kld_{level}"] = Percentile(kld, level);
            block[$"dp_{level}"] = Percentile(dps, level);
        }

        return block;
    }

    [Theory]
    [InlineData(1000, 3)]
    [InlineData(11, 6)]
    [InlineData(7, 2)]
    public void Report_MatchesLlamaCppFormulas_LineByLine(int count, int seed)
    {
        List<ComparisonStatistics> samples = Samples(count, seed);
        var aggregator = new ComparisonAggregator(["t"]);
        aggregator.Add([.. samples], new int[count]);
        ComparisonSummary s = aggregator.Report().Summaries[0];
        Dictionary<string, double> want = LlamaCppBlock(samples);
        (string Name, double Value)[] got =
        [
            ("ppl", s.CandidatePerplexity), ("ppl_err", s.CandidatePerplexityError), ("ppl_base", s.ReferencePerplexity), ("ppl_base_err", s.ReferencePerplexityError),
            ("cor", s.Correlation), ("log_ratio", s.LogRatio), ("log_ratio_err", s.LogRatioError), ("ratio", s.Ratio), ("ratio_err", s.RatioError),
            ("diff", s.Difference), ("diff_err", s.DifferenceError), ("kld", s.MeanKl), ("kld_err", s.MeanKlError), ("kld_max", s.MaxKl), ("kld_min", s.MinKl),
            ("kld_median", s.KlPercentiles[4]), ("dp", s.MeanDeltaP), ("dp_err", s.MeanDeltaPError), ("dp_max", s.MaxDeltaP), ("dp_min", s.MinDeltaP),
            ("dp_median", s.DeltaPPercentiles[5]), ("rms", s.RmsDeltaP), ("rms_err", s.RmsDeltaPError), ("same", s.SameTop), ("same_err", s.SameTopError),
            .. ComparisonAggregator.PercentileLevels.Select((l, i) => ($"kld_{l}", s.KlPercentiles[i])),
            .. ComparisonAggregator.DeltaPPercentileLevels.Select((l, i) => ($"dp_{l}", s.DeltaPPercentiles[i])),
        ];
        foreach ((string name, double value) in got)
        {
            double expected = want[name];
            if (double.IsNaN(expected))
            {
                // Below 11 tokens llama.cpp's errors are 0, so its correlation is 0/0.
                Assert.True(double.IsNaN(value), $"{name}: {value}, llama.cpp NaN");
                continue;
            }

            // Percentiles are of the float-stored values, as llama.cpp keeps them; sums differ only in rounding.
            Assert.True(Math.Abs(value - expected) <= (1e-9 * Math.Abs(expected)) + 1e-7, $"{name}: {value}, llama.cpp {expected}");
        }

        Assert.Equal(count <= 10, s.MeanKlError == 0 && s.CandidatePerplexityError == 0 && s.RmsDeltaPError == 0);
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
