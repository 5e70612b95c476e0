using FsCheck;
using FsCheck.Fluent;
using LossEngine.Scaling;
using LossEngine.Tests.Reference;

namespace LossEngine.Tests.Scaling;

public sealed class LogisticFitTests
{
    /// <summary>c + (1 − c)·σ(k·(ln x − ln x₀)) at n scales over four decades, x₀ in the middle two, with N(0, 0.005²) noise.</summary>
    public sealed record LogisticCase(int Points, double Chance, double LogMidpoint, double Slope, int Seed)
    {
        public static Arbitrary<LogisticCase> Arbitrary() =>
            (from n in Gen.Choose(6, 12)
             from chance in Gen.Elements(0.0, 0.25, 0.5)
             from midpoint in Gen.Choose(0, 100)
             from slope in Gen.Choose(10, 40)
             from seed in Gen.Choose(0, int.MaxValue)
             select new LogisticCase(n, chance, Math.Log(1e8) + (midpoint / 100.0 * Math.Log(100)), slope / 10.0, seed)).ToArbitrary();

        public (double[] X, double[] Y, double[] Errors) Build()
        {
            var random = new Random(Seed);
            double[] x = Synthetic.Scales(Points);
            double[] y = [.. x.Select(v => Math.Clamp(Chance + ((1 - Chance) / (1 + Math.Exp(-Slope * (Math.Log(v) - LogMidpoint)))) + (0.005 * Synthetic.Gaussian(random)), 0, 1))];
            return (x, y, [.. y.Select(_ => 0.005)]);
        }
    }

    [Fact]
    public void Logistic_RecoversTheMidpoint_FromNoisyData()
    {
        // With 0.005 noise the error in ln x₀ scales with the gap between neighbouring scales, since a steep curve
        // has at most one point on its rise: over 20,000 such series the worst was 0.30 of that gap (0.55 in ln x₀
        // at six scales, 0.07 at twelve), so the bound is 0.4 of it. The slope is held within a factor 5 (worst 3.5:
        // one point on the rise pins x₀ but hardly the steepness).
        PropertyCheck.ForAll(LogisticCase.Arbitrary(), c =>
        {
            (double[] x, double[] y, double[] errors) = c.Build();
            LogisticFit fit = CurveFitter.FitLogistic(x, y, errors, c.Chance, new CurveFitOptions { Bootstrap = 0 });
            double gap = Math.Log(x[1] / x[0]);
            Assert.InRange(Math.Log(fit.Midpoint) - c.LogMidpoint, -0.4 * gap, 0.4 * gap);
            Assert.InRange(fit.Slope / c.Slope, 0.2, 5);
            Assert.True(fit.MidpointWithinData);
            Assert.Equal(c.Chance, fit.Floor);
        });
    }

    [Fact]
    public void Logistic_Intervals_AndPrediction()
    {
        (double[] x, double[] y, double[] errors) = new LogisticCase(9, 0.25, Math.Log(1e9), 2, 4).Build();
        LogisticFit fit = CurveFitter.FitLogistic(x, y, errors, 0.25, new CurveFitOptions { Bootstrap = 300 });
        Assert.True(fit.Parameter("x0").Interval.Contains(1e9), $"{fit.Parameter("x0").Interval}");
        Assert.Equal(0.625, fit.Predict(fit.Midpoint), 1e-12);
        Assert.Equal(0.25, fit.Predict(1e-30), 1e-9);
        Assert.Equal(1.0, fit.Predict(1e30), 1e-9);
        Assert.True(double.IsNaN(fit.Parameter("floor").Interval.Low));
    }

    [Fact]
    public void ATaskThatNeverTurnsOn_HasItsMidpointBeyondTheData()
    {
        double[] x = Synthetic.Scales(6);
        double[] y = [0.25, 0.25, 0.26, 0.25, 0.26, 0.27];
        LogisticFit fit = CurveFitter.FitLogistic(x, y, [.. y.Select(_ => 0.01)], 0.25, new CurveFitOptions { Bootstrap = 0 });
        Assert.False(fit.MidpointWithinData);
        Assert.True(fit.Midpoint > x[^1]);
    }

    [Fact]
    public void Fit_PicksTheFormByDirectionAndRange()
    {
        var random = new Random(1);
        ScalingSeries loss = Synthetic.Series([.. Synthetic.Scales(6).Select(v => 2 + (300 * Math.Pow(v, -0.3)))], 0.001, random, MetricDirection.LowerIsBetter, metric: "loss");
        ScalingSeries accuracy = Synthetic.Series([0.1, 0.2, 0.4, 0.6, 0.7, 0.75], 0.01, random);
        ScalingSeries likelihood = Synthetic.Series([-30, -25, -20, -18, -17, -16], 0.1, random, metric: "mean_example_loglikelihood");
        ScalingSeries short3 = Synthetic.Series([3, 2.5, 2.2], 0.01, random, MetricDirection.LowerIsBetter, metric: "loss");
        var options = new CurveFitOptions { Bootstrap = 0 };
        Assert.IsType<PowerLawFit>(CurveFitter.Fit(loss, options));
        Assert.IsType<LogisticFit>(CurveFitter.Fit(accuracy, options));
        Assert.Null(CurveFitter.Fit(likelihood, options));
        Assert.Contains("[0, 1]", CurveFitter.NoFitReason(likelihood), StringComparison.Ordinal);
        Assert.Null(CurveFitter.Fit(short3, options));
        Assert.Contains("4 points", CurveFitter.NoFitReason(short3), StringComparison.Ordinal);
    }
}
