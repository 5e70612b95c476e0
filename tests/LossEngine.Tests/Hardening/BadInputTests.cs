using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using LossEngine.Aggregation;
using LossEngine.Cli;
using LossEngine.Formats;
using LossEngine.Pipeline;
using LossEngine.Tests.Cli;
using LossEngine.Tests.Formats;

namespace LossEngine.Tests.Hardening;

/// <summary>
/// Inputs that once gave a stack trace, an abort or a silent wrong number: each must end in a clear error naming the
/// file, tensor or field (exit 1, or 2 for a usage mistake), or in the right number. Each case is the exact input,
/// written by the test.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private const int Vocabulary = 50;
    private readonly DumpBuilder _files = new();

    public void Dispose() => _files.Dispose();

    private static (int Exit, string Output, string Error) Run(params string[] args) => CliRunner.Run(args);

    /// <summary>A safetensors file from a raw header (padded to 8 bytes) and zeroed data.</summary>
    private string RawSafetensors(string name, byte[] header, long dataBytes)
    {
        int padded = (header.Length + 7) / 8 * 8;
        byte[] file = new byte[8 + padded + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)padded);
        header.CopyTo(file, 8);
        file.AsSpan(8 + header.Length, padded - header.Length).Fill((byte)' ');
        string path = _files.PathOf(name);
        File.WriteAllBytes(path, file);
        return path;
    }

    private string Dump(string name, int rows = 16, string[]? names = null, Action<float[], long[], int[], long[]>? edit = null)
    {
        (float[] logits, long[] labels, int[] tasks, long[] examples) = DumpBuilder.Random(rows, Vocabulary, 2, 3);
        edit?.Invoke(logits, labels, tasks, examples);
        return _files.WriteSafetensors(name, logits, labels, tasks, examples, Vocabulary, taskNames: names ?? ["a", "b"]);
    }

    [Fact]
    public void InvalidUtf8_InATensorNameOrTheMetadata_IsAFormatError()
    {
        byte[] badName = [.. "{\"lo\u00e9"u8.ToArray()[..3], 0xC3, 0x28, .. "\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"u8.ToArray()];
        byte[] badMetadata = [.. "{\"__metadata__\":{\"task_names\":\"x"u8.ToArray(), 0xFF, .. "\"},\"logits\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[0,4]}}"u8.ToArray()];
        foreach ((string name, byte[] header) in new[] { ("name.safetensors", badName), ("metadata.safetensors", badMetadata) })
        {
            string path = RawSafetensors(name, header, 4);
            var error = Assert.Throws<DumpFormatException>(() => EvalDump.OpenSafetensors(path).Dispose());
            Assert.Contains(name, error.Message, StringComparison.Ordinal);
            (int exit, _, string stderr) = Run("score", path);
            Assert.Equal(1, exit);
            Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DuplicateTensorNames_AreNamed()
    {
        string path = RawSafetensors("twice.safetensors", "{\"logits\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"logits\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}"u8.ToArray(), 8);
        var error = Assert.Throws<DumpFormatException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Contains("twice.safetensors: tensor 'logits' appears twice", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2147483649L, "V = 2147483649")]
    [InlineData(0L, "V = 0")]
    public void AVocabularyOutOfRange_IsAFormatError(long vocabulary, string expected)
    {
        long rows = vocabulary == 0 ? 4 : 0;
        string header = $"{{\"logits\":{{\"dtype\":\"F32\",\"shape\":[{rows},{vocabulary}],\"data_offsets\":[0,0]}},\"labels\":{{\"dtype\":\"I64\",\"shape\":[{rows}],\"data_offsets\":[0,{rows * 8}]}}}}";
        string path = RawSafetensors("v.safetensors", Encoding.ASCII.GetBytes(header), rows * 8);
        var error = Assert.Throws<DumpFormatException>(() => EvalDump.OpenSafetensors(path).Dispose());
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(1, Run("compare", path, path).Exit);
    }

    [Fact]
    public void NullTaskNames_InTheMetadataOrATaskNamesFile_AreErrorsBeforeAnyOutput()
    {
        string dump = Dump("dump.safetensors");
        string names = _files.PathOf("names.json");
        File.WriteAllText(names, "[\"a\", null]");
        (int exit, string output, string error) = Run("score", dump, "--task-names", names);
        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Contains("task name 1 is null", error, StringComparison.Ordinal);

        string header = "{\"__metadata__\":{\"task_names\":\"[null]\"},\"logits\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[0,8]},\"labels\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[8,16]}}";
        string path = RawSafetensors("null-name.safetensors", Encoding.ASCII.GetBytes(header), 16);
        Assert.Contains("no null", Assert.Throws<DumpFormatException>(() => EvalDump.OpenSafetensors(path).Dispose()).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new LossAggregator(new AggregatorOptions { TaskNames = ["a", null!] }));
    }

    [Theory]
    [InlineData("(4611686018427387904, 4)", "more than")]
    [InlineData("(99999999999999999999, 2)", "not a whole number")]
    [InlineData("(-3, 2)", "not a whole number")]
    public void NpyShapesThatOverflow_AreFormatErrors(string shape, string expected)
    {
        string path = _files.PathOf("shape.npy");
        WriteNpy(path, "<f4", shape, []);
        var error = Assert.Throws<DumpFormatException>(() => NpyFile.Open(path).Dispose());
        Assert.Contains("shape.npy", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NpyShapesWithPython2Longs_AreRead()
    {
        string path = _files.PathOf("longs.npy");
        WriteNpy(path, "<f4", "(2L, 3L)", new byte[24]);
        using NpyFile file = NpyFile.Open(path);
        Assert.Equal([2L, 3L], file.Tensor.Shape);
    }

    private static void WriteNpy(string path, string descr, string shape, byte[] data)
    {
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        string header = dict.PadRight(((10 + dict.Length + 1 + 63) / 64 * 64) - 10 - 1) + "\n";
        byte[] preamble = [0x93, .. "NUMPY"u8.ToArray(), 1, 0, (byte)header.Length, (byte)(header.Length >> 8)];
        File.WriteAllBytes(path, [.. preamble, .. Encoding.Latin1.GetBytes(header), .. data]);
    }

    [Fact]
    public void HugeHeaderLengths_AreRefusedWithTheFileNamed()
    {
        // safetensors: a header length past the 100 MB limit, in a sparse file long enough to hold it.
        string big = _files.PathOf("big-header.safetensors");
        using (FileStream stream = File.Create(big))
        {
            byte[] length = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, 100_000_008);
            stream.Write(length);
            stream.Write("{"u8);
            stream.SetLength(100_000_100);
        }

        Assert.Contains("big-header.safetensors: the header length 100000008 at offset 0 is over the safetensors limit", Assert.Throws<DumpFormatException>(() => SafetensorsFile.Open(big).Dispose()).Message, StringComparison.Ordinal);

        // npy version 2: a 4-byte header length of 2^31 + 2 must not wrap to a negative or tiny length.
        string npy = _files.PathOf("v2.npy");
        File.WriteAllBytes(npy, [0x93, .. "NUMPY"u8.ToArray(), 2, 0, 2, 0, 0, 0x80, .. "{'descr': '<f4'}"u8.ToArray()]);
        var error = Assert.Throws<DumpFormatException>(() => NpyFile.Open(npy).Dispose());
        Assert.Contains("v2.npy: the header length 2147483650", error.Message, StringComparison.Ordinal);
    }

    /// <summary>numpy.load's own limit: a header of over 10,000 bytes is refused before its fields are looked for. A
    /// header just under the limit that opens a shape tuple and never closes it is refused for its missing field.</summary>
    [Fact(Timeout = 30_000)]
    public async Task NpyHeaders_OverNumPysLimit_AreRefused_AndOnesUnderItAreReadInLittleTime()
    {
        static byte[] Version2(string header) =>
            [0x93, .. "NUMPY"u8.ToArray(), 2, 0, .. BitConverter.GetBytes(header.Length), .. Encoding.Latin1.GetBytes(header)];

        string big = _files.PathOf("big.npy");
        File.WriteAllBytes(big, Version2(new string(' ', NpyFile.MaxHeaderBytes + 1)));
        string open = _files.PathOf("open.npy");
        File.WriteAllBytes(open, Version2("{" + string.Concat(Enumerable.Repeat("'shape': (1", NpyFile.MaxHeaderBytes / 12))));

        var tooBig = Assert.Throws<DumpFormatException>(() => NpyFile.Open(big).Dispose());
        var unclosed = await Task.Run(() => Assert.Throws<DumpFormatException>(() => NpyFile.Open(open).Dispose()), TestContext.Current.CancellationToken);

        Assert.Contains($"big.npy: the header length {NpyFile.MaxHeaderBytes + 1} at offset 8 is over the {NpyFile.MaxHeaderBytes}-byte limit", tooBig.Message, StringComparison.Ordinal);
        Assert.Contains("open.npy: the .npy header has no 'descr'", unclosed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TamperedStates_AreFormatErrorsNamingTheField()
    {
        string dump = Dump("dump.safetensors");
        string state = DumpScorer.Score([dump], cancellationToken: TestContext.Current.CancellationToken).ToJson();
        string Edit(Action<JsonObject> edit)
        {
            var node = JsonNode.Parse(state)!.AsObject();
            edit(node);
            return node.ToJsonString();
        }

        JsonObject Task0(JsonObject n) => n["tasks"]![0]!.AsObject();
        (string Name, string Json, string Expected)[] cases =
        [
            ("negative tokens", Edit(n => Task0(n)["tokens"] = -1), "tokens is -1"),
            ("bin counts", Edit(n => Task0(n)["bin_count"] = new JsonArray(1, 2)), "calibration bins"),
            ("null task", Edit(n => n["tasks"]![0] = null), "has no state"),
            ("null worst list", Edit(n => Task0(n)["worst_examples"] = null), "worst-example"),
            ("bad open example", Edit(n => n["open_examples"]![0]!["task"] = 7), "outside [0, 2)"),
            ("no version", Edit(n => n.Remove("version")), "no \"version\""),
            ("other schema", Edit(n => n["schema"] = "lossengine.compare-state/1"), "schema"),
            ("more correct than tokens", Edit(n => Task0(n)["correct"] = 1000), "larger than its whole"),
        ];
        foreach ((string name, string json, string expected) in cases)
        {
            var error = Assert.Throws<FormatException>(() => LossAggregator.FromJson(json));
            Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), $"{name}: {error.Message}");
        }

        string file = _files.PathOf("tampered.json");
        File.WriteAllText(file, cases[0].Json);
        (int exit, _, string stderr) = Run("merge", file);
        Assert.Equal(1, exit);
        Assert.Contains("tampered.json", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Merges_RefuseThemselves_OtherVocabularies_AndOverflowingCounts()
    {
        string dump = Dump("dump.safetensors");
        LossAggregator a = DumpScorer.Score([dump], cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains("itself", Assert.Throws<ArgumentException>(() => a.Merge(a)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => a.Append(a));

        (float[] logits, long[] labels, int[] tasks, long[] examples) = DumpBuilder.Random(16, 40, 2, 3);
        string other = _files.WriteSafetensors("v40.safetensors", logits, labels, tasks, examples, 40, taskNames: ["a", "b"]);
        LossAggregator b = DumpScorer.Score([other], cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains("V = 50 and V = 40", Assert.Throws<ArgumentException>(() => a.Merge(b)).Message, StringComparison.Ordinal);
        Assert.Throws<DumpFormatException>(() => DumpScorer.Score([dump, other], cancellationToken: TestContext.Current.CancellationToken));

        var huge = JsonNode.Parse(a.ToJson())!.AsObject();
        huge["tasks"]![0]!["examples"] = long.MaxValue - 1;
        huge["tasks"]![0]!["exact_matches"] = 0;
        LossAggregator first = LossAggregator.FromJson(huge.ToJsonString());
        LossAggregator second = LossAggregator.FromJson(huge.ToJsonString());
        string before = first.ToJson();
        Assert.Contains("overflow", Assert.Throws<ArgumentException>(() => first.Merge(second)).Message, StringComparison.Ordinal);
        Assert.Equal(before, first.ToJson());
    }

    [Fact]
    public void APositiveInfiniteLogit_LeavesEntropyAndCalibrationDefined()
    {
        string dump = Dump("inf.safetensors", edit: (logits, labels, _, _) => logits[(2 * Vocabulary) + 7] = float.PositiveInfinity);
        AggregateReport report = DumpScorer.Score([dump], cancellationToken: TestContext.Current.CancellationToken).Report();
        Assert.True(double.IsFinite(report.Overall.MeanEntropy), $"mean entropy {report.Overall.MeanEntropy}");
        Assert.True(double.IsFinite(report.Overall.ExpectedCalibrationError), $"ECE {report.Overall.ExpectedCalibrationError}");
        Assert.True(report.Tasks.All(t => double.IsFinite(t.MeanEntropy) && double.IsFinite(t.ExpectedCalibrationError)));
    }

    [Fact]
    public void TaskIdsWithoutNames_AreBounded_AndTheLimitCanBeRaised()
    {
        string dump = _files.WriteSafetensors("ids.safetensors", new float[4 * Vocabulary], [1, 2, 3, 4], [0, 0, 100_000, 0], [0, 1, 2, 3], Vocabulary);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        (int exit, _, string error) = Run("score", dump);
        Assert.Equal(1, exit);
        Assert.Contains("row 2: task id 100000 has no name", error, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the limit is checked before any task state is made");
        string small = _files.WriteSafetensors("small-ids.safetensors", new float[4 * Vocabulary], [1, 2, 3, 4], [0, 0, 2000, 0], [0, 1, 2, 3], Vocabulary);
        (exit, _, error) = Run("score", small, "--max-tasks", "2000");
        Assert.Equal(1, exit);
        Assert.Contains("task id 2000 has no name", error, StringComparison.Ordinal);
        (exit, _, error) = Run("score", small, "--max-tasks", "2001");
        Assert.True(exit == 0, error);
    }

    [Fact]
    public void ATaskIdPastInt32_IsBlamedOnItsOwnRow()
    {
        string dump = _files.WriteSafetensors("big-id.safetensors", new float[4 * Vocabulary], [1, 2, 3, 4], [0, 0, 0, 0], [0, 1, 2, 3], Vocabulary, taskNames: ["a"]);
        // Rewrite task ids as I64 with 2^33 at row 3.
        string path = _files.PathOf("i64-ids.safetensors");
        SafetensorsFile.Write(path,
        [
            ("logits", TensorDataType.Float32, [4, Vocabulary], new byte[4 * Vocabulary * 4]),
            ("labels", TensorDataType.Int64, [4], DumpBuilder.Bytes(new long[] { 1, 2, 3, 4 })),
            ("task_ids", TensorDataType.Int64, [4], DumpBuilder.Bytes(new long[] { 0, 0, 0, 1L << 33 })),
        ], new Dictionary<string, string> { ["task_names"] = "[\"a\"]" });
        (int exit, _, string error) = Run("score", path);
        Assert.Equal(1, exit);
        Assert.Contains("row 3: task id 8589934592", error, StringComparison.Ordinal);
        Assert.True(File.Exists(dump));
    }

    [Theory]
    [InlineData("--json")]
    [InlineData("--csv")]
    [InlineData("--markdown")]
    [InlineData("--tokens")]
    public void AnOutputThatIsAnInput_IsAUsageError_AndTheInputSurvives(string option)
    {
        string dump = Dump("dump.safetensors");
        byte[] before = File.ReadAllBytes(dump);
        (int exit, _, string error) = Run("score", dump, option, dump);
        Assert.Equal(2, exit);
        Assert.Contains("is also an input", error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(dump));
    }

    [Fact]
    public void TwoOutputsWithOnePath_AreAUsageError()
    {
        string dump = Dump("dump.safetensors");
        string report = _files.PathOf("report.txt");
        (int exit, _, string error) = Run("score", dump, "--json", report, "--csv", report);
        Assert.Equal(2, exit);
        Assert.Contains("--csv", error, StringComparison.Ordinal);
        Assert.False(File.Exists(report));
    }

    [Fact]
    public void AFailingOutput_LeavesNoOutputAtAll()
    {
        string dump = Dump("dump.safetensors");
        string json = _files.PathOf("report.json");
        string tokens = _files.PathOf("tokens.npy");
        (int exit, _, _) = Run("score", dump, "--json", json, "--tokens", tokens, "--csv", _files.PathOf("no-such-folder/r.csv"));
        Assert.Equal(1, exit);
        Assert.False(File.Exists(json));
        Assert.False(File.Exists(tokens));
        Assert.Empty(Directory.GetFiles(_files.Folder, "*.partial"));
    }

    [Fact]
    public void AnInterruptedRun_ExitsWith130_AndLeavesNoTemporaryFiles()
    {
        string dump = Dump("dump.safetensors");
        using var interrupt = new CancellationTokenSource();
        interrupt.Cancel();
        var error = new StringWriter();
        int exit = CliApplication.Run(["score", dump, "--tokens", _files.PathOf("tokens.npy"), "--json", _files.PathOf("r.json")], TextWriter.Null, error, cancellation: interrupt.Token);
        Assert.Equal(130, exit);
        Assert.Contains("interrupted", error.ToString(), StringComparison.Ordinal);
        Assert.Equal([dump], Directory.GetFiles(_files.Folder));
    }

    [Fact]
    public void ADumpPathAfterAMultiValueOption_IsAUsageErrorThatSaysSo()
    {
        string npy = _files.PathOf("t.npy");
        NpyFile.Write(npy, TensorDataType.Int64, [2], new byte[16]);
        string dump = Dump("dump.safetensors");
        (int exit, _, string error) = Run("score", "--logits", npy, "--targets", npy, dump);
        Assert.Equal(2, exit);
        Assert.Contains("dump.safetensors' was read as a --targets file", error, StringComparison.Ordinal);
    }

    [Fact]
    public void MarkdownAndCsv_EscapeTaskNames()
    {
        string dump = Dump("dump.safetensors", names: ["pipe|name", "line\nbreak, \"quoted\""]);
        Assert.Equal(0, Run("score", dump, "--markdown", _files.PathOf("r.md"), "--csv", _files.PathOf("r.csv")).Exit);
        string markdown = File.ReadAllText(_files.PathOf("r.md"));
        Assert.Contains("| pipe\\|name |", markdown, StringComparison.Ordinal);
        Assert.Contains("| line break, \"quoted\" |", markdown, StringComparison.Ordinal);
        Assert.Contains("\"line\nbreak, \"\"quoted\"\"\",", File.ReadAllText(_files.PathOf("r.csv")), StringComparison.Ordinal);
    }

    [Fact]
    public void AFileTruncatedWhileItIsScored_EndsInAnErrorNamingIt()
    {
        string dump = Dump("shrinking.safetensors", rows: 64);
        var options = new DumpScoringOptions { Scoring = new ScoringOptions { MaxDegreeOfParallelism = 1 }, BatchBytes = 8L * Vocabulary * sizeof(float) };
        bool truncated = false;
        using EvalDump opened = EvalDump.OpenSafetensors(dump);
        var error = Assert.Throws<DumpFormatException>(() => DumpScorer.Score([opened], options, null, (firstRow, _) =>
        {
            if (!truncated)
            {
                // Another process cuts the file after the first batch; the next batch must not touch the lost pages.
                using var stream = new FileStream(dump, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
                stream.SetLength(stream.Length / 2);
                truncated = true;
            }
        }, TestContext.Current.CancellationToken));
        Assert.True(truncated);
        Assert.Contains("shrinking.safetensors: the file shrank", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(float.MaxValue)]
    [InlineData(float.MinValue)]
    [InlineData(1e30f)]
    public void RowsOfOneHugeValue_HaveLossLnV_NotZero(float value)
    {
        const int vocabulary = 1000;
        float[] row = [.. Enumerable.Repeat(value, vocabulary)];
        float lnV = MathF.Log(vocabulary);
        Assert.Equal(lnV, Logits.CrossEntropy<float>(row, 3), 5);
        TokenStatistics statistics = Logits.Statistics<float>(row, 3);
        Assert.Equal(lnV, statistics.Loss, 5);
        Assert.Equal(1.0 / vocabulary, statistics.TargetProbability, 6);
        Assert.Equal(lnV, statistics.Entropy, 4);
        var probabilities = new float[vocabulary];
        Logits.Softmax<float>(row, probabilities);
        Assert.All(probabilities, p => Assert.Equal(1f / vocabulary, p, 6));
        ComparisonStatistics compared = Logits.Compare<float>(row, row, 3);
        Assert.Equal(lnV, compared.ReferenceLoss, 5);
        Assert.Equal(lnV, compared.CandidateLoss, 5);
        Assert.Equal(0, compared.KlDivergence, 6);

        // bf16's own extremes: float.MaxValue itself rounds to +∞ in bf16.
        BFloat16 brainValue = value == float.MaxValue ? BFloat16.MaxValue : value == float.MinValue ? BFloat16.MinValue : (BFloat16)value;
        BFloat16[] brainRow = [.. Enumerable.Repeat(brainValue, vocabulary)];
        Assert.Equal(lnV, Logits.CrossEntropy<BFloat16>(brainRow, 3), 5);

        var batch = new TokenStatistics[2];
        Logits.Statistics(new CommunityToolkit.HighPerformance.ReadOnlySpan2D<float>([.. row, .. row], 2, vocabulary), [3L, 4L], batch);
        Assert.All(batch, s => Assert.Equal(lnV, s.Loss, 5));
    }
}
