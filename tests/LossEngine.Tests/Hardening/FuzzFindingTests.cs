using LossEngine.Scaling;

namespace LossEngine.Tests.Hardening;

/// <summary>
/// Regression tests for findings of the fuzz targets (tests/LossEngine.Fuzz). Each finding's input is also kept in the
/// target's corpus under tests/fuzz, where FuzzCorpusTests replays it.
/// </summary>
public sealed class FuzzFindingTests
{
    /// <summary>A CSV field that is not blank followed by many quotes (which are then ordinary characters) once took time
    /// quadratic in the field's length: 400,000 characters ran for minutes. It must be read in linear time, with the
    /// quotes kept in the field.</summary>
    // The fixed reader takes milliseconds; the quadratic one took minutes, so the time limit is far from both.
    [Fact(Timeout = 30_000)]
    public async Task CsvField_FollowedByManyQuotes_IsReadInLinearTime()
    {
        string cell = new string('a', 200_000) + new string('"', 200_000);
        string text = $"model,params,task,metric,value\nsmall,160M,arc,acc,{cell}\n";

        CsvTable table = await Task.Run(() => CsvTable.Parse(text, "long.csv"), TestContext.Current.CancellationToken);

        CsvRecord record = Assert.Single(table.Records);
        Assert.Equal(cell, record[4]);
    }
}
