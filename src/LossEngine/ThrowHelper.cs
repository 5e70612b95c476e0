using System.Diagnostics.CodeAnalysis;

namespace LossEngine;

/// <summary>Throw sites kept out of the kernels so that the hot paths stay small and inlinable.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowUnsupportedElementType<T>() =>
        throw new NotSupportedException($"Logits of element type {typeof(T).Name} are not supported; use float, Half or LossEngine.BFloat16.");

    [DoesNotReturn]
    public static void ThrowEmptyRow(string paramName) =>
        throw new ArgumentException("The logit row is empty; a distribution needs at least one entry.", paramName);

    [DoesNotReturn]
    public static void ThrowTargetOutOfRange(int target, int vocabularySize, string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, target, $"Target {target} is outside the row's vocabulary [0, {vocabularySize}).");

    [DoesNotReturn]
    public static void ThrowDestinationTooShort(int required, int actual, string paramName) =>
        throw new ArgumentException($"The destination holds {actual} elements but the row has {required}.", paramName);

    [DoesNotReturn]
    public static void ThrowPartialOverlap(string paramName) =>
        throw new ArgumentException("The destination partly overlaps the row; it must be the same memory or not overlap at all.", paramName);
}
