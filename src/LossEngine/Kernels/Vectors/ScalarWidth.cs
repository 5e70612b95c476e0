using System.Runtime.CompilerServices;

namespace LossEngine.Kernels.Vectors;

/// <summary>
/// One float lane. Serves rows shorter than the narrowest vector and machines without SIMD, through the same kernel
/// text as the vector widths. A mask lane is all-ones bits (a NaN pattern) or +0.
/// </summary>
internal readonly struct ScalarWidth : IVectorWidth<float>
{
    private static readonly float AllBitsSet = BitConverter.UInt32BitsToSingle(uint.MaxValue);

    public static int Count => 1;

    public static bool IsHardwareAccelerated => true;

    public static float Indices => 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Create(float value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LoadSingle(ref float source, nuint elementOffset) => Unsafe.Add(ref source, elementOffset);

    // Not used by VectorMath.Load, which converts single elements directly (see the note there); kept correct for callers
    // that want raw bits, with an explicit integer widening.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LoadWidenedBits(ref ushort source, nuint elementOffset) => BitConverter.UInt32BitsToSingle((uint)Unsafe.Add(ref source, elementOffset) & 0xFFFFu);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float value, ref float destination, nuint elementOffset) => Unsafe.Add(ref destination, elementOffset) = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddWidened(float value, ref double destination) => destination += value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float left, float right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Subtract(float left, float right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Multiply(float left, float right) => left * right;

    // Deliberately not MathF.FusedMultiplyAdd: without FMA hardware that is a slow software routine.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MultiplyAdd(float a, float b, float c) => (a * b) + c;

    // Mirrors x64 maxps: the right operand wins unless left is strictly greater, so a NaN in right survives.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxNative(float left, float right) => left > right ? left : right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MinNative(float left, float right) => left < right ? left : right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Floor(float value) => MathF.Floor(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GreaterThan(float left, float right) => left > right ? AllBitsSet : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GreaterThanOrEqual(float left, float right) => left >= right ? AllBitsSet : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LessThan(float left, float right) => left < right ? AllBitsSet : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool GreaterThanAny(float left, float right) => left > right;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyLaneSet(float mask) => BitConverter.SingleToUInt32Bits(mask) != 0;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float AddIntegers(float left, float right) => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(left) + BitConverter.SingleToInt32Bits(right));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SumIntegers(float value) => BitConverter.SingleToInt32Bits(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxInt16(float left, float right) =>
        Words(Math.Max(Lower(left), Lower(right)), Math.Max(Upper(left), Upper(right)));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxUInt16(float left, float right) =>
        Words(Math.Max((ushort)Lower(left), (ushort)Lower(right)), Math.Max((ushort)Upper(left), (ushort)Upper(right)));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool GreaterThanAnyInt16(float left, float right) => Lower(left) > Lower(right) || Upper(left) > Upper(right);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool GreaterThanAnyUInt16(float left, float right) =>
        (ushort)Lower(left) > (ushort)Lower(right) || (ushort)Upper(left) > (ushort)Upper(right);

    private static short Lower(float lane) => (short)BitConverter.SingleToUInt32Bits(lane);

    private static short Upper(float lane) => (short)(BitConverter.SingleToUInt32Bits(lane) >> 16);

    private static float Words(int lower, int upper) => BitConverter.UInt32BitsToSingle((ushort)lower | ((uint)(ushort)upper << 16));

    /// <inheritdoc/>
    public static float MaxAcross(float value) => value;

    /// <inheritdoc/>
    public static int CountGreaterThan(float left, float right) => left > right ? 1 : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ConditionalSelect(float mask, float ifTrue, float ifFalse) =>
        BitConverter.SingleToUInt32Bits(mask) != 0 ? ifTrue : ifFalse;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float BitwiseAnd(float left, float right) =>
        BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(left) & BitConverter.SingleToUInt32Bits(right));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float BitwiseOr(float left, float right) =>
        BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(left) | BitConverter.SingleToUInt32Bits(right));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ShiftLeftBits(float value, int count) => BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(value) << count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ShiftRightArithmeticBits(float value, int count) => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(value) >> count);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ShiftLowWordLeftSignExtended(float value, int count) => BitConverter.Int32BitsToSingle((short)BitConverter.SingleToInt32Bits(value) << count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Pow2(float integralExponent) => BitConverter.Int32BitsToSingle(((int)integralExponent + 127) << 23);

    public static unsafe void Prefetch(void* address)
    {
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ScaleByPow2(float p, float integralExponent) =>
        VectorMath.ScaleByPow2Portable<ScalarWidth, float>(p, integralExponent);

    /// <inheritdoc/>
    public static bool ScalesAnyExponent => false;

    /// <inheritdoc/>
    public static bool FusesMultiplyAdd => false;

    /// <inheritdoc/>
    public static bool LooksUpThirtyTwo => false;

    /// <inheritdoc/>
    public static float LookUpThirtyTwo(float lower, float upper, float index) =>
        throw new NotSupportedException("A 32-entry table lookup needs 16 lanes (see LooksUpThirtyTwo).");

    /// <inheritdoc/>
    public static float PowerOfEighths(float y) =>
        throw new NotSupportedException("The table of 2^(j/8) is AVX2's (Vector256Width).");

    /// <inheritdoc/>
    public static float PowerOfEighthsAbove(float y, float floor) =>
        throw new NotSupportedException("The table of 2^(j/8) is AVX2's (Vector256Width).");
}
