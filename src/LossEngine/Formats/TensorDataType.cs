namespace LossEngine.Formats;

/// <summary>The element types an eval dump may hold.</summary>
public enum TensorDataType
{
    /// <summary>IEEE binary32 (safetensors F32, numpy &lt;f4).</summary>
    Float32,

    /// <summary>IEEE binary16 (F16, &lt;f2).</summary>
    Float16,

    /// <summary>bfloat16 (BF16; numpy |V2 or &lt;u2 read with --dtype bf16).</summary>
    BFloat16,

    /// <summary>32-bit signed integers (I32, &lt;i4).</summary>
    Int32,

    /// <summary>64-bit signed integers (I64, &lt;i8).</summary>
    Int64,
}

/// <summary>Sizes and names of <see cref="TensorDataType"/>.</summary>
public static class TensorDataTypes
{
    /// <summary>Bytes per element.</summary>
    public static int SizeOf(TensorDataType type) => type switch
    {
        TensorDataType.Float32 or TensorDataType.Int32 => 4,
        TensorDataType.Int64 => 8,
        _ => 2,
    };

    /// <summary>The safetensors spelling (F32, F16, BF16, I32, I64).</summary>
    public static string SafetensorsName(TensorDataType type) => type switch
    {
        TensorDataType.Float32 => "F32",
        TensorDataType.Float16 => "F16",
        TensorDataType.BFloat16 => "BF16",
        TensorDataType.Int32 => "I32",
        _ => "I64",
    };
}

/// <summary>A problem in an input file: the message names the file, the tensor or offset, and what is wrong.</summary>
public sealed class DumpFormatException : Exception
{
    /// <summary>Creates the exception with a complete message.</summary>
    public DumpFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a complete message and its cause.</summary>
    public DumpFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with no message (for serialisers).</summary>
    public DumpFormatException()
    {
    }
}
