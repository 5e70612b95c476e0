using System.Diagnostics;
using System.Globalization;
using LossEngine.Scaling;

namespace LossEngine.Benchmarks.Scaling;

/// <summary>
/// <c>scaling [--models M] [--series S] [--bootstrap B] [--threads T]</c>: the scaling analysis on S seeded synthetic
/// series over M models (default 100 × 1,000 with 1,000 bootstrap resamples per fit): half are losses that follow a
/// power law with 0.2% noise, half are accuracies that follow a logistic above a chance of 0.25 with 0.01 noise. Times
/// the analysis (classes, fits with their bootstrap, extrapolation, mirage, decomposition) and the JSON, once each,
/// after a small warm-up run.
/// </summary>
internal static class ScalingMode
{
    public static int Run(string[] args)
    {
        int models = 100, count = 1000, bootstrap = 1000, threads = -1;
        for (int i = 0; i < args.Length; i++)
        {
            string value = i + 1 < args.Length ? args[i + 1] : "0";
            switch (args[i])
            {
                case "--models": models = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--series": count = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--bootstrap": bootstrap = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--threads": threads = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
                default: Console.Error.WriteLine($"scaling: unknown argument {args[i]}"); return 2;
            }
        }

        List<ScalingSeries> series = Generate(models, count);
        var options = new ScalingAnalysisOptions { Fit = new CurveFitOptions { Bootstrap = bootstrap }, ExtrapolateTo = 1e13, MaxDegreeOfParallelism = threads };

        // Warm-up: every code path, long enough (and then a pause) for the JIT's optimising tier to replace the first
        // quick compilation of the hot loops, so that the timed run measures steady-state code.
        ScalingAnalysis.Run(series.Take(40).ToList(), options with { Fit = new CurveFitOptions { Bootstrap = 100 } });
        Thread.Sleep(500);

        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        ScalingReport report = ScalingAnalysis.Run(series, options);
        double analysis = clock.Elapsed.TotalSeconds;
        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        clock.Restart();
        string json = ScalingReportJson.Write(report);
        double writing = clock.Elapsed.TotalSeconds;

        long fits = report.Series.Count(s => s.Fit is not null) * (long)(bootstrap + 1);
        string classes = string.Join(", ", report.Series.GroupBy(s => s.Classification.Class).OrderBy(g => g.Key).Select(g => $"{ScalingNames.Of(g.Key)} {g.Count()}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"scaling: {models} models × {count} series × {bootstrap} bootstrap resamples on {(threads > 0 ? threads : Environment.ProcessorCount)} thread(s): analysis {analysis:F2} s wall, {cpu:F2} s CPU ({cpu / fits * 1e6:F1} µs CPU per fit of {models} points), JSON {writing:F2} s ({json.Length / 1e6:F1} MB)"));
        Console.WriteLine($"scaling: classes {classes}; {report.Series.Count(s => s.Fit is PowerLawFit)} power laws, {report.Series.Count(s => s.Fit is LogisticFit)} logistics");
        return 0;
    }

    private static List<ScalingSeries> Generate(int models, int count)
    {
        var random = new Random(20240601);
        double[] x = [.. Enumerable.Range(0, models).Select(i => 1e7 * Math.Pow(1e5, i / (models - 1.0)))];
        var list = new List<ScalingSeries>(count);
        for (int s = 0; s < count; s++)
        {
            bool loss = s % 2 == 0;
            double e = 1.5 + (1.5 * random.NextDouble()), alpha = 0.2 + (0.4 * random.NextDouble()), a = (0.5 + (2.5 * random.NextDouble())) * e * Math.Pow(x[0], alpha);
            double midpoint = Math.Log(x[0]) + (Math.Log(x[^1] / x[0]) * random.NextDouble()), slope = 0.5 + (2 * random.NextDouble());
            var points = new ScalingPoint[models];
            for (int i = 0; i < models; i++)
            {
                double truth = loss ? e + (a * Math.Pow(x[i], -alpha)) : 0.25 + (0.75 / (1 + Math.Exp(-slope * (Math.Log(x[i]) - midpoint))));
                double error = loss ? 0.002 * truth : 0.01;
                points[i] = new ScalingPoint { Model = $"model-{i}", X = x[i], Y = loss ? truth + (error * Gaussian(random)) : Math.Clamp(truth + (error * Gaussian(random)), 0, 1), StandardError = error };
            }

            list.Add(new ScalingSeries
            {
                Task = $"task-{s / 2}",
                Metric = loss ? "loss" : "acc",
                Direction = loss ? MetricDirection.LowerIsBetter : MetricDirection.HigherIsBetter,
                Axis = ScaleAxis.Parameters,
                ChanceLevel = loss ? null : 0.25,
                Points = points,
            });
        }

        return list;
    }

    private static double Gaussian(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
