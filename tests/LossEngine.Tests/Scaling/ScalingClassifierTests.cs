using LossEngine.Scaling;

namespace LossEngine.Tests.Scaling;

/// <summary>Each class is recovered from synthetic series of its shape: 8 scales, every point observed with N(0, 0.01²)
/// noise and reported with its standard error 0.01, 400 seeded series per shape.</summary>
public sealed class ScalingClassifierTests
{
    private const int Draws = 400;
    private const double Noise = 0.01;

    public static TheoryData<string, double[], double?, ScalingClass, double> Shapes => new()
    {
        // name, true oriented values, chance, expected class, least recovery rate. Measured with these seeds: flat
        // 97.3%, smooth 100%, emergent 95.8%, inverse 100%, u-shaped 100%, inverted-u 100%, uncorrelated 99.3%.
        { "flat", [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], null, ScalingClass.Flat, 0.95 },
        { "smooth", [0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60, 0.65], null, ScalingClass.Smooth, 0.99 },
        { "emergent", [0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.60, 0.70], 0.25, ScalingClass.Emergent, 0.93 },
        { "inverse", [0.70, 0.67, 0.64, 0.61, 0.58, 0.55, 0.52, 0.49], null, ScalingClass.Inverse, 0.99 },
        { "u-shaped", [0.60, 0.50, 0.40, 0.30, 0.30, 0.40, 0.50, 0.60], null, ScalingClass.UShaped, 0.99 },
        { "inverted-u", [0.30, 0.40, 0.50, 0.60, 0.60, 0.50, 0.40, 0.30], null, ScalingClass.InvertedU, 0.99 },
        { "uncorrelated", [0.30, 0.60, 0.30, 0.60, 0.30, 0.60, 0.30, 0.60], null, ScalingClass.Uncorrelated, 0.97 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EachShape_IsRecovered_AtTheStatedNoiseAndRate(string name, double[] truth, double? chance, ScalingClass expected, double rate)
    {
        var random = new Random(name.Length * 7919);
        int recovered = 0;
        var seen = new Dictionary<ScalingClass, int>();
        for (int draw = 0; draw < Draws; draw++)
        {
            ScalingClass found = ScalingClassifier.Classify(Synthetic.Series(truth, Noise, random, chance: chance)).Class;
            seen[found] = seen.GetValueOrDefault(found) + 1;
            recovered += found == expected ? 1 : 0;
        }

        string summary = string.Join(", ", seen.Select(kv => $"{ScalingNames.Of(kv.Key)} {kv.Value}"));
        TestContext.Current.SendDiagnosticMessage($"{name}: {summary}");
        Assert.True(recovered >= rate * Draws, $"{name}: {recovered} of {Draws} classed {ScalingNames.Of(expected)} ({summary})");
    }

    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    [InlineData(8)]
    [InlineData(12)]
    [InlineData(16)]
    public void PureNoise_IsClassedFlat_AtLeast95PercentOfTheTime_WhateverTheNumberOfScales(int scales)
    {
        // The Bonferroni threshold holds the family-wise false-positive rate at or below 5% over all n(n−1)/2 pairs
        // (measured with these seeds: 95.8% to 96.6% flat for 4 to 16 scales).
        var random = new Random(scales);
        const int draws = 1000;
        int flat = 0;
        for (int draw = 0; draw < draws; draw++)
        {
            flat += ScalingClassifier.Classify(Synthetic.Series(new double[scales], Noise, random)).Class == ScalingClass.Flat ? 1 : 0;
        }

        TestContext.Current.SendDiagnosticMessage($"{scales} scales: {flat} of {draws} flat");
        Assert.True(flat >= 0.95 * draws - (2 * Math.Sqrt(draws * 0.05 * 0.95)), $"{flat} of {draws} noise series classed flat");
    }

    [Fact]
    public void LowerIsBetter_IsOrientedBeforeClassifying()
    {
        ScalingSeries falling = Synthetic.Exact([4.0, 3.6, 3.3, 3.1, 2.9, 2.8], 0.01, MetricDirection.LowerIsBetter, metric: "loss");
        ScalingSeries rising = Synthetic.Exact([2.8, 2.9, 3.1, 3.3, 3.6, 4.0], 0.01, MetricDirection.LowerIsBetter, metric: "loss");
        Assert.Equal(ScalingClass.Smooth, ScalingClassifier.Classify(falling).Class);
        Assert.Equal(ScalingClass.Inverse, ScalingClassifier.Classify(rising).Class);
        SeriesClassification scores = ScalingClassifier.Classify(falling);
        Assert.Equal(1.0, scores.RankCorrelation, 1e-12);
        Assert.Equal((4.0 - 2.8) / Math.Sqrt(2 * 0.01 * 0.01), scores.TotalChangeZ, 1e-9);
        Assert.Equal(0.4 / 1.2, scores.LargestStepShare, 1e-12);
        Assert.Equal(0, scores.LargestStep);
    }

    [Fact]
    public void Emergence_NeedsFlatEarlyScales_AndNearChanceWhenGiven()
    {
        double[] jump = [0.40, 0.40, 0.40, 0.40, 0.80, 0.85];
        Assert.Equal(ScalingClass.Emergent, ScalingClassifier.Classify(Synthetic.Exact(jump, 0.01)).Class);
        Assert.Equal(ScalingClass.Emergent, ScalingClassifier.Classify(Synthetic.Exact(jump, 0.01, chance: 0.4)).Class);

        // Flat early on, but far above a chance of 0.25: the ability was there from the start.
        Assert.Equal(ScalingClass.Smooth, ScalingClassifier.Classify(Synthetic.Exact(jump, 0.01, chance: 0.25)).Class);

        // Rising before the jump: not flat among the early scales.
        Assert.Equal(ScalingClass.Smooth, ScalingClassifier.Classify(Synthetic.Exact([0.10, 0.20, 0.30, 0.40, 0.90, 0.95], 0.01)).Class);

        // The jump at the first step leaves one early scale: that is a saturating rise, not emergence.
        Assert.Equal(ScalingClass.Smooth, ScalingClassifier.Classify(Synthetic.Exact([0.10, 0.80, 0.85, 0.88, 0.90, 0.91], 0.01)).Class);
    }

    [Fact]
    public void NoiseLargerThanTheTrend_IsFlat()
    {
        Assert.Equal(ScalingClass.Flat, ScalingClassifier.Classify(Synthetic.Exact([0.30, 0.31, 0.32, 0.33, 0.34, 0.35], 0.05)).Class);
        Assert.Equal(ScalingClass.Smooth, ScalingClassifier.Classify(Synthetic.Exact([0.30, 0.31, 0.32, 0.33, 0.34, 0.35], 0.001)).Class);
    }

    [Fact]
    public void TooFewScales_OrMissingErrors_AreInsufficient()
    {
        SeriesClassification three = ScalingClassifier.Classify(Synthetic.Exact([0.1, 0.5, 0.9], 0.01));
        Assert.Equal(ScalingClass.Insufficient, three.Class);
        Assert.Contains("at least 4", three.Reason, StringComparison.Ordinal);
        ScalingSeries series = Synthetic.Exact([0.1, 0.3, 0.5, 0.7, 0.9], 0.01);
        series = series with { Points = [.. series.Points.Select((p, i) => i == 2 ? p with { StandardError = double.NaN } : p)] };
        SeriesClassification missing = ScalingClassifier.Classify(series);
        Assert.Equal(ScalingClass.Insufficient, missing.Class);
        Assert.Contains("standard error", missing.Reason, StringComparison.Ordinal);
        Assert.Equal(1.0, missing.RankCorrelation, 1e-12);
    }

    [Fact]
    public void Thresholds_AreBonferroniCorrected_AndNeverBelowTwo()
    {
        Assert.Equal(2.0, ScalingClassifier.Threshold(1));
        Assert.Equal(2.2414, ScalingClassifier.Threshold(2), 3);
        Assert.Equal(3.1237, ScalingClassifier.Threshold(28), 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => ScalingClassifier.Threshold(0));
    }

    [Fact]
    public void ClassNames_AreTheDocumentedOnes()
    {
        Assert.Equal(
            ["insufficient", "flat", "smooth", "emergent", "inverse", "u-shaped", "inverted-u", "uncorrelated"],
            Enum.GetValues<ScalingClass>().Select(ScalingNames.Of).ToArray());
    }
}
