using LossEngine.Scaling;

namespace LossEngine.Tests.Scaling;

/// <summary>Seeded synthetic series for the scaling tests.</summary>
internal static class Synthetic
{
    public static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>n scales spaced evenly in log x from <paramref name="first"/> to <paramref name="last"/>.</summary>
    public static double[] Scales(int n, double first = 1e7, double last = 1e11) =>
        [.. Enumerable.Range(0, n).Select(i => first * Math.Pow(last / first, i / (n - 1.0)))];

    /// <summary>A series with the given true values, each observed with N(0, s²) noise and reported standard error s.</summary>
    public static ScalingSeries Series(IReadOnlyList<double> truth, double noise, Random random, MetricDirection direction = MetricDirection.HigherIsBetter,
        string task = "task", string metric = "acc", double? chance = null, double[]? x = null)
    {
        x ??= Scales(truth.Count);
        return new ScalingSeries
        {
            Task = task,
            Metric = metric,
            Direction = direction,
            Axis = ScaleAxis.Parameters,
            ChanceLevel = chance,
            Points = [.. truth.Select((y, i) => new ScalingPoint { Model = $"m{i}", X = x[i], Y = y + (noise * Gaussian(random)), StandardError = noise })],
        };
    }

    /// <summary>Exact values (no noise) with the given standard errors.</summary>
    public static ScalingSeries Exact(IReadOnlyList<double> y, double standardError, MetricDirection direction = MetricDirection.HigherIsBetter, string task = "task", string metric = "acc", double? chance = null) =>
        new()
        {
            Task = task,
            Metric = metric,
            Direction = direction,
            Axis = ScaleAxis.Parameters,
            ChanceLevel = chance,
            Points = [.. y.Select((v, i) => new ScalingPoint { Model = $"m{i}", X = Scales(y.Count)[i], Y = v, StandardError = standardError })],
        };
}
