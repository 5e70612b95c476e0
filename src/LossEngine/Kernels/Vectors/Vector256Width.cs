using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LossEngine.Kernels.Vectors;

/// <summary>8 float lanes (AVX2 on x64).</summary>
internal readonly struct Vector256Width : IVectorWidth<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;

    public static bool IsHardwareAccelerated => Vector256.IsHardwareAccelerated;

    public static Vector256<float> Indices => Vector256<float>.Indices;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Create(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LoadSingle(ref float source, nuint elementOffset) => Vector256.LoadUnsafe(ref source, elementOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LoadWidenedBits(ref ushort source, nuint elementOffset) =>
        Vector256.WidenLower(Vector128.LoadUnsafe(ref source, elementOffset).ToVector256Unsafe()).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float destination, nuint elementOffset) => value.StoreUnsafe(ref destination, elementOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddWidened(Vector256<float> value, ref double destination)
    {
        (Vector256<double> lower, Vector256<double> upper) = Vector256.Widen(value);
        (Vector256.LoadUnsafe(ref destination) + lower).StoreUnsafe(ref destination);
        (Vector256.LoadUnsafe(ref destination, 4) + upper).StoreUnsafe(ref destination, 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> left, Vector256<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Subtract(Vector256<float> left, Vector256<float> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> left, Vector256<float> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MaxNative(Vector256<float> left, Vector256<float> right) => Vector256.MaxNative(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MinNative(Vector256<float> left, Vector256<float> right) => Vector256.MinNative(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Floor(Vector256<float> value) => Vector256.Floor(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> GreaterThan(Vector256<float> left, Vector256<float> right) => Vector256.GreaterThan(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> GreaterThanOrEqual(Vector256<float> left, Vector256<float> right) => Vector256.GreaterThanOrEqual(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LessThan(Vector256<float> left, Vector256<float> right) => Vector256.LessThan(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool GreaterThanAny(Vector256<float> left, Vector256<float> right) => Vector256.GreaterThanAny(left, right);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyLaneSet(Vector256<float> mask) => Vector256.ExtractMostSignificantBits(mask) != 0;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> AddIntegers(Vector256<float> left, Vector256<float> right) => (left.AsInt32() + right.AsInt32()).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SumIntegers(Vector256<float> value) => Vector256.Sum(value.AsInt32());

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MaxInt16(Vector256<float> left, Vector256<float> right) => Vector256.Max(left.AsInt16(), right.AsInt16()).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MaxUInt16(Vector256<float> left, Vector256<float> right) => Vector256.Max(left.AsUInt16(), right.AsUInt16()).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool GreaterThanAnyInt16(Vector256<float> left, Vector256<float> right) => Vector256.GreaterThanAny(left.AsInt16(), right.AsInt16());

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool GreaterThanAnyUInt16(Vector256<float> left, Vector256<float> right) => Vector256.GreaterThanAny(left.AsUInt16(), right.AsUInt16());

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector256<float> value) =>
        Vector256.EqualsAll(value, value)
            ? Vector128Width.MaxAcross(Vector128.MaxNative(value.GetLower(), value.GetUpper()))
            : float.NaN;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int CountGreaterThan(Vector256<float> left, Vector256<float> right) =>
        System.Numerics.BitOperations.PopCount(Vector256.ExtractMostSignificantBits(Vector256.GreaterThan(left, right)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ConditionalSelect(Vector256<float> mask, Vector256<float> ifTrue, Vector256<float> ifFalse) => Vector256.ConditionalSelect(mask, ifTrue, ifFalse);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> BitwiseAnd(Vector256<float> left, Vector256<float> right) => left & right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> BitwiseOr(Vector256<float> left, Vector256<float> right) => left | right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ShiftLeftBits(Vector256<float> value, int count) => Vector256.ShiftLeft(value.AsUInt32(), count).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ShiftRightArithmeticBits(Vector256<float> value, int count) => Vector256.ShiftRightArithmetic(value.AsInt32(), count).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ShiftLowWordLeftSignExtended(Vector256<float> value, int count) =>
        Avx2.IsSupported
            ? Avx2.MultiplyAddAdjacent(value.AsInt16(), Vector256.Create(1 << count).AsInt16()).AsSingle()
            : Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(value.AsInt32(), 16), 16 - count).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Pow2(Vector256<float> integralExponent) =>
        Vector256.ShiftLeft(Vector256.ConvertToInt32Native(integralExponent) + Vector256.Create(127), 23).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Prefetch(void* address)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(address);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ScaleByPow2(Vector256<float> p, Vector256<float> integralExponent) =>
        VectorMath.ScaleByPow2Portable<Vector256Width, Vector256<float>>(p, integralExponent);

    /// <inheritdoc/>
    public static bool ScalesAnyExponent => false;

    /// <inheritdoc/>
    /// <remarks>Inlined by force: where FMA is above the build's baseline (NativeAOT's x86-64-v2 build) NativeAOT checks
    /// it at run time, and left as a call the check would cost the main loops their registers.</remarks>
    public static bool FusesMultiplyAdd
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported;
    }

    /// <inheritdoc/>
    public static bool LooksUpThirtyTwo => false;

    /// <inheritdoc/>
    public static Vector256<float> LookUpThirtyTwo(Vector256<float> lower, Vector256<float> upper, Vector256<float> index) =>
        throw new NotSupportedException("A 32-entry table lookup needs 16 lanes (see LooksUpThirtyTwo).");

    /// <inheritdoc/>
    /// <remarks>The shift by 20 moves n + 127 into the exponent field and j just below it; the entry looked up is
    /// 2^(j/8)'s fraction bits less j·2^20, so one integer add leaves the bits of 2^(j/8)·2^n: exact wherever
    /// n + 127 ≥ 1. Where n + 127 is 0 the add leaves 2^(j/8)'s fraction bits with a zero exponent field, the
    /// subnormal (2^(j/8) − 1)·2^−126, within 2^−127 of the true power; below that the field's sign bit is set, and the
    /// signed maximum with 0 gives +0. The power takes no floating-point operation: the add and the maximum run on any
    /// vector pipe, the shift on two of them, beside the FMAs of the polynomial.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> PowerOfEighths(Vector256<float> y)
    {
        Vector256<int> bits = Avx2.PermuteVar8x32(Exp2EighthsFractionBitsLessIndex, y.AsInt32()) + Vector256.ShiftLeft(y.AsInt32(), 20);
        return Vector256.Max(bits, Vector256<int>.Zero).AsSingle();
    }

    /// <inheritdoc/>
    /// <remarks>Both the lookup and the shift take y raised to the floor, <see cref="VectorMath.EighthsPowerFloor"/>
    /// (n + 127 = 0, j = 0), whose shifted bits and entry are both 0: a raised y gives +0 and no y gives negative bits,
    /// so the maximum with 0 that <see cref="PowerOfEighths"/> takes is not needed. The lookup waits on the floor's
    /// maximum, one cycle beside the polynomial's longer chain.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> PowerOfEighthsAbove(Vector256<float> y, Vector256<float> floor)
    {
        Vector256<int> raised = Vector256.Max(y.AsInt32(), floor.AsInt32());
        return (Avx2.PermuteVar8x32(Exp2EighthsFractionBitsLessIndex, raised) + Vector256.ShiftLeft(raised, 20)).AsSingle();
    }

    /// <summary>For j = 0…7, the fraction bits of 2^(j/8) (every fourth entry of <see cref="VectorMath.Exp2Fractions"/>,
    /// whose exponent field is 127) less j·2^20, as a constant vector, which the lookup reads from memory.</summary>
    /// <remarks>Marked for inlining: in the comparison's AVX2 loop the JIT's budget ran out before this getter, and
    /// each call there spilled the loop's vectors around it.</remarks>
    internal static Vector256<int> Exp2EighthsFractionBitsLessIndex
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256.Create(0, -289342, -509968, -655657, -719629, -694486, -572163, -343865);
    }
}
