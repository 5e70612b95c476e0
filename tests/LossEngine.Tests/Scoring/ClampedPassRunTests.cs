using LossEngine.Scoring;

namespace LossEngine.Tests.Scoring;

/// <summary>The batch actions' choice of starting pass: a block starts unclamped, and a row that needed the clamped
/// retry makes the next rows of its block start clamped.</summary>
public sealed class ClampedPassRunTests
{
    [Fact]
    public void ARetry_StartsTheNextRowsClamped_UntilTheRunIsUsedUp()
    {
        var run = default(ClampedPassRun);
        Assert.False(run.NextRowStartsClamped());
        run.Record(neededClampedRetry: false);
        Assert.False(run.NextRowStartsClamped());

        run.Record(neededClampedRetry: true);
        for (int row = 0; row < ClampedPassRun.RowsAfterRetry; row++)
        {
            Assert.True(run.NextRowStartsClamped(), $"row {row} after the retry");
            run.Record(neededClampedRetry: false);
        }

        Assert.False(run.NextRowStartsClamped());
    }

    [Fact]
    public void ARetryAfterTheRun_StartsAnotherRun()
    {
        var run = default(ClampedPassRun);
        run.Record(neededClampedRetry: true);
        for (int row = 0; row < ClampedPassRun.RowsAfterRetry; row++)
        {
            run.NextRowStartsClamped();
        }

        Assert.False(run.NextRowStartsClamped());
        run.Record(neededClampedRetry: true);
        Assert.True(run.NextRowStartsClamped());
    }
}
