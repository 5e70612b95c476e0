using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LossEngine.Formats;

/// <summary>
/// A memory-mapped NumPy .npy file (format versions 1, 2 and 3): the magic "\x93NUMPY", a version, a header length
/// (2 bytes in v1, 4 in v2/v3), a Python-literal header dict with 'descr', 'fortran_order' and 'shape', then C-order data.
/// </summary>
/// <remarks>Like <see cref="SafetensorsFile"/>, an opened file owns its mapping: its <see cref="Tensor"/> is valid until
/// the file is disposed.</remarks>
public sealed partial class NpyFile : IDisposable
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>The longest header read, in bytes: numpy.load's own default limit (max_header_size). NumPy writes
    /// headers of well under 200 bytes for the dtypes read here, and the cap bounds the work of finding the fields.</summary>
    public const int MaxHeaderBytes = 10_000;
    private readonly MappedFile _mapped;

    private NpyFile(MappedFile mapped, TensorView tensor)
    {
        _mapped = mapped;
        Tensor = tensor;
    }

    /// <summary>The file's path.</summary>
    public string Path => _mapped.Path;

    internal MappedFile Mapping => _mapped;

    /// <summary>The array, as a tensor named after the file (without its extension).</summary>
    public TensorView Tensor { get; }

    /// <summary>Opens and validates a .npy file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="twoByteType">How to read 2-byte void or uint16 data ('|V2', '&lt;u2'): bf16 as ml_dtypes writes it,
    /// or f16. Null makes such data an error that says the type must be chosen.</param>
    /// <exception cref="DumpFormatException">The file is missing, empty, truncated, not .npy, big-endian, Fortran-ordered,
    /// of an unsupported dtype, or its data length does not match its shape.</exception>
    public static NpyFile Open(string path, TensorDataType? twoByteType = null)
    {
        var mapped = new MappedFile(path);
        try
        {
            return new NpyFile(mapped, Read(mapped, twoByteType));
        }
        catch
        {
            mapped.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _mapped.Dispose();

    private static unsafe TensorView Read(MappedFile mapped, TensorDataType? twoByteOverride)
    {
        string path = mapped.Path;
        if (mapped.Length == 0)
        {
            throw new DumpFormatException($"{path}: the file is empty.");
        }

        var bytes = new ReadOnlySpan<byte>(mapped.Base, (int)Math.Min(mapped.Length, 12 + MaxHeaderBytes));
        if (bytes.Length < 10 || !bytes[..6].SequenceEqual(Magic))
        {
            throw new DumpFormatException($"{path}: not a .npy file (the magic \\x93NUMPY is missing at offset 0).");
        }

        int major = bytes[6];
        long headerLength;
        int headerStart;
        if (major == 1)
        {
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]);
            headerStart = 10;
        }
        else if (major is 2 or 3)
        {
            if (bytes.Length < 12)
            {
                throw new DumpFormatException($"{path}: truncated .npy preamble.");
            }

            headerLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
            headerStart = 12;
        }
        else
        {
            throw new DumpFormatException($"{path}: .npy format version {major} is not supported (1, 2 and 3 are).");
        }

        if (headerStart + headerLength > mapped.Length)
        {
            throw new DumpFormatException($"{path}: the header length {headerLength} at offset 8 runs past the end of the file ({mapped.Length} bytes).");
        }

        if (headerLength > MaxHeaderBytes)
        {
            throw new DumpFormatException($"{path}: the header length {headerLength} at offset 8 is over the {MaxHeaderBytes}-byte limit for .npy headers (numpy.load's default limit too).");
        }

        string header;
        try
        {
            Encoding encoding = major == 3 ? new UTF8Encoding(false, throwOnInvalidBytes: true) : Encoding.Latin1;
            header = encoding.GetString(bytes.Slice(headerStart, (int)headerLength));
        }
        catch (DecoderFallbackException error)
        {
            throw new DumpFormatException($"{path}: the version-3 .npy header is not valid UTF-8.", error);
        }

        string descr = Field(DescrPattern(), header, path, "descr");
        string fortran = Field(FortranPattern(), header, path, "fortran_order");
        string shapeText = Field(ShapePattern(), header, path, "shape");
        if (fortran == "True")
        {
            throw new DumpFormatException($"{path}: Fortran-ordered arrays are not supported; save with np.ascontiguousarray.");
        }

        long[] shape = ParseShape(shapeText, path);
        TensorDataType type = descr switch
        {
            "<f4" => TensorDataType.Float32,
            "<f2" => TensorDataType.Float16,
            "<i4" => TensorDataType.Int32,
            "<i8" => TensorDataType.Int64,
            "|V2" or "<V2" or "<u2" or "|u2" when twoByteOverride is TensorDataType t => t,
            "|V2" or "<V2" or "<u2" or "|u2" => throw new DumpFormatException($"{path}: dtype '{descr}' holds 2-byte values of no declared float type; say how to read them (bf16 for bfloat16 saved by ml_dtypes, or f16)."),
            _ => throw new DumpFormatException($"{path}: dtype '{descr}' is not supported; LossEngine reads <f4, <f2, bf16 ('|V2' read as bf16), <i4 and <i8 (little-endian)."),
        };

        string what = $"{path}: array";
        long dataStart = headerStart + headerLength;
        long expected = TensorView.CheckedByteCount(what, shape, type);
        if (mapped.Length - dataStart != expected)
        {
            throw new DumpFormatException($"{path}: dtype '{descr}' with shape ({string.Join(", ", shape)}) needs {expected} data bytes after offset {dataStart}, but the file has {mapped.Length - dataStart}{(mapped.Length - dataStart < expected ? " (truncated)" : string.Empty)}.");
        }

        return new TensorView(path, System.IO.Path.GetFileNameWithoutExtension(path), type, shape, mapped.Base + dataStart, expected);
    }

    /// <summary>The dimensions of a shape tuple such as "8, 50" or "8L, 50L" (Python 2's longs, as old NumPy wrote them).</summary>
    private static long[] ParseShape(string text, string path)
    {
        string[] dimensions = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        long[] shape = new long[dimensions.Length];
        for (int i = 0; i < dimensions.Length; i++)
        {
            string dimension = dimensions[i].EndsWith('L') ? dimensions[i][..^1] : dimensions[i];
            if (!long.TryParse(dimension, NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]))
            {
                throw new DumpFormatException($"{path}: the .npy shape ({text}) has a dimension '{dimensions[i]}' that is not a whole number from 0 to {long.MaxValue}.");
            }
        }

        return shape;
    }

    private static string Field(Regex pattern, string header, string path, string name)
    {
        Match match = pattern.Match(header);
        return match.Success ? match.Groups[1].Value : throw new DumpFormatException($"{path}: the .npy header has no '{name}': {header.Trim()}");
    }

    /// <summary>Writes a version-1 .npy file: <paramref name="data"/> holds the elements in C order, little-endian.
    /// bf16 is written as '|V2', as ml_dtypes does.</summary>
    /// <exception cref="ArgumentException">The data length is not element count × element size.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, TensorDataType type, long[] shape, ReadOnlySpan<byte> data)
    {
        long expected = TensorView.CheckedElementCount(path, shape) * TensorDataTypes.SizeOf(type);
        if (data.Length != expected)
        {
            throw new ArgumentException($"{path}: shape ({string.Join(", ", shape)}) of {type} needs {expected} bytes, not {data.Length}.", nameof(data));
        }

        Write(path, Descr(type), shape, data);
    }

    /// <summary>Creates a version-1 .npy file and writes its header; the caller then writes the elements (C order,
    /// little-endian) to the returned stream and disposes it. This is how a file larger than memory, such as one loss per
    /// token of a whole dump, is written without holding it.</summary>
    /// <exception cref="IOException">The file cannot be created.</exception>
    public static FileStream Create(string path, TensorDataType type, long[] shape) => Create(path, Descr(type), shape);

    /// <summary>The .npy descr of a type.</summary>
    private static string Descr(TensorDataType type) => type switch
    {
        TensorDataType.Float32 => "<f4",
        TensorDataType.Float16 => "<f2",
        TensorDataType.BFloat16 => "|V2",
        TensorDataType.Int32 => "<i4",
        _ => "<i8",
    };

    /// <summary>Writes a version-1 .npy file with any descr, for tests of what other writers produce.</summary>
    internal static void Write(string path, string descr, long[] shape, ReadOnlySpan<byte> data)
    {
        using FileStream output = Create(path, descr, shape);
        output.Write(data);
    }

    internal static FileStream Create(string path, string descr, long[] shape)
    {
        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeText}, }}";

        // The preamble plus header is padded with spaces and a newline to a multiple of 64 bytes.
        int total = (10 + dict.Length + 1 + 63) / 64 * 64;
        string header = dict.PadRight(total - 10 - 1) + "\n";
        FileStream output = File.Create(path);
        output.Write(Magic);
        output.Write([1, 0]);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
        output.Write(length);
        output.Write(Encoding.Latin1.GetBytes(header));
        return output;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
