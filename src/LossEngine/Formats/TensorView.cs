namespace LossEngine.Formats;

/// <summary>A validated tensor inside a memory-mapped file: its name, element type and shape. Its data is read through
/// <see cref="ReadInteger"/> or, for logits, through <see cref="EvalDump.LogitView{T}"/>; it stays valid while the file
/// that owns it is open.</summary>
public sealed unsafe class TensorView
{
    internal TensorView(string file, string name, TensorDataType dataType, long[] shape, byte* data, long byteLength)
    {
        File = file;
        Name = name;
        DataType = dataType;
        Shape = shape;
        Data = data;
        ByteLength = byteLength;
        ElementCount = shape.Aggregate(1L, (a, b) => a * b);
    }

    /// <summary>The file the tensor lives in.</summary>
    public string File { get; }

    /// <summary>The tensor's name ("logits", "labels", …; the file name for .npy).</summary>
    public string Name { get; }

    /// <summary>The element type.</summary>
    public TensorDataType DataType { get; }

    /// <summary>The shape, outermost first.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>Σ elements.</summary>
    public long ElementCount { get; }

    /// <summary>The first byte of the data; valid while the owning file is open.</summary>
    internal byte* Data { get; }

    /// <summary>The data's length in bytes (element count × element size, checked at open).</summary>
    public long ByteLength { get; }

    /// <summary>"file: tensor 'name'" for messages.</summary>
    public string Describe() => $"{File}: tensor '{Name}'";

    /// <summary>Reads element <paramref name="index"/> (flat, C order) of an integer tensor as a long.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside [0, <see cref="ElementCount"/>).</exception>
    /// <exception cref="DumpFormatException">The tensor is not I32 or I64.</exception>
    public long ReadInteger(long index) => (ulong)index >= (ulong)ElementCount
        ? throw new ArgumentOutOfRangeException(nameof(index), index, $"{Describe()} has {ElementCount} elements.")
        : ReadIntegerUnchecked(index);

    /// <summary><see cref="ReadInteger"/> for indices the caller has validated against the shape.</summary>
    internal long ReadIntegerUnchecked(long index) => DataType switch
    {
        TensorDataType.Int32 => ((int*)Data)[index],
        TensorDataType.Int64 => ((long*)Data)[index],
        _ => throw new DumpFormatException($"{Describe()} has element type {DataType}; integer ids must be I32 or I64."),
    };

    /// <summary>Element count × element size, or an error naming <paramref name="what"/> when it does not fit in a long.</summary>
    internal static long CheckedByteCount(string what, IReadOnlyList<long> shape, TensorDataType type)
    {
        long elements = CheckedElementCount(what, shape);
        try
        {
            return checked(elements * TensorDataTypes.SizeOf(type));
        }
        catch (OverflowException error)
        {
            throw new DumpFormatException($"{what}: shape [{string.Join(", ", shape)}] of {type} needs more than {long.MaxValue} bytes.", error);
        }
    }

    internal static long CheckedElementCount(string what, IReadOnlyList<long> shape)
    {
        long count = 1;
        foreach (long dimension in shape)
        {
            if (dimension < 0)
            {
                throw new DumpFormatException($"{what} has a negative dimension in shape [{string.Join(", ", shape)}].");
            }

            try
            {
                count = checked(count * dimension);
            }
            catch (OverflowException error)
            {
                throw new DumpFormatException($"{what}: shape [{string.Join(", ", shape)}] has more than {long.MaxValue} elements.", error);
            }
        }

        return count;
    }
}
