using System.Globalization;
using LossEngine.Reports.Plots;
using LossEngine.Scaling;
using LossEngine.Tests.Cli;
using LossEngine.Tests.Scaling;

namespace LossEngine.Tests.Reports;

/// <summary>The scaling plots (per series, the sheet, the decomposition, the mirage pairs), the fit-law contours, and
/// the scaling HTML page.</summary>
public sealed class ScalingPicturesTests : IDisposable
{
    private readonly Files _files = new();

    public void Dispose() => _files.Dispose();

    private static string[] Pythia() =>
        ["scaling", .. Directory.GetFiles(Files.Fixture("pythia-style"), "*.json").Order(StringComparer.Ordinal), "--manifest", Files.Fixture("pythia-style", "models.csv")];

    [Fact]
    public void ScalingCommand_DrawsEverySeries_TheSheet_AndTheDecomposition_AndItsHtmlNumbersAreTheJsonNumbers()
    {
        string plots = Path.Combine(_files.Folder, "plots"), html = Path.Combine(_files.Folder, "scaling.html"), json = Path.Combine(_files.Folder, "scaling.json");
        (int exit, _, string error) = CliRunner.Run([.. Pythia(), "--bootstrap", "40", "--threads", "2", "--extrapolate", "70B", "--json", json, "--html", html, "--plots", plots]);
        Assert.True(exit == 0, error);
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json));
        int series = document.RootElement.GetProperty("series").GetArrayLength();
        Assert.Equal(series, Directory.GetFiles(plots, "scaling-*.svg").Length - 2); // + the sheet and the decomposition
        foreach (string svg in Directory.GetFiles(plots, "*.svg"))
        {
            System.Xml.Linq.XDocument.Load(svg);
            Assert.True(File.Exists(Path.ChangeExtension(svg, ".png")), svg);
        }

        string page = File.ReadAllText(html);
        PictureChecks.SelfContained(page);
        Assert.True(PictureChecks.NumbersMatchJson(page, File.ReadAllText(json)) >= series * 8);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(page, "<figure class=\"plot\""));
    }

    [Fact]
    public void SheetAndDecomposition_HaveOneSeriesPerTask_AndEachSeriesPlotItsOwn()
    {
        IReadOnlyList<ScalingSeries> series = ScalingInputs.Read([.. Directory.GetFiles(Files.Fixture("pythia-style"), "*.json")],
            ModelManifest.Read(Files.Fixture("pythia-style", "models.csv")), new ScalingReadOptions());
        ScalingReport report = ScalingAnalysis.Run(series, new ScalingAnalysisOptions { Fit = new CurveFitOptions { Bootstrap = 30 } });
        string[] tasks = [.. report.Series.Select(s => s.Series.Task).Distinct()];

        Figure sheet = ScalingPlots.SmallMultiples(report);
        PictureChecks.SeriesPerTask(sheet, tasks);
        PictureChecks.NotBlank(sheet.ToPng(), sheet.Width, sheet.Height);
        // Grouped by class: the panels' classes never go back to an earlier one.
        int[] classes = [.. ScalingPlots.ByClass(report).Select(s => (int)s.Classification.Class)];
        Assert.Equal(classes.Order(), classes);

        Figure decomposition = ScalingPlots.Decomposition(report)!;
        PictureChecks.SeriesPerTask(decomposition, report.Decomposition!.Tasks);

        IReadOnlyList<Figure> each = ScalingPlots.PerSeries(report);
        Assert.Equal(report.Series.Count, each.Count);
        Assert.Equal(each.Count, each.Select(f => f.Name).Distinct().Count());
        foreach ((Figure figure, SeriesAnalysis analysis) in each.Zip(report.Series))
        {
            PictureChecks.SeriesPerTask(figure, [analysis.Series.Task]);
            Assert.Contains(ScalingNames.Of(analysis.Classification.Class), figure.Title, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void MiragePair_ShowsTheFlaggedTasksTwoMetricsSideBySide()
    {
        // Exact match over 8 tokens jumps while p_next rises steadily: the classic mirage.
        double[] p = [0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60, 0.95];
        double[] x = LossEngine.Tests.Scaling.Synthetic.Scales(p.Length);
        ScalingSeries Make(string metric, Func<double, double> value) => new()
        {
            Task = "arithmetic",
            Metric = metric,
            Direction = MetricDirection.HigherIsBetter,
            Axis = ScaleAxis.Parameters,
            Points = [.. p.Select((v, i) => new ScalingPoint { Model = $"m{i}", X = x[i], Y = value(v), StandardError = 0.005, TokensPerExample = 8 })],
        };
        ScalingReport report = ScalingAnalysis.Run([Make("exact_match", v => Math.Pow(v, 8)), Make("p_next", v => v)], new ScalingAnalysisOptions { Fit = new CurveFitOptions { Bootstrap = 0 } });
        Assert.True(Assert.Single(report.Mirage).Flagged);

        Figure pair = Assert.Single(ScalingPlots.MiragePairs(report));
        Assert.Equal(2, pair.Width / 560);
        System.Xml.Linq.XDocument svg = PictureChecks.SeriesPerTask(pair, ["arithmetic"]);
        string text = string.Join("|", svg.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value));
        Assert.Contains("exact_match", text, StringComparison.Ordinal);
        Assert.Contains("p_next", text, StringComparison.Ordinal);
        Assert.Contains("emergent", text, StringComparison.Ordinal);
        PictureChecks.NotBlank(pair.ToPng(), pair.Width, pair.Height);
    }

    [Fact]
    public void FitLaw_DrawsIsoLossContours_WithTheRunsAndTheComputeOptimalFrontier()
    {
        // Runs from a known law on a grid of N and D, so the fit is well determined.
        var lines = new List<string> { "N,D,loss" };
        foreach (double n in new[] { 1e7, 3e7, 1e8, 3e8, 1e9 })
        {
            foreach (double d in new[] { 1e9, 3e9, 1e10, 3e10 })
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{n},{d},{1.7 + (400 / Math.Pow(n, 0.34)) + (410 / Math.Pow(d, 0.28))}"));
            }
        }

        string csv = _files.Write("runs.csv", string.Join("\n", lines));
        string plots = Path.Combine(_files.Folder, "law");
        (int exit, _, string error) = CliRunner.Run("fit-law", csv, "--params", "N", "--tokens", "D", "--loss", "loss", "--bootstrap", "0", "--threads", "2", "--plots", plots);
        Assert.True(exit == 0, error);
        var svg = System.Xml.Linq.XDocument.Load(Path.Combine(plots, "fit-law-iso-loss.svg"));
        Assert.True(File.Exists(Path.Combine(plots, "fit-law-iso-loss.png")));

        LawFit fit = LawFitter.Fit(LawData.ReadCsv(csv, "N", "D", null, "loss"), new LawFitOptions { Bootstrap = 0 });
        Figure figure = Assert.Single(LawPlots.All(fit, LawData.ReadCsv(csv, "N", "D", null, "loss")));
        PictureChecks.SeriesPerTask(figure, ["runs", "compute-optimal"]);
        // Contour lines: many grey paths in the data area besides the two series.
        Assert.True(svg.Descendants().Count(e => e.Name.LocalName == "path" && ((string?)e.Attribute("stroke")) is "gray" or "#808080") >= 5);
    }
}
