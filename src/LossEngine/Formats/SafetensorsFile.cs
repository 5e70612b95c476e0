using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace LossEngine.Formats;

/// <summary>
/// A memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
/// shape and data_offsets (relative to the end of the header), then the data. Everything that can be wrong is checked
/// here, at open, with the file and tensor named.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    /// <summary>The largest JSON header read: 100 MB, the limit of the reference implementation.</summary>
    public const int MaxHeaderBytes = 100_000_000;

    private readonly MappedFile _mapped;
    private readonly Dictionary<string, TensorView> _tensors = new(StringComparer.Ordinal);

    private SafetensorsFile(MappedFile mapped) => _mapped = mapped;

    /// <summary>The file's path.</summary>
    public string Path => _mapped.Path;

    internal MappedFile Mapping => _mapped;

    /// <summary>The tensors, by name.</summary>
    public IReadOnlyDictionary<string, TensorView> Tensors => _tensors;

    /// <summary>The header's <c>__metadata__</c> entries: strings, or raw JSON for non-string values.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; private set; } = new Dictionary<string, string>();

    /// <summary>Opens and validates a safetensors file.</summary>
    /// <exception cref="DumpFormatException">The file is missing, empty, truncated, or its header is malformed,
    /// names an unsupported dtype, or has data_offsets out of range, overlapping or not matching dtype × shape.</exception>
    public static SafetensorsFile Open(string path)
    {
        var mapped = new MappedFile(path);
        var file = new SafetensorsFile(mapped);
        try
        {
            file.ReadHeader();
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private void ReadHeader()
    {
        string path = _mapped.Path;
        if (_mapped.Length == 0)
        {
            throw new DumpFormatException($"{path}: the file is empty.");
        }

        if (_mapped.Length < 8)
        {
            throw new DumpFormatException($"{path}: truncated: {_mapped.Length} bytes, shorter than the 8-byte header length.");
        }

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(_mapped.Base, 8));
        if (headerLength > (ulong)(_mapped.Length - 8))
        {
            throw new DumpFormatException($"{path}: the header length {headerLength} at offset 0 runs past the end of the file ({_mapped.Length} bytes).");
        }

        if (headerLength > MaxHeaderBytes)
        {
            throw new DumpFormatException($"{path}: the header length {headerLength} at offset 0 is over the safetensors limit of {MaxHeaderBytes} bytes.");
        }

        long dataStart = 8 + (long)headerLength;
        long dataLength = _mapped.Length - dataStart;
        JsonDocument header;
        try
        {
            header = JsonDocument.Parse(new ReadOnlyMemory<byte>(new ReadOnlySpan<byte>(_mapped.Base + 8, (int)headerLength).ToArray()));
        }
        catch (JsonException error)
        {
            throw new DumpFormatException($"{path}: malformed JSON header (bytes 8–{dataStart}): {error.Message}", error);
        }

        using (header)
        {
            if (header.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new DumpFormatException($"{path}: the JSON header is not an object.");
            }

            var spans = new List<(long Begin, long End, string Name)>();
            try
            {
                foreach (JsonProperty property in header.RootElement.EnumerateObject())
                {
                    if (property.Name == "__metadata__")
                    {
                        Metadata = ReadMetadata(property.Value);
                        continue;
                    }

                    if (_tensors.ContainsKey(property.Name))
                    {
                        throw new DumpFormatException($"{path}: tensor '{property.Name}' appears twice in the header.");
                    }

                    (TensorView tensor, long begin, long end) = ReadTensor(property, dataStart, dataLength);
                    _tensors.Add(property.Name, tensor);
                    spans.Add((begin, end, property.Name));
                }
            }
            catch (InvalidOperationException error)
            {
                // System.Text.Json validates structure while parsing but transcodes names and strings lazily.
                throw new DumpFormatException($"{path}: the JSON header holds a name or string that is not valid UTF-8.", error);
            }

            spans.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            for (int i = 1; i < spans.Count; i++)
            {
                if (spans[i].Begin < spans[i - 1].End)
                {
                    throw new DumpFormatException($"{path}: tensors '{spans[i - 1].Name}' [{spans[i - 1].Begin}, {spans[i - 1].End}) and '{spans[i].Name}' [{spans[i].Begin}, {spans[i].End}) have overlapping data_offsets.");
                }
            }
        }
    }

    private (TensorView Tensor, long Begin, long End) ReadTensor(JsonProperty property, long dataStart, long dataLength)
    {
        string what = $"{_mapped.Path}: tensor '{property.Name}'";
        try
        {
            JsonElement entry = property.Value;
            string dtype = entry.GetProperty("dtype").GetString() ?? string.Empty;
            TensorDataType type = dtype switch
            {
                "F32" => TensorDataType.Float32,
                "F16" => TensorDataType.Float16,
                "BF16" => TensorDataType.BFloat16,
                "I32" => TensorDataType.Int32,
                "I64" => TensorDataType.Int64,
                _ => throw new DumpFormatException($"{what} has dtype '{dtype}'; LossEngine reads F32, F16, BF16, I32 and I64."),
            };
            long[] shape = [.. entry.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64())];
            long[] offsets = [.. entry.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64())];
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength)
            {
                throw new DumpFormatException($"{what} has data_offsets [{string.Join(", ", offsets)}] outside the data section of {dataLength} bytes (file offset {dataStart}).");
            }

            long expected = TensorView.CheckedByteCount(what, shape, type);
            if (expected != offsets[1] - offsets[0])
            {
                throw new DumpFormatException($"{what}: dtype {dtype} with shape [{string.Join(", ", shape)}] needs {expected} bytes but data_offsets [{offsets[0]}, {offsets[1]}] span {offsets[1] - offsets[0]}.");
            }

            var view = new TensorView(_mapped.Path, property.Name, type, shape, _mapped.Base + dataStart + offsets[0], expected);
            return (view, offsets[0], offsets[1]);
        }
        catch (Exception error) when (error is KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            throw new DumpFormatException($"{what} is malformed: it needs a dtype string, a shape array and two data_offsets ({error.Message}).", error);
        }
    }

    private static Dictionary<string, string> ReadMetadata(JsonElement element)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty entry in element.EnumerateObject())
            {
                metadata[entry.Name] = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString()! : entry.Value.GetRawText();
            }
        }

        return metadata;
    }

    /// <inheritdoc/>
    public void Dispose() => _mapped.Dispose();

    /// <summary>The alignment, in bytes from the start of the file, of the data section that
    /// <see cref="Write(string, IEnumerable{TensorData}, IReadOnlyDictionary{string, string}?)"/> writes: a cache
    /// line.</summary>
    public const int DataAlignment = 64;

    /// <summary>Writes a safetensors file: the tensors in the given order, back to back, the first at a 64-byte
    /// boundary of the file (<see cref="DataAlignment"/>), and the metadata as <c>__metadata__</c> strings.</summary>
    /// <exception cref="InvalidOperationException">A tensor's callback wrote more or fewer bytes than it declared (the
    /// message names the tensor); the file is then incomplete.</exception>
    /// <exception cref="IOException">The file cannot be created or written.</exception>
    public static void Write(string path, IEnumerable<TensorData> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.Select(t => (t.Name, t.Type, t.Shape, t.ByteLength, t.WriteData)).ToList();
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject("__metadata__");
                foreach ((string key, string value) in metadata)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            long offset = 0;
            foreach ((string name, TensorDataType type, long[] shape, long byteLength, _) in list)
            {
                writer.WriteStartObject(name);
                writer.WriteString("dtype", TensorDataTypes.SafetensorsName(type));
                writer.WriteStartArray("shape");
                foreach (long dimension in shape)
                {
                    writer.WriteNumberValue(dimension);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + byteLength);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += byteLength;
            }

            writer.WriteEndObject();
        }

        // Pad the header with spaces so that the data starts on a 64-byte line (the reference implementation pads to
        // 8 bytes; any padding is valid): the first tensor's rows then start where a vector load does not straddle two
        // cache lines, and a scoring pass reads them measurably faster (docs/benchmarks.md, "Where the rows sit").
        byte[] header = json.ToArray();
        int padded = ((8 + header.Length + DataAlignment - 1) / DataAlignment * DataAlignment) - 8;
        using FileStream output = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        output.Write(length);
        output.Write(header);
        output.Write(Encoding.ASCII.GetBytes(new string(' ', padded - header.Length)));
        foreach ((string name, _, _, long byteLength, Action<Stream> writeData) in list)
        {
            long start = output.Position;
            writeData(output);
            if (output.Position - start != byteLength)
            {
                throw new InvalidOperationException($"{path}: tensor '{name}' declared {byteLength} bytes but {output.Position - start} were written.");
            }
        }
    }

    /// <summary>Writes a safetensors file from tensors in memory, in the tests' compact tuple form.</summary>
    internal static void Write(string path, IEnumerable<(string Name, TensorDataType Type, long[] Shape, byte[] Data)> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        Write(path, tensors.Select(t => TensorData.FromBytes(t.Name, t.Type, t.Shape, t.Data)), metadata);
}
