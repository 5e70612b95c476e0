namespace LossEngine.Formats;

/// <summary>A validated tensor inside a memory-mapped file: its name, element type, shape and data address.</summary>
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
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The first byte of the data; valid while the owning file is open.</summary>
    public byte* Data { get; }

    /// <summary>The data's length in bytes (element count × element size, checked at open).</summary>
    public long ByteLength { get; }

    /// <summary>"file: tensor 'name'" for messages.</summary>
    public string Describe() => $"{File}: tensor '{Name}'";

    /// <summary>Reads element <paramref name="index"/> of an integer tensor as a long.</summary>
    public long ReadInteger(long index) => DataType switch
    {
        TensorDataType.Int32 => ((int*)Data)[index],
        TensorDataType.Int64 => ((long*)Data)[index],
        _ => throw new DumpFormatException($"{Describe()} has element type {DataType}; integer ids must be I32 or I64."),
    };

    internal static long CheckedElementCount(string what, IReadOnlyList<long> shape)
    {
        long count = 1;
        foreach (long dimension in shape)
        {
            if (dimension < 0)
            {
                throw new DumpFormatException($"{what} has a negative dimension in shape [{string.Join(", ", shape)}].");
            }

            count = checked(count * dimension);
        }

        return count;
    }
}
