using LossEngine.Aggregation;
using LossEngine.Formats;
using LossEngine.Pipeline;
using LossEngine.Reports.Plots;
using LossEngine.Tests.Cli;
using LossEngine.Tests.Formats;

namespace LossEngine.Tests.Reports;

/// <summary>The score report's plots and HTML page, and the library data they draw: calibration bins and token-loss
/// histograms.</summary>
public sealed class ScorePicturesTests : IDisposable
{
    private static readonly string[] TaskNames = ["grammar", "arithmetic", "translation"];

    private readonly DumpBuilder _files = new();

    public void Dispose() => _files.Dispose();

    private string Dump(int rows = 96, int vocab = 50, int seed = 3)
    {
        (float[] logits, long[] labels, int[] tasks, long[] examples) = DumpBuilder.Random(rows, vocab, TaskNames.Length, seed);
        labels[7] = -100;
        return _files.WriteSafetensors("dump.safetensors", logits, labels, tasks, examples, vocab, taskNames: TaskNames);
    }

    [Fact]
    public void CalibrationBins_AddUpToTheTokens_AndGiveTheReportedEce()
    {
        using EvalDump dump = EvalDump.OpenSafetensors(Dump());
        AggregateReport report = DumpScorer.Score([dump], cancellationToken: TestContext.Current.CancellationToken).Report();
        foreach (TaskMetrics task in report.Tasks.Append(report.Overall))
        {
            Assert.Equal(15, task.Calibration.Count);
            Assert.Equal(task.Tokens, task.Calibration.Sum(b => b.Tokens));
            Assert.Equal((long)Math.Round(task.Accuracy * task.Tokens), task.Calibration.Sum(b => b.Correct));
            double ece = task.Calibration.Where(b => b.Tokens > 0).Sum(b => b.Tokens * Math.Abs(b.Accuracy - b.MeanConfidence)) / task.Tokens;
            Assert.Equal(task.ExpectedCalibrationError, ece, 1e-12);
            Assert.All(task.Calibration.Where(b => b.Tokens > 0), b => Assert.InRange(b.MeanConfidence, b.Low, b.High));
        }
    }

    [Fact]
    public void TokenLossHistogram_CountsEveryScoredTokenOfEachTask_InItsBin()
    {
        using EvalDump dump = EvalDump.OpenSafetensors(Dump());
        var histogram = new TokenLossHistogram(TaskNames.Length);
        var losses = new List<(int Task, float Loss)>();
        AggregateReport report = DumpScorer.Score([dump], null, null, histogram.Observe([dump], (first, rows) =>
        {
            for (int i = 0; i < rows.Length; i++)
            {
                if (!rows[i].IsIgnored)
                {
                    losses.Add(((int)dump.TaskId(first + i), rows[i].Loss));
                }
            }
        }), TestContext.Current.CancellationToken).Report();
        for (int id = 0; id < TaskNames.Length; id++)
        {
            TaskMetrics task = report.Tasks.Single(t => t.Task == TaskNames[id]);
            Assert.Equal(task.Tokens, histogram.Counts(id).Sum());
            for (int bin = 0; bin < TokenLossHistogram.Bins; bin++)
            {
                Assert.Equal(losses.Count(l => l.Task == id && TokenLossHistogram.BinOf(l.Loss) == bin), histogram.Counts(id)[bin]);
            }
        }

        Assert.Equal(0, TokenLossHistogram.BinOf(0.1));
        Assert.Equal(1, TokenLossHistogram.BinOf(0.25));
        Assert.Equal(TokenLossHistogram.Bins - 1, TokenLossHistogram.BinOf(1e6));
        Assert.Throws<ArgumentOutOfRangeException>(() => histogram.Add(TaskNames.Length, default));
    }

    [Fact]
    public void ScorePlots_ParseAsSvg_WithOneSeriesPerTask_AndRenderAsPng()
    {
        using EvalDump dump = EvalDump.OpenSafetensors(Dump());
        var histogram = new TokenLossHistogram(TaskNames.Length);
        LossAggregator aggregator = DumpScorer.Score([dump], null, null, histogram.Observe([dump]), TestContext.Current.CancellationToken);
        AggregateReport report = aggregator.Report();
        IReadOnlyList<Figure> figures = ScorePlots.All(report, histogram, aggregator.Options.TaskNames);
        Assert.Equal(["score-loss-histogram", "score-reliability", "score-decomposition"], figures.Select(f => f.Name));
        foreach (Figure figure in figures)
        {
            PictureChecks.SeriesPerTask(figure, TaskNames);
            PictureChecks.NotBlank(figure.ToPng(), figure.Width, figure.Height);
        }
    }

    [Fact]
    public void Text_IsSetInTheEmbeddedFont_WhateverFontIsAskedFor()
    {
        using EvalDump dump = EvalDump.OpenSafetensors(Dump());
        Figure figure = ScorePlots.Reliability(DumpScorer.Score([dump], cancellationToken: TestContext.Current.CancellationToken).Report());
        Assert.Equal("DejaVu Sans", ScottPlot.Fonts.GetTypeface("No Such Font Family", bold: true, italic: false).FamilyName);
        // Titles and tick labels reach the SVG as text in that font, not as nothing.
        System.Xml.Linq.XDocument svg = System.Xml.Linq.XDocument.Parse(figure.ToSvg());
        var texts = svg.Descendants().Where(e => e.Name.LocalName == "text").ToList();
        Assert.Contains(texts, t => t.Value.Trim() == "Reliability");
        Assert.All(texts, t => Assert.Equal("DejaVu Sans", (string?)t.Attribute("font-family")));
    }

    [Fact]
    public void ScoreCommand_WritesPlotsAndHtml_WhoseNumbersAreTheJsonReportsNumbers()
    {
        string dump = Dump(rows: 120);
        string plots = _files.PathOf("plots"), html = _files.PathOf("report.html"), json = _files.PathOf("report.json");
        (int exit, _, string error) = CliRunner.Run("score", dump, "--json", json, "--html", html, "--plots", plots, "--threads", "2");
        Assert.True(exit == 0, error);
        foreach (string name in new[] { "score-loss-histogram", "score-reliability", "score-decomposition" })
        {
            Assert.True(File.Exists(Path.Combine(plots, name + ".png")), name);
            System.Xml.Linq.XDocument.Load(Path.Combine(plots, name + ".svg"));
        }

        string page = File.ReadAllText(html);
        PictureChecks.SelfContained(page);
        int cells = PictureChecks.NumbersMatchJson(page, File.ReadAllText(json));
        Assert.True(cells >= (TaskNames.Length + 1) * 15, $"{cells} number cells");
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Count(page, "<figure class=\"plot\""));
        foreach (string task in TaskNames)
        {
            Assert.Contains($"<td class=\"text\">{task}</td>", page, StringComparison.Ordinal);
        }

        Assert.Empty(Directory.GetFileSystemEntries(_files.Folder, ".*partial"));
    }

    [Fact]
    public void EveryTargetIgnored_StillGivesPlotsAndAPage_WithNaNWhereTheJsonHasNaN()
    {
        (float[] logits, long[] labels, int[] tasks, long[] examples) = DumpBuilder.Random(16, 20, 2, 5);
        string dump = _files.WriteSafetensors("ignored.safetensors", logits, [.. labels.Select(_ => -100L)], tasks, examples, 20, taskNames: ["a", "b"]);
        string html = _files.PathOf("empty.html"), json = _files.PathOf("empty.json");
        (int exit, _, string error) = CliRunner.Run("score", dump, "--json", json, "--html", html, "--plots", _files.PathOf("empty-plots"));
        Assert.True(exit == 0, error);
        Assert.Equal(6, Directory.GetFiles(_files.PathOf("empty-plots")).Length);
        string page = File.ReadAllText(html);
        Assert.Contains("data-value=\"NaN\" data-json=\"overall.loss\"", page, StringComparison.Ordinal);
        Assert.True(PictureChecks.NumbersMatchJson(page, File.ReadAllText(json)) > 0);
    }

    [Fact]
    public void PlotsIntoAFile_IsAUsageError_AndAFailedRunLeavesNoPictures()
    {
        string dump = Dump();
        string file = _files.PathOf("not-a-folder");
        File.WriteAllText(file, "x");
        (int exit, _, string error) = CliRunner.Run("score", dump, "--plots", file, "--html", _files.PathOf("a.html"));
        Assert.Equal(2, exit);
        Assert.Contains("--plots", error, StringComparison.Ordinal);
        Assert.Contains("not-a-folder", error, StringComparison.Ordinal);
        Assert.False(File.Exists(_files.PathOf("a.html")));

        File.WriteAllBytes(_files.PathOf("broken.safetensors"), [1, 2, 3]);
        (int bad, _, string badError) = CliRunner.Run("score", _files.PathOf("broken.safetensors"), "--plots", _files.PathOf("plots"), "--html", _files.PathOf("b.html"));
        Assert.Equal(1, bad);
        Assert.Contains("broken.safetensors", badError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_files.PathOf("plots")));
        Assert.False(File.Exists(_files.PathOf("b.html")));
        Assert.Empty(Directory.GetFileSystemEntries(_files.Folder, ".*partial"));
    }
}
