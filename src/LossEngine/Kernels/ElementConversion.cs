using System.Runtime.CompilerServices;

namespace LossEngine.Kernels;

/// <summary>Scalar widening of one logit of a supported element type, and the check that a type is supported.</summary>
internal static class ElementConversion
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle<T>(T value)
    {
        if (typeof(T) == typeof(float))
        {
            return Unsafe.As<T, float>(ref value);
        }

        if (typeof(T) == typeof(BFloat16))
        {
            return (float)Unsafe.As<T, BFloat16>(ref value);
        }

        if (typeof(T) == typeof(Half))
        {
            return (float)Unsafe.As<T, Half>(ref value);
        }

        ThrowHelper.ThrowUnsupportedElementType<T>();
        return 0;
    }

    public static bool IsSupported<T>() =>
        typeof(T) == typeof(float) || typeof(T) == typeof(Half) || typeof(T) == typeof(BFloat16);
}
