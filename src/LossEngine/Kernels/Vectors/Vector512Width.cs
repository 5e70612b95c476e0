using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LossEngine.Kernels.Vectors;

/// <summary>16 float lanes (AVX-512 on x64).</summary>
internal readonly struct Vector512Width : IVectorWidth<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;

    public static bool IsHardwareAccelerated => Vector512.IsHardwareAccelerated;

    public static Vector512<float> Indices => Vector512<float>.Indices;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Create(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadSingle(ref float source, nuint elementOffset) => Vector512.LoadUnsafe(ref source, elementOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadWidenedBits(ref ushort source, nuint elementOffset) =>
        Vector512.WidenLower(Vector256.LoadUnsafe(ref source, elementOffset).ToVector512Unsafe()).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float destination, nuint elementOffset) => value.StoreUnsafe(ref destination, elementOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddWidened(Vector512<float> value, ref double destination)
    {
        (Vector512<double> lower, Vector512<double> upper) = Vector512.Widen(value);
        (Vector512.LoadUnsafe(ref destination) + lower).StoreUnsafe(ref destination);
        (Vector512.LoadUnsafe(ref destination, 8) + upper).StoreUnsafe(ref destination, 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> left, Vector512<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Subtract(Vector512<float> left, Vector512<float> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> left, Vector512<float> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MaxNative(Vector512<float> left, Vector512<float> right) => Vector512.MaxNative(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MinNative(Vector512<float> left, Vector512<float> right) => Vector512.MinNative(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Floor(Vector512<float> value) => Vector512.Floor(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GreaterThan(Vector512<float> left, Vector512<float> right) => Vector512.GreaterThan(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GreaterThanOrEqual(Vector512<float> left, Vector512<float> right) => Vector512.GreaterThanOrEqual(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LessThan(Vector512<float> left, Vector512<float> right) => Vector512.LessThan(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool GreaterThanAny(Vector512<float> left, Vector512<float> right) => Vector512.GreaterThanAny(left, right);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyLaneSet(Vector512<float> mask) => Vector512.ExtractMostSignificantBits(mask) != 0;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> AddIntegers(Vector512<float> left, Vector512<float> right) => (left.AsInt32() + right.AsInt32()).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SumIntegers(Vector512<float> value) => Vector512.Sum(value.AsInt32());

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MaxInt16(Vector512<float> left, Vector512<float> right) => Vector512.Max(left.AsInt16(), right.AsInt16()).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MaxUInt16(Vector512<float> left, Vector512<float> right) => Vector512.Max(left.AsUInt16(), right.AsUInt16()).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool GreaterThanAnyInt16(Vector512<float> left, Vector512<float> right) => Vector512.GreaterThanAny(left.AsInt16(), right.AsInt16());

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool GreaterThanAnyUInt16(Vector512<float> left, Vector512<float> right) => Vector512.GreaterThanAny(left.AsUInt16(), right.AsUInt16());

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector512<float> value) =>
        Vector512.EqualsAll(value, value)
            ? Vector256Width.MaxAcross(Vector256.MaxNative(value.GetLower(), value.GetUpper()))
            : float.NaN;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int CountGreaterThan(Vector512<float> left, Vector512<float> right) =>
        System.Numerics.BitOperations.PopCount(Vector512.ExtractMostSignificantBits(Vector512.GreaterThan(left, right)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ConditionalSelect(Vector512<float> mask, Vector512<float> ifTrue, Vector512<float> ifFalse) => Vector512.ConditionalSelect(mask, ifTrue, ifFalse);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> BitwiseAnd(Vector512<float> left, Vector512<float> right) => left & right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> BitwiseOr(Vector512<float> left, Vector512<float> right) => left | right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ShiftLeftBits(Vector512<float> value, int count) => Vector512.ShiftLeft(value.AsUInt32(), count).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ShiftRightArithmeticBits(Vector512<float> value, int count) => Vector512.ShiftRightArithmetic(value.AsInt32(), count).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ShiftLowWordLeftSignExtended(Vector512<float> value, int count) =>
        Avx512BW.MultiplyAddAdjacent(value.AsInt16(), Vector512.Create(1 << count).AsInt16()).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Pow2(Vector512<float> integralExponent) =>
        Vector512.ShiftLeft(Vector512.ConvertToInt32Native(integralExponent) + Vector512.Create(127), 23).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Prefetch(void* address)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(address);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ScaleByPow2(Vector512<float> p, Vector512<float> integralExponent) =>
        Avx512F.IsSupported
            ? Avx512F.Scale(p, integralExponent)
            : VectorMath.ScaleByPow2Portable<Vector512Width, Vector512<float>>(p, integralExponent);

    /// <inheritdoc/>
    public static bool ScalesAnyExponent => Avx512F.IsSupported;

    /// <inheritdoc/>
    public static bool FusesMultiplyAdd => Fma.IsSupported;

    /// <inheritdoc/>
    public static bool LooksUpThirtyTwo => Avx512F.IsSupported;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LookUpThirtyTwo(Vector512<float> lower, Vector512<float> upper, Vector512<float> index) =>
        Avx512F.PermuteVar16x32x2(lower, index.AsInt32(), upper);

    /// <inheritdoc/>
    public static Vector512<float> PowerOfEighths(Vector512<float> y) =>
        throw new NotSupportedException("The table of 2^(j/8) is AVX2's (Vector256Width).");

    /// <inheritdoc/>
    public static Vector512<float> PowerOfEighthsAbove(Vector512<float> y, Vector512<float> floor) =>
        throw new NotSupportedException("The table of 2^(j/8) is AVX2's (Vector256Width).");
}
