using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LossEngine.Formats;

/// <summary>
/// A memory-mapped NumPy .npy file (format versions 1, 2 and 3): the magic "\x93NUMPY", a version, a header length
/// (2 bytes in v1, 4 in v2/v3), a Python-literal header dict with 'descr', 'fortran_order' and 'shape', then C-order data.
/// </summary>
public static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Opens a .npy file as a single tensor named after the file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="twoByteOverride">How to read 2-byte void or uint16 data ('|V2', '&lt;u2'): bf16 as ml_dtypes writes it.
    /// Null makes those an error that says to pass --dtype bf16.</param>
    /// <exception cref="DumpFormatException">The file is missing, empty, truncated, not .npy, big-endian, Fortran-ordered,
    /// of an unsupported dtype, or its data length does not match its shape.</exception>
    public static unsafe (TensorView Tensor, IDisposable Owner) Open(string path, TensorDataType? twoByteOverride = null)
    {
        var mapped = new MappedFile(path);
        try
        {
            return (Read(mapped, twoByteOverride), mapped);
        }
        catch
        {
            mapped.Dispose();
            throw;
        }
    }

    private static unsafe TensorView Read(MappedFile mapped, TensorDataType? twoByteOverride)
    {
        string path = mapped.Path;
        if (mapped.Length == 0)
        {
            throw new DumpFormatException($"{path}: the file is empty.");
        }

        var bytes = new ReadOnlySpan<byte>(mapped.Base, (int)Math.Min(mapped.Length, 1 << 20));
        if (bytes.Length < 10 || !bytes[..6].SequenceEqual(Magic))
        {
            throw new DumpFormatException($"{path}: not a .npy file (the magic \\x93NUMPY is missing at offset 0).");
        }

        int major = bytes[6];
        int headerLength;
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

            headerLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
            headerStart = 12;
        }
        else
        {
            throw new DumpFormatException($"{path}: .npy format version {major} is not supported (1, 2 and 3 are).");
        }

        if (headerStart + (long)headerLength > mapped.Length || headerStart + headerLength > bytes.Length)
        {
            throw new DumpFormatException($"{path}: the header length {headerLength} at offset 8 runs past the end of the file ({mapped.Length} bytes).");
        }

        Encoding encoding = major == 3 ? Encoding.UTF8 : Encoding.Latin1;
        string header = encoding.GetString(bytes.Slice(headerStart, headerLength));
        string descr = Field(DescrPattern(), header, path, "descr");
        string fortran = Field(FortranPattern(), header, path, "fortran_order");
        string shapeText = Field(ShapePattern(), header, path, "shape");
        if (fortran == "True")
        {
            throw new DumpFormatException($"{path}: Fortran-ordered arrays are not supported; save with np.ascontiguousarray.");
        }

        long[] shape = [.. shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(d => long.Parse(d, CultureInfo.InvariantCulture))];
        TensorDataType type = descr switch
        {
            "<f4" => TensorDataType.Float32,
            "<f2" => TensorDataType.Float16,
            "<i4" => TensorDataType.Int32,
            "<i8" => TensorDataType.Int64,
            "|V2" or "<V2" or "<u2" or "|u2" when twoByteOverride is TensorDataType t => t,
            "|V2" or "<V2" or "<u2" or "|u2" => throw new DumpFormatException($"{path}: dtype '{descr}' holds 2-byte values of unknown type; pass --dtype bf16 for bfloat16 saved by ml_dtypes."),
            _ => throw new DumpFormatException($"{path}: dtype '{descr}' is not supported; LossEngine reads <f4, <f2, bf16 ('|V2' with --dtype bf16), <i4 and <i8 (little-endian)."),
        };

        string what = $"{path}: array";
        long dataStart = headerStart + headerLength;
        long expected = checked(TensorView.CheckedElementCount(what, shape) * TensorDataTypes.SizeOf(type));
        if (mapped.Length - dataStart != expected)
        {
            throw new DumpFormatException($"{path}: dtype '{descr}' with shape ({string.Join(", ", shape)}) needs {expected} data bytes after offset {dataStart}, but the file has {mapped.Length - dataStart}{(mapped.Length - dataStart < expected ? " (truncated)" : string.Empty)}.");
        }

        return new TensorView(path, System.IO.Path.GetFileNameWithoutExtension(path), type, shape, mapped.Base + dataStart, expected);
    }

    private static string Field(Regex pattern, string header, string path, string name)
    {
        Match match = pattern.Match(header);
        return match.Success ? match.Groups[1].Value : throw new DumpFormatException($"{path}: the .npy header has no '{name}': {header.Trim()}");
    }

    /// <summary>Writes a version-1 .npy file (used by the demo and the tests).</summary>
    public static void Write(string path, string descr, long[] shape, ReadOnlySpan<byte> data)
    {
        using FileStream output = Create(path, descr, shape);
        output.Write(data);
    }

    /// <summary>Creates a version-1 .npy file and writes its header; the caller streams the data (C order) after it,
    /// which is how <c>--tokens</c> writes one loss per row without holding them all. The caller disposes the stream.</summary>
    /// <exception cref="IOException">The file cannot be created.</exception>
    public static FileStream Create(string path, string descr, long[] shape)
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
