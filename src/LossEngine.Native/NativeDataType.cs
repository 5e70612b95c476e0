using System.Runtime.InteropServices;
using LossEngine.Formats;

namespace LossEngine.Native;

/// <summary>Element types as <c>lossengine_dtype</c> numbers them: the same numbers as the logit members of
/// <see cref="TensorDataType"/>.</summary>
internal static class NativeDataType
{
    /// <summary>The logit type a C dtype names.</summary>
    /// <exception cref="NativeArgumentException">It names none (status UnsupportedDataType).</exception>
    public static TensorDataType Of(int dtype) => dtype is >= 0 and <= 2 && TensorDataTypes.IsLogitType((TensorDataType)dtype)
        ? (TensorDataType)dtype
        : throw new NativeArgumentException(Status.UnsupportedDataType, $"dtype {dtype} is not one of LOSSENGINE_F32 (0), LOSSENGINE_F16 (1), LOSSENGINE_BF16 (2).");
}
