namespace LossEngine.Formats;

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

    /// <summary>Whether logits may have this type (F32, F16 or BF16).</summary>
    public static bool IsLogitType(TensorDataType type) => type is TensorDataType.Float32 or TensorDataType.Float16 or TensorDataType.BFloat16;

    /// <summary>
    /// Runs <paramref name="action"/> with the .NET element type of <paramref name="type"/>: <see cref="float"/>,
    /// <see cref="Half"/> or <see cref="BFloat16"/>. This is the one place where a runtime element type becomes a generic
    /// kernel call; the library, the command line, the C ABI and the benchmarks all go through it.
    /// </summary>
    /// <exception cref="NotSupportedException"><paramref name="type"/> is an integer type, which logits cannot have.</exception>
    public static TResult Dispatch<TAction, TResult>(TensorDataType type, TAction action)
        where TAction : ILogitTypeAction<TResult> => type switch
        {
            TensorDataType.Float32 => action.Invoke<float>(),
            TensorDataType.Float16 => action.Invoke<Half>(),
            TensorDataType.BFloat16 => action.Invoke<BFloat16>(),
            _ => throw new NotSupportedException($"Logits must be F32, F16 or BF16, not {type}."),
        };

    /// <summary>The element type of logits stored as <typeparamref name="T"/>.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not <see cref="float"/>, <see cref="Half"/>
    /// or <see cref="BFloat16"/>.</exception>
    public static TensorDataType Of<T>()
        where T : unmanaged =>
        typeof(T) == typeof(float) ? TensorDataType.Float32
        : typeof(T) == typeof(Half) ? TensorDataType.Float16
        : typeof(T) == typeof(BFloat16) ? TensorDataType.BFloat16
        : throw new NotSupportedException($"{typeof(T).Name} is not a logit type; use float, Half or BFloat16.");
}
