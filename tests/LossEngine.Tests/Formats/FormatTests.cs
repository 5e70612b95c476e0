using System.Buffers.Binary;
using System.Text;
using LossEngine.Formats;

namespace LossEngine.Tests.Formats;

public sealed class FormatTests : IDisposable
{
    private readonly DumpBuilder _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>A safetensors file written byte by byte from the format's description, to pin our reader and writer.</summary>
    /// <summary>A two-tensor safetensors file whose 122-byte JSON header is padded with spaces to
    /// <paramref name="padded"/> bytes: 184 puts the data at byte 192, on a 64-byte line, as our writer does; 128 is the
    /// reference implementation's padding to a multiple of 8.</summary>
    private static byte[] SafetensorsFixture(int padded = 184)
    {
        string header = "{\"logits\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},\"labels\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[16,32]}}";
        var bytes = new List<byte>();
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        bytes.AddRange(length);
        bytes.AddRange(Encoding.ASCII.GetBytes(header.PadRight(padded)));
        foreach (float v in new[] { 1f, 2f, 3f, -1f })
        {
            bytes.AddRange(BitConverter.GetBytes(v));
        }

        bytes.AddRange(BitConverter.GetBytes(1L));
        bytes.AddRange(BitConverter.GetBytes(0L));
        return [.. bytes];
    }

    [Fact]
    public void Safetensors_ByteExactFixture_ReadsAndMatchesOurWriter()
    {
        string fixture = _files.PathOf("fixture.safetensors");
        File.WriteAllBytes(fixture, SafetensorsFixture());
        using (SafetensorsFile file = SafetensorsFile.Open(fixture))
        {
            TensorView logits = file.Tensors["logits"];
            Assert.Equal(TensorDataType.Float32, logits.DataType);
            Assert.Equal([2L, 2L], logits.Shape);
            Assert.Equal(1L, file.Tensors["labels"].ReadInteger(0));
        }

        // The reference implementation's layout (header padded to a multiple of 8) reads the same.
        string referenceLayout = _files.PathOf("reference-layout.safetensors");
        File.WriteAllBytes(referenceLayout, SafetensorsFixture(padded: 128));
        using (SafetensorsFile file = SafetensorsFile.Open(referenceLayout))
        {
            Assert.Equal(1L, file.Tensors["labels"].ReadInteger(0));
            Assert.Equal(0L, file.Tensors["labels"].ReadInteger(1));
        }

        string written = _files.PathOf("written.safetensors");
        SafetensorsFile.Write(written,
        [
            ("logits", TensorDataType.Float32, [2, 2], DumpBuilder.Bytes(new[] { 1f, 2f, 3f, -1f })),
            ("labels", TensorDataType.Int64, [2], DumpBuilder.Bytes(new[] { 1L, 0L })),
        ]);
        Assert.Equal(SafetensorsFixture(), File.ReadAllBytes(written));

        using EvalDump dump = EvalDump.OpenSafetensors(fixture, new DumpOptions());
        Assert.Equal(2, dump.Rows);
        Assert.Equal(2, dump.Vocabulary);
        Assert.Equal(1, dump.Target(0));
        Assert.Equal(1, dump.ExampleId(1)); // [N, V] without example ids: each row is its own example
    }

    [Fact]
    public void ADumpReachedThroughASymbolicLink_ReadsAsItsTarget()
    {
        string fixture = _files.PathOf("target.safetensors");
        File.WriteAllBytes(fixture, SafetensorsFixture());
        string link = _files.PathOf("link.safetensors");
        File.CreateSymbolicLink(link, fixture);

        using EvalDump dump = EvalDump.OpenSafetensors(link, new DumpOptions());
        Assert.Equal(2, dump.Rows);
        Assert.Equal(1, dump.Target(0));
    }

    [Fact]
    public void Safetensors_StreamedWriter_MatchesTheFixture_AndChecksDeclaredLengths()
    {
        // The streamed form writes files larger than one array (benchmark dumps); it must write the same bytes.
        string streamed = _files.PathOf("streamed.safetensors");
        byte[] logits = DumpBuilder.Bytes(new[] { 1f, 2f, 3f, -1f });
        SafetensorsFile.Write(streamed,
        [
            new TensorData("logits", TensorDataType.Float32, [2, 2], 16L, stream => { stream.Write(logits, 0, 8); stream.Write(logits, 8, 8); }),
            new TensorData("labels", TensorDataType.Int64, [2], 16L, stream => stream.Write(DumpBuilder.Bytes(new[] { 1L, 0L }))),
        ]);
        Assert.Equal(SafetensorsFixture(), File.ReadAllBytes(streamed));

        var error = Assert.Throws<InvalidOperationException>(() => SafetensorsFile.Write(_files.PathOf("short.safetensors"),
        [
            new TensorData("logits", TensorDataType.Float32, [2, 2], 16L, stream => stream.Write(logits, 0, 12)),
        ]));
        Assert.Contains("'logits' declared 16 bytes but 12 were written", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(57)]
    [InlineData(300)]
    public void Safetensors_Writer_StartsTheDataOnA64ByteLine_WhateverTheHeaderLength(int metadataLength)
    {
        string path = _files.PathOf($"aligned-{metadataLength}.safetensors");
        var metadata = new Dictionary<string, string> { ["note"] = new string('x', metadataLength) };
        SafetensorsFile.Write(path,
        [
            ("logits", TensorDataType.BFloat16, [3, 5], DumpBuilder.Bytes(Enumerable.Range(1, 15).Select(v => (BFloat16)v).ToArray())),
            ("labels", TensorDataType.Int64, [3], DumpBuilder.Bytes(new[] { 4L, 0L, 2L })),
        ], metadata);

        byte[] bytes = File.ReadAllBytes(path);
        long dataStart = 8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, dataStart % 64);
        Assert.Equal(dataStart + 30 + 24, bytes.Length);
        using EvalDump dump = EvalDump.OpenSafetensors(path, new DumpOptions());
        Assert.Equal(4, dump.Target(0));
        Assert.Equal(2, dump.Target(2));
        Assert.Equal(2f, (float)dump.LogitView<BFloat16>(0, 1)[0, 1]);
    }

    [Fact]
    public void Npy_ByteExactFixture_ReadsAndMatchesOurWriter()
    {
        // Version 1.0: magic, version, 2-byte header length, dict padded with spaces and a newline to 64 bytes, data.
        string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        string header = dict.PadRight(128 - 10 - 1) + "\n";
        byte[] fixture = [0x93, .. "NUMPY"u8.ToArray(), 1, 0, (byte)header.Length, 0, .. Encoding.ASCII.GetBytes(header), .. DumpBuilder.Bytes(new[] { 0f, 1f, 2f, 3f, 4f, 5f })];
        string path = _files.PathOf("fixture.npy");
        File.WriteAllBytes(path, fixture);
        using (NpyFile file = NpyFile.Open(path))
        {
            TensorView tensor = file.Tensor;
            Assert.Equal([2L, 3L], tensor.Shape);
            Assert.Equal(TensorDataType.Float32, tensor.DataType);
        }

        string written = _files.PathOf("written.npy");
        NpyFile.Write(written, "<f4", [2, 3], DumpBuilder.Bytes(new[] { 0f, 1f, 2f, 3f, 4f, 5f }));
        Assert.Equal(fixture, File.ReadAllBytes(written));

        // Version 2 (4-byte header length) and bf16 stored as '|V2'.
        string v2Header = "{'descr': '|V2', 'fortran_order': False, 'shape': (2,), }".PadRight(128 - 12 - 1) + "\n";
        var lengthBytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(lengthBytes, (uint)v2Header.Length);
        byte[] v2 = [0x93, .. "NUMPY"u8.ToArray(), 2, 0, .. lengthBytes, .. Encoding.ASCII.GetBytes(v2Header), .. DumpBuilder.Bytes(new[] { (BFloat16)1.5f, (BFloat16)(-2f) })];
        string v2Path = _files.PathOf("bf16.npy");
        File.WriteAllBytes(v2Path, v2);
        Assert.Contains("no declared float type", Assert.Throws<DumpFormatException>(() => NpyFile.Open(v2Path)).Message, StringComparison.Ordinal);
        using (NpyFile bf16File = NpyFile.Open(v2Path, TensorDataType.BFloat16))
        {
            TensorView bf16 = bf16File.Tensor;
            Assert.Equal(TensorDataType.BFloat16, bf16.DataType);
        }
    }

    public static TheoryData<string, string> BadSafetensors => new()
    {
        { "truncated", "shorter than the 8-byte header length" },
        { "header-past-end", "runs past the end of the file" },
        { "malformed-json", "malformed JSON header" },
        { "offsets-out-of-range", "outside the data section" },
        { "overlap", "overlapping data_offsets" },
        { "size-mismatch", "needs 24 bytes but data_offsets" },
        { "unknown-dtype", "has dtype 'F64'" },
        { "empty", "the file is empty" },
    };

    [Theory]
    [MemberData(nameof(BadSafetensors))]
    public void Safetensors_BadInput_NamesTheFileAndProblem(string kind, string expected)
    {
        byte[] good = SafetensorsFixture();
        byte[] bytes = kind switch
        {
            "truncated" => good[..5],
            "header-past-end" => [.. BitConverter.GetBytes(1_000_000UL), .. good[8..]],
            "malformed-json" => Patch(good, "{\"logits\":{", "{\"logits\"::"),
            "offsets-out-of-range" => Patch(good, "[16,32]", "[16,99]"),
            "overlap" => Patch(good, "[16,32]", "[8,24] "),
            "size-mismatch" => Patch(good, "\"shape\":[2,2]", "\"shape\":[2,3]"),
            "unknown-dtype" => Patch(good, "\"F32\"", "\"F64\""),
            _ => [],
        };
        string path = _files.PathOf(kind + ".safetensors");
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<DumpFormatException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static byte[] Patch(byte[] bytes, string from, string to)
    {
        string text = Encoding.Latin1.GetString(bytes);
        Assert.Contains(from, text, StringComparison.Ordinal);
        return Encoding.Latin1.GetBytes(text.Replace(from, to, StringComparison.Ordinal));
    }

    [Fact]
    public void EvalDump_ChecksRankTargetsAndShift()
    {
        (float[] logits, long[] labels, int[] tasks, long[] examples) = DumpBuilder.Random(6, 5, 2, 1);
        labels[4] = 5;
        string bad = _files.WriteSafetensors("bad-target.safetensors", logits, labels, tasks, examples, 5);
        // Targets are checked by the scorer, which knows the ignore index.
        var error = Assert.Throws<DumpFormatException>(() => LossEngine.Pipeline.DumpScorer.Score([bad], cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("row 4", error.Message, StringComparison.Ordinal);
        Assert.Contains("target 5", error.Message, StringComparison.Ordinal);
        Assert.Contains("'labels'", error.Message, StringComparison.Ordinal);

        string rank1 = _files.PathOf("rank1.safetensors");
        SafetensorsFile.Write(rank1, [("logits", TensorDataType.Float32, [4], DumpBuilder.Bytes(new float[4])), ("labels", TensorDataType.Int64, [4], DumpBuilder.Bytes(new long[4]))]);
        Assert.Contains("rank 1", Assert.Throws<DumpFormatException>(() => EvalDump.OpenSafetensors(rank1, new DumpOptions())).Message, StringComparison.Ordinal);

        // [B=2, S=3, V=4] with --shift: rows (b, s) for s < 2 score labels[b, s+1]; each sequence is one example.
        string bsv = _files.PathOf("bsv.safetensors");
        long[] sequenceLabels = [0, 1, 2, 3, 0, 1];
        SafetensorsFile.Write(bsv, [("logits", TensorDataType.Float32, [2, 3, 4], DumpBuilder.Bytes(new float[24])), ("labels", TensorDataType.Int64, [2, 3], DumpBuilder.Bytes(sequenceLabels))]);
        using EvalDump shifted = EvalDump.OpenSafetensors(bsv, new DumpOptions { Shift = true });
        Assert.Equal(4, shifted.Rows);
        Assert.Equal([1L, 2L, 0L, 1L], Enumerable.Range(0, 4).Select(r => shifted.Target(r)));
        Assert.Equal([0L, 0L, 1L, 1L], Enumerable.Range(0, 4).Select(r => shifted.ExampleId(r)));
        Assert.Equal(2, shifted.RunLength(0, 100));
        Assert.Equal(1, shifted.RunLength(1, 100));
        Assert.Equal(2, shifted.RunLength(2, 100));
        Assert.Equal(2, shifted.LogitView<float>(2, 2).Height);
        Assert.Throws<ArgumentException>(() => shifted.LogitView<float>(1, 2));
        Assert.Throws<ArgumentException>(() => shifted.LogitView<Half>(0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => shifted.Target(4));
    }
}
