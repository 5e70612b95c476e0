using System.Globalization;
using System.Text;
using System.Text.Json;
using LossEngine.Cli;

namespace LossEngine.Tests.Scaling;

/// <summary>The scaling and fit-law commands: arguments, rendering, exit codes. The numbers are tested in the library.</summary>
public sealed class ScalingCliTests : IDisposable
{
    private static readonly string[] ClassNames = ["smooth", "emergent", "flat", "inverse", "u-shaped", "inverted-u", "uncorrelated", "insufficient"];

    private readonly Files _files = new();

    public void Dispose() => _files.Dispose();

    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = CliApplication.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private static string[] Pythia() =>
        ["scaling", .. Directory.GetFiles(Files.Fixture("pythia-style"), "*.json").Order(StringComparer.Ordinal), "--manifest", Files.Fixture("pythia-style", "models.csv")];

    [Fact]
    public void Scaling_OnLmEvalResults_PrintsTheTableMirageAndDecomposition_AndWritesJsonAndMarkdown()
    {
        string json = _files.Write("out.json", string.Empty), markdown = _files.Write("out.md", string.Empty);
        (int exit, string output, string error) = Run([.. Pythia(), "--chance", "arc_easy=0.25", "--extrapolate", "70B", "--bootstrap", "100", "--json", json, "--markdown", markdown]);
        Assert.True(exit == 0, error);
        Assert.Contains("11 series over 8 models along params", output, StringComparison.Ordinal);
        Assert.Contains("y at 7e+10", output, StringComparison.Ordinal);
        foreach (string expected in new[] { "lambada_openai", "power law: α", "logistic: x₀", "emergent", "u-shaped", "inverse", "flat", "Mirage:", "Decomposition across scale: acc" })
        {
            Assert.Contains(expected, output, StringComparison.Ordinal);
        }

        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement root = document.RootElement;
        Assert.Equal("lossengine.scaling/1", root.GetProperty("schema").GetString());
        JsonElement[] series = [.. root.GetProperty("series").EnumerateArray()];
        Assert.Equal(11, series.Length);
        Assert.All(series, s => Assert.Contains(s.GetProperty("class").GetString(), ClassNames));
        Assert.Equal(["ppl", "acc", "acc", "acc_norm"], series.Take(4).Select(s => s.GetProperty("metric").GetString()));
        Assert.Equal(0.25, series[2].GetProperty("chance").GetDouble());
        Assert.Equal(7e10, series[0].GetProperty("extrapolation").GetProperty("x").GetDouble());
        Assert.True(root.GetProperty("mirage").GetArrayLength() > 0);
        Assert.True(root.GetProperty("decomposition").GetArrayLength() > 0);
        string table = File.ReadAllText(markdown);
        Assert.Contains("| lambada_openai | ppl | 8 | smooth |", table, StringComparison.Ordinal);
        Assert.Contains("### Mirage", table, StringComparison.Ordinal);
    }

    [Fact]
    public void Scaling_CurrentLayout_AlongSteps_FlagsTheMirage()
    {
        (int exit, string output, string error) = Run("scaling", "--manifest", Files.Fixture("harness-checkpoints", "models.json"), "--x", "step", "--bootstrap", "50");
        Assert.True(exit == 0, error);
        Assert.Contains("⚑ multiplication_3digit: emergent under exact_match, smooth under perplexity", output, StringComparison.Ordinal);
        Assert.Contains("exact_match,strict-match", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--x", "width")]
    [InlineData("--direction", "brier")]
    [InlineData("--chance", "arc_easy=2")]
    [InlineData("--extrapolate", "big")]
    [InlineData("--bootstrap", "-1")]
    public void Scaling_UsageMistakes_ExitTwo(string option, string value)
    {
        (int exit, _, string error) = Run([.. Pythia(), option, value]);
        Assert.Equal(2, exit);
        Assert.Contains(option, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Scaling_BadInput_ExitsOne_NamingTheFileAndField()
    {
        (int exit, _, string error) = Run([.. Pythia(), "--x", "compute"]);
        Assert.Equal(1, exit);
        Assert.Contains("models.csv: line 6, column compute: missing scale: model 'pythia-1.4b'", error, StringComparison.Ordinal);

        (exit, _, error) = Run([.. Pythia(), "--metric", "f1"]);
        Assert.Equal(1, exit);
        Assert.Contains("unknown metric 'f1'", error, StringComparison.Ordinal);

        string a = _files.Write("a.json", """{"results": {"t": {"brier": 0.3}}}""");
        _files.Write("b.json", """{"results": {"t": {"brier": 0.2}}}""");
        string manifest = _files.Write("models.csv", "file,params\na.json,1e8\nb.json,1e9\n");
        (exit, _, error) = Run("scaling", "--manifest", manifest);
        Assert.Equal(1, exit);
        Assert.Contains($"{a}: results.t.\"brier\": unknown metric 'brier'", error, StringComparison.Ordinal);
        (exit, string output, error) = Run("scaling", "--manifest", manifest, "--direction", "brier=lower");
        Assert.True(exit == 0, error);
        Assert.Contains("insufficient", output, StringComparison.Ordinal);

        (exit, _, error) = Run("scaling");
        Assert.Equal(2, exit);
        Assert.Contains("No inputs", error, StringComparison.Ordinal);
    }

    /// <summary>A small L(N, D) grid with column names that hold spaces.</summary>
    private string LawCsv()
    {
        var text = new StringBuilder("Model Size,Training Tokens,Training FLOP,final loss\n");
        foreach (double n in new[] { 1e8, 4e8, 1.6e9, 6.4e9 })
        {
            foreach (double d in new[] { 2e9, 8e9, 3.2e10, 1.28e11 })
            {
                double loss = 1.7 + (400 / Math.Pow(n, 0.34)) + (400 / Math.Pow(d, 0.28));
                text.Append(string.Create(CultureInfo.InvariantCulture, $"{n},{d},{6 * n * d},{loss}\n"));
            }
        }

        return _files.Write("runs.csv", text.ToString());
    }

    [Fact]
    public void FitLaw_ReadsColumnsWithSpaces_AndWritesParametersIntervalsAndTheComputeOptimalAllocation()
    {
        string csv = LawCsv(), json = _files.Write("law.json", string.Empty);
        (int exit, string output, string error) = Run("fit-law", csv, "--params", "Model Size", "--compute", "Training FLOP", "--loss", "final loss", "--drop-highest", "1", "--bootstrap", "20", "--budget", "1e22", "--json", json);
        Assert.True(exit == 0, error);
        Assert.Contains("15 runs (1 highest-loss dropped)", output, StringComparison.Ordinal);
        Assert.Contains("Compute-optimal allocation", output, StringComparison.Ordinal);
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement root = document.RootElement;
        Assert.Equal("lossengine.fit-law/1", root.GetProperty("schema").GetString());
        Assert.Equal(["E", "A", "B", "alpha", "beta"], root.GetProperty("parameters").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["E", "A", "B", "alpha", "beta"], root.GetProperty("ci").EnumerateObject().Select(p => p.Name));
        Assert.Equal(1.7, root.GetProperty("parameters").GetProperty("E").GetDouble(), 0.01);
        JsonElement optimal = root.GetProperty("compute_optimal");
        Assert.Equal(["G", "a", "b"], optimal.GetProperty("parameters").EnumerateObject().Select(p => p.Name));
        JsonElement budget = Assert.Single(optimal.GetProperty("budgets").EnumerateArray());
        Assert.Equal(1e22, budget.GetProperty("compute").GetDouble());
        Assert.True(budget.TryGetProperty("params", out _) && budget.TryGetProperty("tokens", out _) && budget.GetProperty("ci").TryGetProperty("params", out _));

        // The tokens column gives the same runs as the compute column.
        (exit, _, error) = Run("fit-law", csv, "--params", "Model Size", "--tokens", "Training Tokens", "--loss", "final loss", "--bootstrap", "0");
        Assert.True(exit == 0, error);
    }

    [Fact]
    public void FitLaw_UsageMistakes_ExitTwo_AndBadInput_ExitsOne()
    {
        string csv = LawCsv();
        Assert.Equal(2, Run("fit-law", csv, "--params", "Model Size", "--loss", "final loss").Exit);
        Assert.Equal(2, Run("fit-law", csv, "--params", "Model Size", "--tokens", "Training Tokens", "--compute", "Training FLOP", "--loss", "final loss").Exit);
        Assert.Equal(2, Run("fit-law", csv, "--params", "Model Size", "--tokens", "Training Tokens").Exit);
        Assert.Equal(2, Run("fit-law", csv, "--params", "Model Size", "--tokens", "Training Tokens", "--loss", "final loss", "--drop-highest", "12").Exit);
        (int exit, _, string error) = Run("fit-law", csv, "--params", "Size", "--tokens", "Training Tokens", "--loss", "final loss");
        Assert.Equal(1, exit);
        Assert.Contains("runs.csv: header: no column 'Size'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ScalingDemo_RecoversEveryPlantedShape_AndFlagsTheMirage()
    {
        (int exit, string output, string error) = Run("demo", "--scaling", "--out", _files.Folder);
        Assert.True(exit == 0, error);
        Assert.Contains($"recovered {LossEngine.Synthetic.ScalingDemoFamily.Planted.Count} of {LossEngine.Synthetic.ScalingDemoFamily.Planted.Count} planted shapes", output, StringComparison.Ordinal);
        Assert.DoesNotContain("MISSED", output, StringComparison.Ordinal);
        Assert.Contains("⚑ arithmetic: emergent under exact_match, smooth under", output, StringComparison.Ordinal);

        // The files it names are there and read back: the analysis again from its manifest, and its JSON.
        string manifest = Path.Combine(_files.Folder, "models.csv");
        Assert.Equal(LossEngine.Synthetic.ScalingDemoFamily.Parameters.Count, File.ReadAllLines(manifest).Length - 1);
        using JsonDocument scaling = JsonDocument.Parse(File.ReadAllText(Path.Combine(_files.Folder, "scaling.json")));
        Assert.Equal("lossengine.scaling/1", scaling.RootElement.GetProperty("schema").GetString());
        JsonElement arithmetic = scaling.RootElement.GetProperty("series").EnumerateArray()
            .Single(s => s.GetProperty("task").GetString() == "arithmetic" && s.GetProperty("metric").GetString() == "exact_match");
        Assert.Equal("emergent", arithmetic.GetProperty("class").GetString());

        // The page and the plots beside the reports, with the flagged task's mirage pair among them.
        string html = Path.Combine(_files.Folder, "scaling.html"), plots = Path.Combine(_files.Folder, "scaling-plots");
        Assert.Contains(html, output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(plots, "mirage-arithmetic.svg")));
        Assert.True(File.Exists(Path.Combine(plots, "scaling-small-multiples.png")));
        string page = File.ReadAllText(html);
        Assert.Contains("data-plot=\"mirage-arithmetic\"", page, StringComparison.Ordinal);
        Assert.True(LossEngine.Tests.Reports.PictureChecks.NumbersMatchJson(page, File.ReadAllText(Path.Combine(_files.Folder, "scaling.json"))) > 0);
        (int again, string rerun, string rerunError) = Run("scaling", "--manifest", manifest, "--metric", "loss", "--bootstrap", "0");
        Assert.True(again == 0, rerunError);
        Assert.Contains("spatial reasoning", rerun, StringComparison.Ordinal);
    }
}
