namespace LossEngine.Formats;

/// <summary>
/// One tensor to write with <see cref="SafetensorsFile.Write(string, IEnumerable{TensorData}, IReadOnlyDictionary{string, string}?)"/>:
/// its name, element type, shape, and a callback that writes exactly <see cref="ByteLength"/> bytes of little-endian,
/// C-order data. The callback lets a tensor larger than one array (2 GiB) be produced while it is written.
/// </summary>
/// <param name="Name">The tensor's name in the header.</param>
/// <param name="Type">The element type.</param>
/// <param name="Shape">The shape, outermost first.</param>
/// <param name="ByteLength">Element count × element size.</param>
/// <param name="WriteData">Writes the data to the stream it is given.</param>
public sealed record TensorData(string Name, TensorDataType Type, long[] Shape, long ByteLength, Action<Stream> WriteData)
{
    /// <summary>A tensor whose data is already in memory.</summary>
    public static TensorData FromBytes(string name, TensorDataType type, long[] shape, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new TensorData(name, type, shape, data.Length, stream => stream.Write(data));
    }
}
