using System.Text.Json;
using LossEngine.Scaling;

namespace LossEngine.Tests.Scaling;

/// <summary>The analysis across series: mirage comparisons, decomposition across scale, the JSON.</summary>
public sealed class ScalingAnalysisTests
{
    private static readonly ScalingAnalysisOptions NoBootstrap = new() { Fit = new CurveFitOptions { Bootstrap = 0 } };

    /// <summary>A task whose exact match over L = 8 tokens jumps while its per-token probability rises steadily, as a
    /// score report gives them: p_next with its tokens per example, exact match = p_next^8 (below 0.02 until p_next
    /// passes 0.6).</summary>
    private static List<ScalingSeries> MirageTask(string task = "arithmetic", bool withLikelihood = false)
    {
        double[] p = [0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60, 0.95];
        double[] x = Synthetic.Scales(p.Length);
        ScalingSeries Make(string metric, MetricDirection direction, Func<double, double> value, double error) => new()
        {
            Task = task,
            Metric = metric,
            Direction = direction,
            Axis = ScaleAxis.Parameters,
            Points = [.. p.Select((v, i) => new ScalingPoint { Model = $"m{i}", X = x[i], Y = value(v), StandardError = error, TokensPerExample = 8 })],
        };

        var series = new List<ScalingSeries>
        {
            Make("exact_match", MetricDirection.HigherIsBetter, v => Math.Pow(v, 8), 0.005),
            Make("p_next", MetricDirection.HigherIsBetter, v => v, 0.005),
            Make("loss", MetricDirection.LowerIsBetter, v => -Math.Log(v), 0.005),
        };
        if (withLikelihood)
        {
            series.Add(Make("mean_example_loglikelihood", MetricDirection.HigherIsBetter, v => 8 * Math.Log(v), 0.01));
        }

        return series;
    }

    [Fact]
    public void Mirage_FlagsEmergentUnderExactMatch_SmoothUnderPNext_AndPredictsExactMatch()
    {
        ScalingReport report = ScalingAnalysis.Run(MirageTask(), NoBootstrap);
        Assert.Equal(ScalingClass.Emergent, report.Series[0].Classification.Class);
        Assert.Equal(ScalingClass.Smooth, report.Series[1].Classification.Class);
        MirageComparison comparison = Assert.Single(report.Mirage);
        Assert.True(comparison.Flagged);
        Assert.Equal("emergent under exact_match, smooth under p_next", comparison.Note);
        Assert.Equal("p_next", comparison.ContinuousMetric);
        foreach (MirageRow row in comparison.Rows)
        {
            Assert.Equal(row.Observed, row.Predicted, 1e-12);
        }

        // A user-given L replaces the inputs'.
        ScalingReport shorter = ScalingAnalysis.Run(MirageTask(), NoBootstrap with { TokensPerExample = 4 });
        Assert.Equal(Math.Pow(0.3, 4), shorter.Mirage[0].Rows[0].Predicted, 1e-12);
    }

    [Fact]
    public void Mirage_PrefersTheExampleLikelihood_WhichIsPNextToTheL_Exactly()
    {
        ScalingReport report = ScalingAnalysis.Run(MirageTask(withLikelihood: true), NoBootstrap);
        MirageComparison comparison = Assert.Single(report.Mirage);
        Assert.Equal(Math.Exp(8 * Math.Log(0.3)), comparison.Rows[0].Predicted, 1e-12);
    }

    [Fact]
    public void Mirage_AccuracyHasNoPrediction_AndTasksWithoutAContinuousMetricAreLeftOut()
    {
        var random = new Random(3);
        List<ScalingSeries> series =
        [
            Synthetic.Series([0.2, 0.3, 0.4, 0.5, 0.6], 0.01, random, task: "a", metric: "acc"),
            Synthetic.Series([4, 3.5, 3.2, 3.0, 2.9], 0.01, random, MetricDirection.LowerIsBetter, task: "a", metric: "ppl"),
            Synthetic.Series([0.2, 0.3, 0.4, 0.5, 0.6], 0.01, random, task: "b", metric: "acc"),
        ];
        MirageComparison comparison = Assert.Single(ScalingAnalysis.Run(series, NoBootstrap).Mirage);
        Assert.Equal(("a", "acc", "ppl"), (comparison.Task, comparison.DiscontinuousMetric, comparison.ContinuousMetric));
        Assert.All(comparison.Rows, r => Assert.True(double.IsNaN(r.Predicted)));
        Assert.False(comparison.Flagged);
    }

    [Fact]
    public void Mirage_PairsMultipleChoiceAccuracy_WithTheBrierScore()
    {
        // lm-eval's multiple-choice results carry acc, acc_norm and brier_score: the Brier score is the continuous
        // metric of the mirage view, and its direction (lower is better) is known without being named.
        var random = new Random(4);
        Assert.True(MetricCatalog.TryGetDirection("brier_score,none", out MetricDirection direction) && direction == MetricDirection.LowerIsBetter);
        List<ScalingSeries> series =
        [
            Synthetic.Series([0.25, 0.26, 0.27, 0.45, 0.70], 0.01, random, task: "hellaswag", metric: "acc_norm"),
            Synthetic.Series([0.74, 0.70, 0.64, 0.55, 0.40], 0.01, random, MetricDirection.LowerIsBetter, task: "hellaswag", metric: "brier_score"),
        ];
        MirageComparison comparison = Assert.Single(ScalingAnalysis.Run(series, NoBootstrap).Mirage);
        Assert.Equal(("hellaswag", "acc_norm", "brier_score"), (comparison.Task, comparison.DiscontinuousMetric, comparison.ContinuousMetric));
    }

    [Fact]
    public void Decomposition_SharesOfTheMeanAndOfTheImprovement()
    {
        double[] x = [1e8, 1e9, 1e10];
        ScalingSeries Loss(string task, double[] y, int models = 3) => new()
        {
            Task = task,
            Metric = "loss",
            Direction = MetricDirection.LowerIsBetter,
            Axis = ScaleAxis.Parameters,
            Points = [.. y.Take(models).Select((v, i) => new ScalingPoint { Model = $"m{i}", X = x[i], Y = v })],
        };

        ScaleDecomposition d = ScaleDecomposition.Compute([Loss("a", [4, 3, 2.5]), Loss("b", [2, 1.8, 1.7]), Loss("c", [1, 1, 1.1])], "loss")!;
        Assert.Equal(["a", "b", "c"], d.Tasks);
        Assert.Equal(7.0 / 3, d.Models[0].Total, 1e-12);
        Assert.Equal([4.0 / 7, 2.0 / 7, 1.0 / 7], d.Models[0].Tasks.Select(t => t.Share), new ToleranceComparer(1e-12));
        Assert.Equal(["m0 → m1", "m1 → m2", "m0 → m2"], d.Steps.Select(s => $"{s.From} → {s.To}"));
        StepDecomposition span = d.Steps[2];
        Assert.True(span.SpansAll);
        Assert.Equal((1.5 + 0.3 - 0.1) / 3, span.Improvement, 1e-12);
        Assert.Equal([1.5 / 1.7, 0.3 / 1.7, -0.1 / 1.7], span.Tasks.Select(t => t.Share), new ToleranceComparer(1e-12));
        Assert.All(d.Steps, s => Assert.Equal(1.0, s.Tasks.Sum(t => t.Share), 1e-12));

        // A model missing in one task is left out of every model's decomposition.
        ScaleDecomposition partial = ScaleDecomposition.Compute([Loss("a", [4, 3, 2.5]), Loss("b", [2, 1.8, 1.7], models: 2)], "loss")!;
        Assert.Equal(["m2"], partial.ExcludedModels);
        Assert.Equal(2, partial.Models.Count);
        Assert.Null(ScaleDecomposition.Compute([Loss("a", [4, 3, 2.5])], "acc"));
    }

    [Fact]
    public void Run_IsDeterministic_WhateverTheThreadCount_AndWritesTheDocumentedJson()
    {
        List<ScalingSeries> series = [.. MirageTask(), Synthetic.Exact([0.50, 0.51, 0.49, 0.50, 0.52, 0.50], 0.01, task: "flat", metric: "acc")];
        var options = new ScalingAnalysisOptions { Fit = new CurveFitOptions { Bootstrap = 100, Seed = 5 }, ExtrapolateTo = 1e12 };
        string parallel = ScalingReportJson.Write(ScalingAnalysis.Run(series, options));
        string single = ScalingReportJson.Write(ScalingAnalysis.Run(series, options with { MaxDegreeOfParallelism = 1 }));
        Assert.Equal(parallel, single);

        using JsonDocument document = JsonDocument.Parse(parallel);
        JsonElement root = document.RootElement;
        Assert.Equal("lossengine.scaling/1", root.GetProperty("schema").GetString());
        Assert.Equal("params", root.GetProperty("x").GetString());
        JsonElement first = root.GetProperty("series")[0];
        foreach (string field in new[] { "task", "metric", "direction", "x", "points", "class", "scores", "fit", "extrapolation" })
        {
            Assert.True(first.TryGetProperty(field, out _), $"series[] lacks '{field}'");
        }

        Assert.Equal("emergent", first.GetProperty("class").GetString());
        Assert.Equal("higher", first.GetProperty("direction").GetString());
        JsonElement point = first.GetProperty("points")[0];
        Assert.Equal(["model", "x", "y", "stderr", "n"], point.EnumerateObject().Select(p => p.Name));
        JsonElement fit = first.GetProperty("fit");
        Assert.Equal("logistic", fit.GetProperty("form").GetString());
        Assert.Equal(["x0", "slope", "floor"], fit.GetProperty("parameters").EnumerateObject().Select(p => p.Name));
        Assert.Equal(2, fit.GetProperty("ci").GetProperty("x0").GetArrayLength());
        Assert.True(fit.TryGetProperty("r2", out _));
        JsonElement loss = root.GetProperty("series")[2];
        Assert.Equal("lower", loss.GetProperty("direction").GetString());
        Assert.Equal(["E", "A", "alpha"], loss.GetProperty("fit").GetProperty("parameters").EnumerateObject().Select(p => p.Name));
        Assert.Equal(1e12, loss.GetProperty("extrapolation").GetProperty("x").GetDouble());
        foreach (string score in new[] { "rank_correlation", "largest_step_share", "total_change_z" })
        {
            Assert.True(first.GetProperty("scores").TryGetProperty(score, out _), $"scores lacks '{score}'");
        }

        JsonElement mirage = root.GetProperty("mirage")[0];
        Assert.True(mirage.GetProperty("flagged").GetBoolean());
        Assert.Equal("exact_match", mirage.GetProperty("discontinuous").GetProperty("metric").GetString());
        Assert.Equal("smooth", mirage.GetProperty("continuous").GetProperty("class").GetString());
        JsonElement[] decomposition = [.. root.GetProperty("decomposition").EnumerateArray()];
        Assert.Equal("model", decomposition[0].GetProperty("kind").GetString());
        Assert.Equal("loss", decomposition[0].GetProperty("metric").GetString());
        Assert.Equal("span", decomposition[^1].GetProperty("kind").GetString());
        Assert.Equal("flat", root.GetProperty("series")[3].GetProperty("class").GetString());
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
