using System.Globalization;
using LossEngine.Scaling;

namespace LossEngine.Tests.Scaling;

/// <summary>The readers: lm-eval results in both layouts, score reports, tidy CSV, manifests, and their errors.</summary>
public sealed class ScalingInputsTests : IDisposable
{
    private readonly Files _files = new();

    public void Dispose() => _files.Dispose();

    private static readonly ScalingReadOptions Defaults = new();

    private static string[] PythiaFiles() => [.. Directory.GetFiles(Files.Fixture("pythia-style"), "*.json").Order(StringComparer.Ordinal)];

    private static ModelManifest PythiaManifest() => ModelManifest.Read(Files.Fixture("pythia-style", "models.csv"));

    [Fact]
    public void LmEval_OlderLayout_MetricWithItsStderrBeside()
    {
        IReadOnlyList<ScalingSeries> series = ScalingInputs.Read(PythiaFiles(), PythiaManifest(), Defaults);
        Assert.Equal(11, series.Count);
        ScalingSeries ppl = series.Single(s => s.Task == "lambada_openai" && s.Metric == "ppl");
        Assert.Equal(MetricDirection.LowerIsBetter, ppl.Direction);
        Assert.Equal(8, ppl.Points.Count);
        Assert.Equal(["pythia-70m", "pythia-160m", "pythia-410m", "pythia-1b", "pythia-1.4b", "pythia-2.8b", "pythia-6.9b", "pythia-12b"], ppl.Points.Select(p => p.Model));
        Assert.Equal(7e7, ppl.Points[0].X);
        Assert.Equal(130.0, ppl.Points[0].Y, 1e-9);
        Assert.Equal(0.035 * 130.0, ppl.Points[0].StandardError, 1e-9);
        ScalingSeries accNorm = series.Single(s => s.Task == "arc_easy" && s.Metric == "acc_norm");
        Assert.Equal(MetricDirection.HigherIsBetter, accNorm.Direction);
        Assert.Equal(0.38, accNorm.Points[0].Y);
        Assert.Equal(Math.Sqrt(0.38 * 0.62 / 2376), accNorm.Points[0].StandardError, 1e-12);
        Assert.Contains(series, s => s.Metric == "mc1");
        Assert.Contains(series, s => s.Metric == "mc2");
        Assert.DoesNotContain(series, s => s.Metric.EndsWith("_stderr", StringComparison.Ordinal));
    }

    [Fact]
    public void LmEval_CurrentLayout_MetricCommaFilter_WithNAStandardErrors_AndSampleCounts()
    {
        ModelManifest manifest = ModelManifest.Read(Files.Fixture("harness-checkpoints", "models.json"));
        IReadOnlyList<ScalingSeries> series = ScalingInputs.Read([], manifest, new ScalingReadOptions { Axis = ScaleAxis.Step });
        Assert.Equal(
            ["arc_easy/acc", "arc_easy/acc_norm", "lambada_openai/perplexity", "lambada_openai/acc", "multiplication_3digit/exact_match", "multiplication_3digit/perplexity", "gsm8k/exact_match,strict-match", "gsm8k/exact_match,flexible-extract"],
            series.Select(s => $"{s.Task}/{s.Metric}"));
        ScalingSeries acc = series[0];
        Assert.Equal([1000.0, 4000, 16000, 64000, 143000], acc.Points.Select(p => p.X));
        Assert.Equal("step1000", acc.Points[0].Model);
        Assert.Equal(2376, acc.Points[0].Count);
        Assert.Equal(Math.Sqrt(0.38 * 0.62 / 2376), acc.Points[0].StandardError, 1e-12);
        ScalingSeries flexible = series.Single(s => s.Metric == "exact_match,flexible-extract");
        Assert.True(double.IsNaN(flexible.Points[0].StandardError));
        Assert.Equal(MetricDirection.HigherIsBetter, flexible.Direction);
        Assert.Equal(MetricDirection.LowerIsBetter, series.Single(s => s.Metric == "perplexity" && s.Task == "lambada_openai").Direction);

        // A base name selects every filter of the metric.
        IReadOnlyList<ScalingSeries> exact = ScalingInputs.Read([], manifest, new ScalingReadOptions { Axis = ScaleAxis.Step, Metrics = ["exact_match"] });
        Assert.Equal(["exact_match", "exact_match,strict-match", "exact_match,flexible-extract"], exact.Select(s => s.Metric));

        // The manifest's other scales: tokens = step × 2,097,152.
        IReadOnlyList<ScalingSeries> byTokens = ScalingInputs.Read([], manifest, new ScalingReadOptions { Axis = ScaleAxis.Tokens, Metrics = ["acc"] });
        Assert.Equal(1000.0 * 2097152, byTokens[0].Points[0].X);
    }

    [Fact]
    public void LmEval_UnknownMetric_IsAnError_UntilItsDirectionIsGiven()
    {
        string results = _files.Write("a.json", """{"results": {"crows_pairs_english": {"likelihood_difference": 3.3, "likelihood_difference_stderr": 0.09, "pct_stereotype": 0.56}}}""");
        _files.Write("b.json", """{"results": {"crows_pairs_english": {"likelihood_difference": 3.1, "likelihood_difference_stderr": 0.09, "pct_stereotype": 0.55}}}""");
        ModelManifest manifest = ModelManifest.Read(_files.Write("models.csv", "file,params\na.json,1e8\nb.json,2e8\n"));
        var error = Assert.Throws<ScalingInputException>(() => ScalingInputs.Read([], manifest, Defaults));
        Assert.Equal(results, error.File);
        Assert.Equal("results.crows_pairs_english.\"likelihood_difference\"", error.Field);
        Assert.Contains("unknown metric 'likelihood_difference'", error.Message, StringComparison.Ordinal);
        Assert.Contains("--direction likelihood_difference=lower", error.Message, StringComparison.Ordinal);

        var options = new ScalingReadOptions
        {
            Directions = new Dictionary<string, MetricDirection> { ["likelihood_difference"] = MetricDirection.LowerIsBetter, ["pct_stereotype"] = MetricDirection.LowerIsBetter },
        };
        IReadOnlyList<ScalingSeries> series = ScalingInputs.Read([], manifest, options);
        Assert.Equal(["likelihood_difference", "pct_stereotype"], series.Select(s => s.Metric));
        Assert.Equal(0.09, series[0].Points[0].StandardError);

        // Leaving the unknown metrics out is the other way.
        Assert.Throws<ScalingInputException>(() => ScalingInputs.Read([], manifest, new ScalingReadOptions { Metrics = ["acc"] }));
    }

    [Fact]
    public void ScoreReports_EveryPerTaskMetricBecomesASeries_WithDerivedErrors()
    {
        var lines = new List<string> { "file,model,params" };
        for (int m = 0; m < 4; m++)
        {
            double loss = 3.0 - (0.4 * m), se = 0.05;
            string task(string name, double l) => string.Create(CultureInfo.InvariantCulture,
                $$"""{"task": "{{name}}", "tokens": 400, "examples": 100, "loss": {{l}}, "loss_stderr": {{se}}, "perplexity": {{Math.Exp(l)}}, "p_next": {{Math.Exp(-l)}}, "bits_per_token": {{l / Math.Log(2)}}, "bits_per_byte": "NaN", "accuracy": {{0.2 + (0.1 * m)}}, "accuracy_stderr": 0.02, "exact_match": {{0.01 * m}}, "exact_match_stderr": 0.01, "mean_example_loglikelihood": {{-4 * l}}, "mean_example_loglikelihood_stderr": 0.2, "top_k_accuracy": 0.5}""");
            _files.Write($"r{m}.json", $$"""{"schema": "lossengine.score/1", "overall": {}, "tasks": [{{task("grammar", loss)}}, {{task("arithmetic", loss + 1)}}]}""");
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"r{m}.json,m{m},{1e8 * Math.Pow(3, m)}"));
        }

        ModelManifest manifest = ModelManifest.Read(_files.Write("models.csv", string.Join('\n', lines)));
        IReadOnlyList<ScalingSeries> series = ScalingInputs.Read([], manifest, Defaults);
        Assert.Equal(
            ["loss", "perplexity", "p_next", "bits_per_token", "accuracy", "exact_match", "mean_example_loglikelihood"],
            series.Where(s => s.Task == "grammar").Select(s => s.Metric));
        ScalingPoint Point(string metric) => series.Single(s => s.Task == "grammar" && s.Metric == metric).Points[0];
        Assert.Equal(0.05, Point("loss").StandardError);
        Assert.Equal(Math.Exp(3.0) * 0.05, Point("perplexity").StandardError, 1e-9);
        Assert.Equal(Math.Exp(-3.0) * 0.05, Point("p_next").StandardError, 1e-12);
        Assert.Equal(0.05 / Math.Log(2), Point("bits_per_token").StandardError, 1e-12);
        Assert.Equal(400, Point("loss").Count);
        Assert.Equal(100, Point("exact_match").Count);
        Assert.Equal(4.0, Point("p_next").TokensPerExample);
        Assert.Equal(MetricDirection.HigherIsBetter, series.Single(s => s.Task == "grammar" && s.Metric == "p_next").Direction);
    }

    [Fact]
    public void ScoreReports_TheCommittedFixtures_Read()
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "Cli", "Fixtures");
        ModelManifest manifest = ModelManifest.Parse("file,model,params\nscore.json,small,1e8\nmerge.json,large,1e9\n", Path.Combine(folder, "models.csv"));
        IReadOnlyList<ScalingSeries> series = ScalingInputs.Read([], manifest, new ScalingReadOptions { Metrics = ["loss", "exact_match"] });
        Assert.Contains(series, s => s.Task == "grammar" && s.Metric == "loss" && s.Points.Count == 2);
        Assert.All(series, s => Assert.Equal(["small", "large"], s.Points.Select(p => p.Model)));
    }

    [Fact]
    public void TidyCsv_CarriesItsOwnScales_ChanceAndDirections()
    {
        string csv = _files.Write("runs.csv", """
            model,params,tokens,compute,step,task,metric,value,stderr,chance,direction
            a,1e8,,,,mmlu,acc,0.25,0.01,0.25,
            b,1e9,,,,mmlu,acc,0.30,0.01,0.25,
            c,1e10,,,,mmlu,acc,0.50,0.01,0.25,
            a,1e8,,,,mmlu,brier,0.30,0.01,,lower
            b,1e9,,,,mmlu,brier,0.25,,,lower
            """);
        IReadOnlyList<ScalingSeries> series = ScalingInputs.Read([csv], null, Defaults);
        Assert.Equal(0.25, series[0].ChanceLevel);
        Assert.Equal([1e8, 1e9, 1e10], series[0].Points.Select(p => p.X));
        Assert.Equal(MetricDirection.LowerIsBetter, series[1].Direction);
        Assert.True(double.IsNaN(series[1].Points[1].StandardError));

        var error = Assert.Throws<ScalingInputException>(() => ScalingInputs.Read([csv], null, new ScalingReadOptions { Axis = ScaleAxis.Tokens }));
        Assert.Equal("line 2, column tokens", error.Field);
        Assert.Contains("missing scale", error.Message, StringComparison.Ordinal);

        string conflicting = _files.Write("bad.csv", "model,params,task,metric,value\na,1e8,t,acc,0.2\na,2e8,t,loss,3\n");
        error = Assert.Throws<ScalingInputException>(() => ScalingInputs.Read([conflicting], null, Defaults));
        Assert.Equal("line 3, column params", error.Field);

        string duplicate = _files.Write("dup.csv", "model,params,task,metric,value\na,1e8,t,acc,0.2\nb,2e8,t,acc,0.3\na,1e8,t,acc,0.25\n");
        error = Assert.Throws<ScalingInputException>(() => ScalingInputs.Read([duplicate], null, Defaults));
        Assert.Equal("line 4", error.Field);
        Assert.Contains("duplicate model 'a'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Manifest_Errors_NameTheManifestTheLineAndTheColumn()
    {
        var error = Assert.Throws<ScalingInputException>(() => ModelManifest.Parse("model,params\nm,1e8\n", "models.csv"));
        Assert.Equal(("models.csv", "header"), (error.File, error.Field));
        Assert.Contains("no 'file' column", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ScalingInputException>(() => ModelManifest.Parse("file,model\na.json,m\n", "models.csv"));
        Assert.Contains("no scale column", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ScalingInputException>(() => ModelManifest.Parse("file,params\na.json,big\n", "models.csv"));
        Assert.Equal("line 2, column params", error.Field);
        error = Assert.Throws<ScalingInputException>(() => ModelManifest.Parse("file,params\na.json,-3\n", "models.csv"));
        Assert.Contains("not a positive number", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ScalingInputException>(() => ModelManifest.Parse("file,model,params\na.json,m,1e8\nb.json,m,2e8\n", "models.csv"));
        Assert.Equal("line 3, column model", error.Field);
        Assert.Contains("duplicate model 'm' (also at line 2)", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ScalingInputException>(() => ModelManifest.Parse("file,params\na.json,1e8\n./a.json,2e8\n", "models.csv"));
        Assert.Contains("listed twice", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ScalingInputException>(() => ModelManifest.Parse("""[{"file": "a.json", "params": "x"}]""", "models.json"));
        Assert.Equal("models[0].params", error.Field);

        // Suffixes, quoting, defaults: the model's name defaults to the file's, and 160M is 1.6e8.
        ModelManifest manifest = ModelManifest.Parse("file,params,step\n\"dir/pythia-160m.json\",160M,\n", "/tmp/x/models.csv");
        ModelEntry entry = Assert.Single(manifest.Entries);
        Assert.Equal(("pythia-160m", 1.6e8, (double?)null), (entry.Model, entry.Parameters!.Value, entry.Step));
        Assert.Equal(Path.GetFullPath("/tmp/x/dir/pythia-160m.json"), entry.File);
    }

    [Fact]
    public void Inputs_Errors_NameTheFileAndTheField()
    {
        string[] files = PythiaFiles();
        ModelManifest manifest = PythiaManifest();

        // A model without a value on the chosen axis (the files in the manifest's order: pythia-70m first).
        var error = Assert.Throws<ScalingInputException>(() => ScalingInputs.Read([], manifest, new ScalingReadOptions { Axis = ScaleAxis.Compute }));
        Assert.Equal(manifest.Path, error.File);
        Assert.Equal("line 2, column compute", error.Field);
        Assert.Contains("missing scale", error.Message, StringComparison.Ordinal);

        // The same file twice is the same model twice in every series.
        error = Assert.Throws<ScalingInputException>(() => ScalingInputs.Read([files[0], files[0]], manifest, Defaults));
        Assert.Contains("duplicate model", error.Message, StringComparison.Ordinal);

        // One file: every series has a single point.
        error = Assert.Throws<ScalingInputException>(() => ScalingInputs.Read([files[0]], manifest, Defaults));
        Assert.Contains("fewer than 2 points", error.Message, StringComparison.Ordinal);
        Assert.Equal(files[0], error.File);

        // Two models at one scale.
        ModelManifest same = ModelManifest.Parse(string.Join('\n', ["file,params", .. files.Select(f => $"{Path.GetFileName(f)},1e9")]), manifest.Path);
        error = Assert.Throws<ScalingInputException>(() => ScalingInputs.Read(files, same, Defaults));
        Assert.Contains("one model per scale", error.Message, StringComparison.Ordinal);

        // A requested metric that no input has.
        error = Assert.Throws<ScalingInputException>(() => ScalingInputs.Read(files, manifest, new ScalingReadOptions { Metrics = ["f1"] }));
        Assert.Contains("unknown metric 'f1': no input has it (metrics found: acc, acc_norm, mc1, mc2, ppl)", error.Message, StringComparison.Ordinal);

        // Files the manifest does not list, no manifest, no such file, not a known format.
        string stray = _files.Write("stray.json", """{"results": {}}""");
        error = Assert.Throws<ScalingInputException>(() => ScalingInputs.Read([stray], manifest, Defaults));
        Assert.Equal(stray, error.File);
        Assert.Contains("not listed in the manifest", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ScalingInputException>(() => ScalingInputs.Read([stray], null, Defaults));
        Assert.Contains("a manifest is needed", error.Message, StringComparison.Ordinal);
        Assert.Throws<ScalingInputException>(() => ScalingInputs.Read([Path.Combine(_files.Folder, "none.json")], manifest, Defaults));
        error = Assert.Throws<ScalingInputException>(() => ScalingInputs.Read([_files.Write("other.json", """{"rows": []}""")], manifest, Defaults));
        Assert.Contains("nor lm-evaluation-harness results", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ScalingInputException>(() => ScalingInputs.Read([_files.Write("other2.json", """{"schema": "lossengine.compare/1"}""")], manifest, Defaults));
        Assert.Equal("schema", error.Field);
    }
}
