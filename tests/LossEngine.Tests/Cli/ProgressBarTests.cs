using LossEngine.Cli.Reports;
using LossEngine.Pipeline;

namespace LossEngine.Tests.Cli;

public sealed class ProgressBarTests
{
    [Fact]
    public void ProgressBar_DrawsThroughputAndEta_OnlyWhenEnabled()
    {
        var terminal = new StringWriter();
        var progress = new ProgressBar(terminal, enabled: true);
        progress.Report(new ScoringProgress(500_000_000, 1_000_000_000, 1000, 2000, TimeSpan.FromSeconds(1)));
        progress.Finish();
        string drawn = terminal.ToString();
        Assert.Contains("50.0", drawn, StringComparison.Ordinal);
        Assert.Contains("0.50 GB/s", drawn, StringComparison.Ordinal);
        Assert.Contains("1,000 tokens/s", drawn, StringComparison.Ordinal);
        Assert.Contains("ETA 1s", drawn, StringComparison.Ordinal);

        var redirected = new StringWriter();
        var quiet = new ProgressBar(redirected, enabled: false);
        quiet.Report(new ScoringProgress(1, 2, 3, 4, TimeSpan.FromSeconds(1)));
        quiet.Finish();
        Assert.Equal(string.Empty, redirected.ToString());
    }
}
