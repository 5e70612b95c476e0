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
