using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LossEngine.Kernels.Vectors;

/// <summary>4 float lanes (SSE on x64, NEON on ARM64).</summary>
internal readonly struct Vector128Width : IVectorWidth<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;

    public static bool IsHardwareAccelerated => Vector128.IsHardwareAccelerated;

    public static Vector128<float> Indices => Vector128<float>.Indices;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Create(float value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LoadSingle(ref float source, nuint elementOffset) => Vector128.LoadUnsafe(ref source, elementOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LoadWidenedBits(ref ushort source, nuint elementOffset) =>
        Vector128.WidenLower(Vector64.LoadUnsafe(ref source, elementOffset).ToVector128Unsafe()).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, ref float destination, nuint elementOffset) => value.StoreUnsafe(ref destination, elementOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddWidened(Vector128<float> value, ref double destination)
    {
        (Vector128<double> lower, Vector128<double> upper) = Vector128.Widen(value);
        (Vector128.LoadUnsafe(ref destination) + lower).StoreUnsafe(ref destination);
        (Vector128.LoadUnsafe(ref destination, 2) + upper).StoreUnsafe(ref destination, 2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> left, Vector128<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Subtract(Vector128<float> left, Vector128<float> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Multiply(Vector128<float> left, Vector128<float> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MaxNative(Vector128<float> left, Vector128<float> right) => Vector128.MaxNative(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MinNative(Vector128<float> left, Vector128<float> right) => Vector128.MinNative(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Floor(Vector128<float> value) => Vector128.Floor(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> GreaterThan(Vector128<float> left, Vector128<float> right) => Vector128.GreaterThan(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> GreaterThanOrEqual(Vector128<float> left, Vector128<float> right) => Vector128.GreaterThanOrEqual(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LessThan(Vector128<float> left, Vector128<float> right) => Vector128.LessThan(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool GreaterThanAny(Vector128<float> left, Vector128<float> right) => Vector128.GreaterThanAny(left, right);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyLaneSet(Vector128<float> mask) =>
        // NEON has no move-mask: the JIT builds one from a shift per lane and an across-lanes add (five instructions and a
        // constant), where a mask's lanes being all ones or zero lets a test of any lane against zero take a pairwise
        // maximum and one move to a general register.
        System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported
            ? mask.AsUInt32() != Vector128<uint>.Zero
            : Vector128.ExtractMostSignificantBits(mask) != 0;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> AddIntegers(Vector128<float> left, Vector128<float> right) => (left.AsInt32() + right.AsInt32()).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SumIntegers(Vector128<float> value) => Vector128.Sum(value.AsInt32());

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MaxInt16(Vector128<float> left, Vector128<float> right) => Vector128.Max(left.AsInt16(), right.AsInt16()).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MaxUInt16(Vector128<float> left, Vector128<float> right) => Vector128.Max(left.AsUInt16(), right.AsUInt16()).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool GreaterThanAnyInt16(Vector128<float> left, Vector128<float> right) => Vector128.GreaterThanAny(left.AsInt16(), right.AsInt16());

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool GreaterThanAnyUInt16(Vector128<float> left, Vector128<float> right) => Vector128.GreaterThanAny(left.AsUInt16(), right.AsUInt16());

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector128<float> value)
    {
        if (!Vector128.EqualsAll(value, value))
        {
            return float.NaN;
        }

        // Two swaps, of halves and then of neighbours, leave the maximum in every lane.
        Vector128<float> halves = Vector128.MaxNative(value, Vector128.Shuffle(value, Vector128.Create(2, 3, 0, 1)));
        return Vector128.MaxNative(halves, Vector128.Shuffle(halves, Vector128.Create(1, 0, 3, 2))).ToScalar();
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int CountGreaterThan(Vector128<float> left, Vector128<float> right)
    {
        Vector128<float> greater = Vector128.GreaterThan(left, right);
        if (System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported)
        {
            // NEON has no move-mask; true lanes are −1 as integers, and one across-lanes add sums them.
            return -Vector128.Sum(greater.AsInt32());
        }

        return System.Numerics.BitOperations.PopCount(Vector128.ExtractMostSignificantBits(greater));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ConditionalSelect(Vector128<float> mask, Vector128<float> ifTrue, Vector128<float> ifFalse) => Vector128.ConditionalSelect(mask, ifTrue, ifFalse);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> BitwiseAnd(Vector128<float> left, Vector128<float> right) => left & right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> BitwiseOr(Vector128<float> left, Vector128<float> right) => left | right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ShiftLeftBits(Vector128<float> value, int count) => Vector128.ShiftLeft(value.AsUInt32(), count).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ShiftRightArithmeticBits(Vector128<float> value, int count) => Vector128.ShiftRightArithmetic(value.AsInt32(), count).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ShiftLowWordLeftSignExtended(Vector128<float> value, int count) =>
        Sse2.IsSupported
            ? Sse2.MultiplyAddAdjacent(value.AsInt16(), Vector128.Create(1 << count).AsInt16()).AsSingle()
            : Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(value.AsInt32(), 16), 16 - count).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Pow2(Vector128<float> integralExponent) =>
        Vector128.ShiftLeft(Vector128.ConvertToInt32Native(integralExponent) + Vector128.Create(127), 23).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Prefetch(void* address)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(address);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ScaleByPow2(Vector128<float> p, Vector128<float> integralExponent) =>
        VectorMath.ScaleByPow2Portable<Vector128Width, Vector128<float>>(p, integralExponent);

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
    public static Vector128<float> LookUpThirtyTwo(Vector128<float> lower, Vector128<float> upper, Vector128<float> index) =>
        throw new NotSupportedException("A 32-entry table lookup needs 16 lanes (see LooksUpThirtyTwo).");

    /// <inheritdoc/>
    public static Vector128<float> PowerOfEighths(Vector128<float> y) =>
        throw new NotSupportedException("The table of 2^(j/8) is AVX2's (Vector256Width).");

    /// <inheritdoc/>
    public static Vector128<float> PowerOfEighthsAbove(Vector128<float> y, Vector128<float> floor) =>
        throw new NotSupportedException("The table of 2^(j/8) is AVX2's (Vector256Width).");
}
