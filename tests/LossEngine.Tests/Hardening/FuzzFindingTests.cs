using LossEngine.Formats;
using LossEngine.Pipeline;
using LossEngine.Scaling;

namespace LossEngine.Tests.Hardening;

/// <summary>
/// Regression tests for findings of the fuzz targets (tests/LossEngine.Fuzz). Each finding's input is also kept in the
/// target's corpus under tests/fuzz, where FuzzCorpusTests replays it.
/// </summary>
public sealed class FuzzFindingTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lossengine-fuzz-findings-");

    public void Dispose() => _folder.Delete(recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_folder.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string CorpusFolder(string target) => Path.Combine(AppContext.BaseDirectory, "fuzz", target);

    private static string ReplaceFirst(string text, string old, string replacement)
    {
        int at = text.IndexOf(old, StringComparison.Ordinal);
        Assert.True(at >= 0, $"the seed file no longer holds {old}");
        return string.Concat(text.AsSpan(0, at), replacement, text.AsSpan(at + old.Length));
    }

    /// <summary>Reads one JSON input of the scaling analysis as a model listed in a manifest beside it.</summary>
    private ScalingInputException ReadScalingJson(string json)
    {
        string input = Write("model.json", json);
        ModelManifest manifest = ModelManifest.Parse("file,params\nmodel.json,160M\n", Path.Combine(_folder.FullName, "models.csv"));
        return Assert.Throws<ScalingInputException>(() => ScalingInputs.Read([input], manifest, new ScalingReadOptions()));
    }

    /// <summary>JSON may escape a lone surrogate; System.Text.Json parses it but throws InvalidOperationException when
    /// asked for the string. Each reader that names things by JSON strings must refuse it with its format error.</summary>
    [Theory]
    [InlineData("{\"results\": {\"a\\udc00\": {\"acc\": 0.5}}}", "results")]
    [InlineData("{\"schema\": \"lossengine.score/1\", \"tasks\": [{\"task\": \"\\ud800x\", \"loss\": 1}]}", "tasks[0].task")]
    [InlineData("{\"schema\": \"\\ud800\"}", "schema")]
    public void LoneSurrogate_InAScalingJsonInput_IsAScalingInputError(string json, string field)
    {
        ScalingInputException error = ReadScalingJson(json);

        Assert.Equal(field, error.Field);
        Assert.Contains("lone surrogate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoneSurrogate_InAJsonManifest_IsAScalingInputError()
    {
        string path = Write("models.json", "{\"models\": [{\"file\": \"\\ud800\", \"params\": 1}]}");

        ScalingInputException error = Assert.Throws<ScalingInputException>(() => ModelManifest.Read(path));

        Assert.Equal("models[0].file", error.Field);
    }

    [Fact]
    public void LoneSurrogate_InAReportSchema_IsADumpFormatError_NamingTheFile()
    {
        string path = Write("report.json", "{\"schema\": \"\\ud800\"}");

        DumpFormatException error = Assert.Throws<DumpFormatException>(() => ShardReports.SchemaOf(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoneSurrogate_InAComparisonReportSchema_IsADumpFormatError_NamingTheFile()
    {
        string path = Write("comparison.json", "{\"schema\": \"\\ud800\", \"state\": {}}");

        DumpFormatException error = Assert.Throws<DumpFormatException>(() => ShardReports.AppendComparisons([path]));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    /// <summary>A JSON number past a double's range (1e400) parses as infinity; the readers refuse it, naming the
    /// field, rather than analyse an infinite accuracy.</summary>
    [Fact]
    public void JsonNumber_OutOfRange_IsAScalingInputError_NamingTheField()
    {
        ScalingInputException error = ReadScalingJson("{\"results\": {\"arc\": {\"acc\": 1e400, \"acc_stderr\": 0.01}}}");

        Assert.Equal("results.arc.acc", error.Field);
        Assert.Contains("1e400 is out of the range of a double", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CsvNumber_OutOfRange_IsAScalingInputError_AndASpelledInfinityIsAValue()
    {
        string overflow = Write("overflow.csv", "model,params,task,metric,value\nsmall,160M,arc,loss,2.5\nlarge,1.4B,arc,loss,1e400\n");
        string spelled = Write("spelled.csv", "model,params,task,metric,value\nsmall,160M,arc,loss,Infinity\nlarge,1.4B,arc,loss,2.5\n");

        ScalingInputException error = Assert.Throws<ScalingInputException>(() => ScalingInputs.Read([overflow], null, new ScalingReadOptions()));
        IReadOnlyList<ScalingSeries> series = ScalingInputs.Read([spelled], null, new ScalingReadOptions());

        Assert.Contains("column value", error.Field, StringComparison.Ordinal);
        Assert.Contains("1e400 is out of the range of a double", error.Message, StringComparison.Ordinal);
        Assert.Equal(double.PositiveInfinity, Assert.Single(series).Points[0].Y);
    }

    /// <summary>Found by afl-fuzz: JsonDocument unescapes a property name to compare it, and throws
    /// InvalidOperationException on an escaped lone surrogate there.</summary>
    [Fact]
    public void LoneSurrogate_InAPropertyName_IsADumpFormatError_NamingTheFile()
    {
        string comparison = Write("comparison.json", "{\"\\ud800\": 1, \"schema\": \"lossengine.compare/1\"}");
        string score = Write("score.json", "{\"\\ud800\": 1, \"schema\": \"lossengine.score/1\"}");

        DumpFormatException comparisonError = Assert.Throws<DumpFormatException>(() => ShardReports.AppendComparisons([comparison]));
        DumpFormatException scoreError = Assert.Throws<DumpFormatException>(() => ShardReports.AppendScores([score]));

        Assert.Contains(comparison, comparisonError.Message, StringComparison.Ordinal);
        Assert.Contains(score, scoreError.Message, StringComparison.Ordinal);
    }

    /// <summary>Found by the mutation pass over the comparison states: an exact sum's limb offset near int.MaxValue
    /// wrapped the bounds check (offset + count) and reached Array.Copy.</summary>
    [Fact]
    public void ExactSum_WithAnOffsetThatWouldWrap_IsADumpFormatError_NamingTheFile()
    {
        string valid = File.ReadAllText(Path.Combine(CorpusFolder("compare-report"), "valid-bare-state.json"));
        string path = Write("comparison.json", ReplaceFirst(valid, "{\"offset\":0,\"limbs\":[]}", "{\"offset\":2147483647,\"limbs\":[1]}"));

        DumpFormatException error = Assert.Throws<DumpFormatException>(() => ShardReports.AppendComparisons([path]));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("offset 2147483647", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Found by afl-fuzz: a state whose quantile sketch had another relative accuracy than the aggregator's
    /// own failed to merge with ArgumentException.</summary>
    [Fact]
    public void QuantileSketch_OfAnotherAccuracy_IsADumpFormatError_NamingTheFile()
    {
        string valid = File.ReadAllText(Path.Combine(CorpusFolder("compare-report"), "valid-bare-state-sketches.json"));
        string path = Write("comparison.json", ReplaceFirst(valid, "\"relative_accuracy\":0.005", "\"relative_accuracy\":0.01"));

        DumpFormatException error = Assert.Throws<DumpFormatException>(() => ShardReports.AppendComparisons([path]));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("relative accuracy is 0.01", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Found by afl-fuzz: a NUL in a manifest's file name reached Path.GetFullPath, which throws
    /// ArgumentException.</summary>
    [Theory]
    [InlineData("file,params\na.\0json,1.4B\n")]
    [InlineData("[{\"file\": \"a\\u0000.json\", \"params\": 1}]")]
    public void NulInAManifestFileName_IsAScalingInputError(string text)
    {
        string path = Write("models.txt", text);

        ScalingInputException error = Assert.Throws<ScalingInputException>(() => ModelManifest.Read(path));

        Assert.Contains("NUL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ScoreReportTask_ThatIsNotAnObject_IsAScalingInputError()
    {
        ScalingInputException error = ReadScalingJson("{\"schema\": \"lossengine.score/1\", \"tasks\": [1]}");

        Assert.Equal("tasks[0]", error.Field);
    }

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
