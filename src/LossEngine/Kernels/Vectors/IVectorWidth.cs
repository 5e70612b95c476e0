using System.Runtime.CompilerServices;

namespace LossEngine.Kernels.Vectors;

/// <summary>
/// One SIMD width (512, 256 or 128 bits, or one scalar lane) seen through the same set of float operations, so that
/// every kernel is written once as a generic method over <typeparamref name="TVector"/> and the JIT specialises it per
/// width. Implementations are empty structs whose members are one-line forwards to the BCL vector types.
/// </summary>
/// <typeparam name="TVector">The register type: <c>Vector512&lt;float&gt;</c>, <c>Vector256&lt;float&gt;</c>,
/// <c>Vector128&lt;float&gt;</c> or <c>float</c>.</typeparam>
/// <remarks>
/// Masks are vectors whose lanes are all-ones or all-zeros, as the BCL's comparison methods return them.
/// "Bits" operations treat the float lanes as 32-bit unsigned integers; they are used to widen bf16/fp16 inputs in
/// registers.
/// </remarks>
internal interface IVectorWidth<TVector> where TVector : unmanaged
{
    /// <summary>Number of float lanes.</summary>
    static abstract int Count { get; }

    /// <summary>Whether this width runs on hardware on this machine (checked once per call by the dispatcher).</summary>
    static abstract bool IsHardwareAccelerated { get; }

    /// <summary>The lane indices 0, 1, …, Count−1 as floats.</summary>
    static abstract TVector Indices { get; }

    static abstract TVector Create(float value);

    static abstract TVector LoadSingle(ref float source, nuint elementOffset);

    /// <summary>Loads Count 16-bit values and zero-extends each into the low bits of a 32-bit lane.</summary>
    static abstract TVector LoadWidenedBits(ref ushort source, nuint elementOffset);

    static abstract void Store(TVector value, ref float destination, nuint elementOffset);

    /// <summary>Adds each lane, widened to double (exactly), to the Count doubles at <paramref name="destination"/>:
    /// the same sums as a lane-by-lane loop, in a few vector instructions.</summary>
    static abstract void AddWidened(TVector value, ref double destination);

    static abstract TVector Add(TVector left, TVector right);

    static abstract TVector Subtract(TVector left, TVector right);

    static abstract TVector Multiply(TVector left, TVector right);

    /// <summary>(a·b)+c, fused where the hardware has FMA, otherwise a multiply and an add (never a software FMA).</summary>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);

    /// <summary>Whether <see cref="MultiplyAdd"/> rounds once (hardware FMA). Without it a·b is rounded first, which
    /// matters where a product must be exact (the exp's one-constant argument reduction).</summary>
    static abstract bool FusesMultiplyAdd { get; }

    /// <summary>The hardware maximum. On x64 <c>maxps(a, b)</c> returns <paramref name="right"/> when either is NaN;
    /// on ARM64 it returns NaN. Callers that need NaN to survive pass the candidate as <paramref name="right"/>.</summary>
    static abstract TVector MaxNative(TVector left, TVector right);

    /// <summary>The hardware minimum, with the same NaN rule as <see cref="MaxNative"/>.</summary>
    static abstract TVector MinNative(TVector left, TVector right);

    static abstract TVector Floor(TVector value);

    static abstract TVector GreaterThan(TVector left, TVector right);

    static abstract TVector GreaterThanOrEqual(TVector left, TVector right);

    static abstract TVector LessThan(TVector left, TVector right);

    static abstract bool GreaterThanAny(TVector left, TVector right);

    /// <summary>Whether any lane of a comparison's mask is set: one test for several comparisons or-ed together, where
    /// a <see cref="GreaterThanAny"/> each would cost a test and a branch each.</summary>
    static abstract bool AnyLaneSet(TVector mask);

    /// <summary>The lanes added as 32-bit integers. Comparison masks are −1 where set, so a sum of them counts, per lane,
    /// how often a comparison held: in vector registers, where a count per mask moves each one to an integer register.</summary>
    static abstract TVector AddIntegers(TVector left, TVector right);

    /// <summary>The sum of the lanes read as 32-bit integers.</summary>
    static abstract int SumIntegers(TVector value);

    /// <summary>The lanes read as 16-bit signed integers, two to a float lane: the larger of each pair. The raw words of
    /// a bf16 or fp16 row hold the elements so; a positive element's pattern orders as its value does.</summary>
    static abstract TVector MaxInt16(TVector left, TVector right);

    /// <summary>As <see cref="MaxInt16"/>, the integers unsigned.</summary>
    static abstract TVector MaxUInt16(TVector left, TVector right);

    /// <summary>Whether any 16-bit signed integer of <paramref name="left"/> is greater than its counterpart in
    /// <paramref name="right"/>.</summary>
    static abstract bool GreaterThanAnyInt16(TVector left, TVector right);

    /// <summary>As <see cref="GreaterThanAnyInt16"/>, the integers unsigned.</summary>
    static abstract bool GreaterThanAnyUInt16(TVector left, TVector right);

    /// <summary>The largest lane; NaN when any lane is NaN. For the rare and per-row paths (a raised reference maximum,
    /// a row's first maximum), where a store and a scalar loop cost more than the reduction.</summary>
    static abstract float MaxAcross(TVector value);

    /// <summary>How many lanes have left &gt; right (a NaN lane never counts). Used for the target's rank: a mask count
    /// in an integer register costs one vector compare, where counting in a vector takes a compare, a mask and an add
    /// on the floating-point ports the exp already keeps busy.</summary>
    static abstract int CountGreaterThan(TVector left, TVector right);

    /// <summary>Per lane: mask ? ifTrue : ifFalse.</summary>
    static abstract TVector ConditionalSelect(TVector mask, TVector ifTrue, TVector ifFalse);

    static abstract TVector BitwiseAnd(TVector left, TVector right);

    static abstract TVector BitwiseOr(TVector left, TVector right);

    static abstract TVector ShiftLeftBits(TVector value, int count);

    /// <summary>Shifts each lane's 32 bits right, copying the sign bit into the bits vacated.</summary>
    static abstract TVector ShiftRightArithmeticBits(TVector value, int count);

    /// <summary>Each lane's lower 16 bits read as a signed integer, widened to 32 bits and shifted left by
    /// <paramref name="count"/> (0 to 14: the factor 2^count must be a positive 16-bit integer); the lane's upper 16
    /// bits are ignored. The same as a shift left by 16 and an arithmetic shift right by 16 − <paramref name="count"/>.
    /// </summary>
    /// <remarks>On x64 one multiply-add of adjacent words (<c>pmaddwd</c>, the lower word times 2^count, the upper times
    /// 0) in place of the two shifts. On Sapphire Rapids it issues on either 512-bit port, where shifts take port 0
    /// only (bench/results/limits-intel-xeon-spr-2vcpu.md).</remarks>
    static abstract TVector ShiftLowWordLeftSignExtended(TVector value, int count);

    /// <summary>2^n for lanes holding integral n in [−127, 127], built directly in the exponent field; n = −127 builds an
    /// all-zero field, +0.</summary>
    /// <remarks>The float-to-integer conversion is the hardware's own (<c>ConvertToInt32Native</c>): n is integral and in
    /// range, where .NET's saturating conversion costs four more instructions on x64 (two compares, a mask and a
    /// blend) for NaN and out-of-range lanes that cannot occur here.</remarks>
    static abstract TVector Pow2(TVector integralExponent);

    /// <summary>Prefetches the cache line at <paramref name="address"/> into all cache levels. A no-op where the
    /// platform has no prefetch intrinsic. Prefetches never fault, so an address past the end of the data is safe.</summary>
    static abstract unsafe void Prefetch(void* address);

    /// <summary>p·2^n for integral n in [−152, 128], with gradual underflow to zero and overflow to +∞.</summary>
    /// <remarks>Portable widths call <see cref="VectorMath.ScaleByPow2Portable{TWidth, TVector}"/>; AVX-512 uses
    /// <c>vscalefps</c>.</remarks>
    static abstract TVector ScaleByPow2(TVector p, TVector integralExponent);

    /// <summary>Whether <see cref="ScaleByPow2"/> takes any float exponent (AVX-512 <c>vscalefps</c>): a huge negative
    /// exponent then gives 0 and an infinite or NaN one a non-finite result, never a wrong finite value, which lets the
    /// row kernel skip clamping its exp arguments (see RowStatisticsKernel).</summary>
    static abstract bool ScalesAnyExponent { get; }

    /// <summary>Whether <see cref="LookUpThirtyTwo"/> is one instruction at this width (AVX-512 <c>vpermt2ps</c>), which
    /// lets <see cref="VectorMath.ExpForSum{TWidth, TVector}(TVector, in SumExpConstants{TVector})"/> use a table of
    /// 2^(j/32) and a degree-2 polynomial. Only a 16-lane width holds a 32-entry table in two registers.</summary>
    static abstract bool LooksUpThirtyTwo { get; }

    /// <summary>Per lane: entry (bits of <paramref name="index"/> &amp; 31) of the 32-entry table whose entries 0–15 are
    /// <paramref name="lower"/> and 16–31 <paramref name="upper"/>. Only where <see cref="LooksUpThirtyTwo"/>.</summary>
    static abstract TVector LookUpThirtyTwo(TVector lower, TVector upper, TVector index);

    /// <summary>Per lane 2^(j/8)·2^n (below 2^−126 where n + 127 is 0, +0 where it is negative), from the bits of
    /// <paramref name="y"/>: its low three bits are j and the next nine n + 127 as a signed integer (see
    /// VectorMath.EighthsRoundingMagic). The entries 2^(j/8) are every fourth entry of VectorMath.Exp2Fractions. Only at
    /// AVX2's width (<c>vpermd</c> looks the eight entries up in one instruction) with FMA: the callers test for that as
    /// <c>typeof(TWidth) == typeof(Vector256Width) &amp;&amp; Avx2.IsSupported &amp;&amp; Fma.IsSupported</c>, which the
    /// compiler folds while it reads the caller, so that the exp forms not taken cost the main loops none of their
    /// inlining budget (a width property would be a call, folded only later).</summary>
    /// <remarks>One method with its table inside, not a lookup, a shift, an add and a maximum as width primitives: the
    /// main loops inline four of these per group, and each inlined call counts against the JIT's (and NativeAOT's)
    /// inlining budget, past which the compiler leaves calls in the loop.</remarks>
    static abstract TVector PowerOfEighths(TVector y);

    /// <summary><see cref="PowerOfEighths"/> of <paramref name="y"/> raised to at least <paramref name="floor"/>, both read
    /// as 32-bit integers: for an exp whose y can lie far below the magic's range, where its bits would wrap (see
    /// VectorMath.ExpForSumByEighthsFromMagic). The same conditions as <see cref="PowerOfEighths"/>.</summary>
    static abstract TVector PowerOfEighthsAbove(TVector y, TVector floor);
}
