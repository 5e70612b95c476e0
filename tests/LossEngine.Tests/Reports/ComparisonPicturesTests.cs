using LossEngine.Aggregation;
using LossEngine.Pipeline;
using LossEngine.Reports.Plots;
using LossEngine.Tests.Cli;
using LossEngine.Tests.Formats;

namespace LossEngine.Tests.Reports;

/// <summary>The comparison's KL-distribution plot and HTML page.</summary>
public sealed class ComparisonPicturesTests : IDisposable
{
    private readonly DumpBuilder _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void CompareCommand_DrawsTheKlDistributionPerTask_AndItsHtmlNumbersAreTheJsonNumbers()
    {
        const int vocab = 64;
        string[] names = ["a", "b", "c"];
        (float[] logits, long[] labels, int[] tasks, long[] examples) = DumpBuilder.Random(96, vocab, names.Length, 11);
        string reference = _files.WriteSafetensors("ref.safetensors", logits, labels, tasks, examples, vocab, taskNames: names);
        string candidate = _files.WriteSafetensors("cand.safetensors", [.. logits.Select((v, i) => v + (0.3f * MathF.Sin(i)))], labels, tasks, examples, vocab, taskNames: names);
        string plots = _files.PathOf("plots"), html = _files.PathOf("compare.html"), json = _files.PathOf("compare.json");
        (int exit, _, string error) = CliRunner.Run("compare", reference, candidate, "--json", json, "--html", html, "--plots", plots, "--threads", "2");
        Assert.True(exit == 0, error);
        System.Xml.Linq.XDocument.Load(Path.Combine(plots, "compare-kl-distribution.svg"));
        Assert.True(File.Exists(Path.Combine(plots, "compare-kl-distribution.png")));

        string page = File.ReadAllText(html);
        PictureChecks.SelfContained(page);
        Assert.True(PictureChecks.NumbersMatchJson(page, File.ReadAllText(json)) >= (names.Length + 1) * 20);

        ComparisonReport report = ModelComparer.Compare([reference], [candidate], new ComparisonOptions(), null, TestContext.Current.CancellationToken).Report();
        Figure figure = Assert.Single(ComparisonPlots.All(report));
        PictureChecks.SeriesPerTask(figure, names);
        PictureChecks.NotBlank(figure.ToPng(), figure.Width, figure.Height);
    }
}
