using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LossEngine.Kernels.Vectors;

namespace LossEngine.Kernels;

/// <summary>Width-generic float math used by the row kernels: a fast exp and the in-register widening of bf16 and fp16.</summary>
internal static class VectorMath
{
    /// <summary>Arguments below this give exp() = 0: e^−105 ≈ 2.5e−46 is under half the smallest subnormal float.</summary>
    public const float ExpArgumentFloor = -105f;

    /// <summary>Arguments above this overflow to +∞ (e^88.7228 is float.MaxValue).</summary>
    private const float ExpArgumentCeiling = 89f;

    internal const float Log2E = 1.44269504088896341f;

    // Cody–Waite split of ln 2: the high part has 9 significant bits, so n·Ln2High is exact for |n| ≤ 2^15 and the
    // reduction r = x − n·ln2 loses nothing to cancellation even without FMA.
    private const float Ln2High = 0.693359375f;
    internal const float Ln2 = 0.693147182f;
    private const float Ln2Low = -2.12194440e-4f;

    // Adding 1.5·2^23 pushes the fraction out of the mantissa, so (y + magic) − magic is y rounded to the nearest
    // integer (ties to even) in two cheap adds, where a rounding instruction costs two micro-ops on x64.
    internal const float RoundingMagic = 12582912f;

    // The same magic plus the exponent bias: y = x·log2 e + BiasedRoundingMagic rounds as y with RoundingMagic does (the
    // same binade, spacing 1), and its low nine bits hold n + 127, which shifted into the exponent field are the bits of
    // 2^n. Raising y to at least RoundingMagic (n + 127 = 0: +0) keeps n + 127 from wrapping below zero.
    internal const float BiasedRoundingMagic = RoundingMagic + 127f;

    // Degree-6 polynomial for e^r on [−ln2/2, ln2/2] with p(0) = 1, fitted for minimal relative error by Lawson-weighted
    // least squares (mpmath, 40 digits, 400 Chebyshev nodes); its own error is 2.0e-9, a thirtieth of a float ulp, so
    // the result's error is the Horner rounding, under 1 ulp.
    private const float C1 = 1.0000000322e+00f;
    private const float C2 = 4.9999994209e-01f;
    private const float C3 = 1.6666431258e-01f;
    private const float C4 = 4.1668002074e-02f;
    private const float C5 = 8.3741555951e-03f;
    private const float C6 = 1.3843652358e-03f;

    // Degree-5 polynomial for the terms of a sum, on the same interval and fitted the same way (2000 Chebyshev nodes):
    // its own relative error is 9.1e-8 and, with the Horner rounding, 1.5e-7 (1.3 float ulp) in all. A sum of such terms
    // is within 1.5e-7 relatively, so a log-sum-exp within 1.5e-7 absolutely, far inside the kernels' stated bound.
    internal const float S1 = 9.999997e-01f;
    internal const float S2 = 4.999915e-01f;
    internal const float S3 = 1.6667636e-01f;
    internal const float S4 = 4.189793e-02f;
    internal const float S5 = 8.290315e-03f;

    // The exp of a sum's terms at widths with a 32-entry table lookup (AVX-512 vpermt2ps): e^x = 2^k·2^(j/32)·e^r, with
    // k + j/32 = x·log2 e rounded to a multiple of 1/32, so r ∈ [−ln2/64, ln2/64] and a degree-2 polynomial suffices.
    // Adding 1.5·2^18 rounds to multiples of 1/32 as RoundingMagic rounds to integers, and leaves j in the low five bits.
    internal const float TableRoundingMagic = 393216f;

    // e^r ≈ 1 + r·(T1 + T2·r) on [−ln2/64, ln2/64], fitted for minimal relative error (Lawson-weighted least squares,
    // 4000 Chebyshev nodes): 5.3e−8.
    internal const float T1 = 1.0000147f;
    internal const float T2 = 0.50000054f;

    // The exp of a sum's terms at widths with an eight-entry table lookup but no vscalefps (AVX2 vpermps): e^x =
    // 2^n·2^(j/8)·e^r, with k = 8n + j = x·8·log2 e rounded to an integer, so r ∈ [−ln2/16, ln2/16] and a degree-3
    // polynomial suffices. The rounding magic is 1.5·2^23 + 8·127: y = x·8·log2 e + magic holds k + 1016 = 8(n + 127) + j
    // in its low bits, so the same bits give the table index (the low three) and, shifted into the exponent field, 2^n.
    internal const float EighthsRoundingMagic = RoundingMagic + 1016f;

    /// <summary>The eighths form's y for k = 8n + j = −1016 (n + 127 = 0, j = 0), 1.5·2^23: its bits shifted into the
    /// exponent field are 0 and so is its table entry, so its power is +0. Raising y to at least this (as 32-bit integers;
    /// both are positive floats in the magic's binade or y lies below it) keeps the bits that
    /// <see cref="IVectorWidth{TVector}.PowerOfEighthsAbove"/> reads from wrapping far below the reference, and changes
    /// no term: at and below k = −1016 every power is already +0 (for n + 127 = 0 and j &gt; 0 the power is the
    /// subnormal that <see cref="IVectorWidth{TVector}.PowerOfEighths"/> describes, as without the floor).</summary>
    internal const float EighthsPowerFloor = EighthsRoundingMagic - 1016f;

    // e^r ≈ 1 + r + r²·(E2 + E3·r) on [−ln2/16, ln2/16], fitted for minimal relative error (Lawson-weighted least
    // squares, 4000 Chebyshev nodes; the linear coefficient rounds to 1): 2.6e−8.
    internal const float E2 = 0.50006455f;
    internal const float E3 = 0.16666403f;

    /// <summary>2^(j/32) for j = 0…31, each rounded to float (within 5.6e−8).</summary>
    internal static ReadOnlySpan<float> Exp2Fractions =>
    [
        1f, 1.0218972f, 1.0442737f, 1.0671405f, 1.0905077f, 1.1143868f, 1.1387886f, 1.1637249f,
        1.1892071f, 1.2152474f, 1.2418578f, 1.269051f, 1.2968396f, 1.3252367f, 1.3542556f, 1.38391f,
        1.4142135f, 1.4451808f, 1.4768262f, 1.5091645f, 1.5422108f, 1.5759809f, 1.6104903f, 1.6457555f,
        1.6817929f, 1.7186193f, 1.7562522f, 1.7947091f, 1.8340081f, 1.8741677f, 1.9152066f, 1.9571441f,
    ];

    /// <summary>
    /// e^x per lane, within 2 ulp of the correctly rounded result wherever that result is a normal float (tested over
    /// [−104, 89]). Results in the subnormal range are approximate; arguments below −105 give +0, above 88.73 give +∞;
    /// −∞ gives +0, +∞ gives +∞, NaN gives NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Exp<TWidth, TVector>(TVector x)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        // The argument goes in the right-hand slot so that a NaN survives the hardware min/max (see MaxNative).
        x = TWidth.MaxNative(TWidth.Create(ExpArgumentFloor), x);
        x = TWidth.MinNative(TWidth.Create(ExpArgumentCeiling), x);
        return ExpOfClampedArgument<TWidth, TVector>(x);
    }

    /// <summary>e^x for x already within [−105, 89] (or NaN): <see cref="Exp{TWidth, TVector}"/> without the clamps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector ExpOfClampedArgument<TWidth, TVector>(TVector x)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        TVector n = NearestExponent<TWidth, TVector>(x);
        TVector r = TWidth.MultiplyAdd(n, TWidth.Create(-Ln2High), x);
        r = TWidth.MultiplyAdd(n, TWidth.Create(-Ln2Low), r);
        return ScaledPolynomial<TWidth, TVector>(r, n);
    }

    /// <summary>
    /// e^x for the terms of a sum of exponentials (x ≤ 88, or NaN; below −105 see the row kernel's UnclampedShift,
    /// which relies on vscalefps, or at AVX2 on the floored power of ExpForSumByEighthsFromMagic, to turn such terms
    /// into 0 or a non-finite value): <see cref="ExpOfClampedArgument"/>
    /// with the argument reduced by one fused multiply-add against ln 2 rounded to float instead of the two-constant
    /// split, and the degree-5 polynomial. The rounding of ln 2 (1.9e−9) adds |n|·1.9e−9 to the relative error,
    /// n = round(x·log2 e): under 1.4e−8 for the terms within 5 of the maximum, which carry the sum, and at most 3e−7
    /// for terms below e^−100, which weigh nothing beside them; the polynomial adds 1.5e−7 at most. Σ e^(x−m) and
    /// Σ e^(x−m)·(x−m) stay within the kernels' bound, and each exp costs two FMAs fewer than <see cref="Exp"/>, which
    /// the compute-bound bf16 and fp16 rows turn into speed (bench/results). Widths without a fused multiply-add use the
    /// two-constant reduction and the degree-6 polynomial.
    /// <para>At AVX-512 the table of 2^(j/32) replaces the degree-5 polynomial by a degree-2 one and a table lookup: two
    /// floating-point operations fewer on the exp's dependency chain, which is what binds these loops (bench/limits). Its
    /// error: 5.3e−8 from the polynomial, 5.6e−8 from the table's rounding, one rounding in the final FMA, plus the same
    /// |n|·1.9e−9 from ln 2: 1.8e−7 within 5 of the maximum and 2.2e−7 at x = −20 (a numpy emulation of the float
    /// steps; VectorMathTests holds both forms to 2.4e−7).</para>
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector ExpForSum<TWidth, TVector>(TVector x)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        return ExpForSum<TWidth, TVector>(x, SumExpConstants<TVector>.Create<TWidth>());
    }

    /// <summary><see cref="ExpForSum{TWidth, TVector}(TVector)"/> with its constants given: a loop that takes them from
    /// a <see cref="SumExpConstants{TVector}"/> it did not build itself keeps them in registers, where the JIT would
    /// otherwise load each constant again in every iteration. Through the table of 2^(j/32) at AVX-512, the table of
    /// 2^(j/8) at AVX2 (<see cref="ExpForSumByEighths{TWidth, TVector}(TVector)"/>, which takes no constants from
    /// <paramref name="k"/>), and the degree-5 polynomial elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector ExpForSum<TWidth, TVector>(TVector x, in SumExpConstants<TVector> k)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged =>
        TWidth.LooksUpThirtyTwo && TWidth.FusesMultiplyAdd ? ExpForSumByTable<TWidth, TVector>(x, k)
        // The eighths form's test is written out where it is used, as IVectorWidth.PowerOfEighths explains.
        : typeof(TWidth) == typeof(Vector256Width) && Avx2.IsSupported && Fma.IsSupported ? ExpForSumByEighths<TWidth, TVector>(x)
        : ExpForSumByPolynomial<TWidth, TVector>(x, k);

    /// <summary>Whether <see cref="ExpForSum{TWidth, TVector}(TVector, in SumExpConstants{TVector})"/> takes the degree-5
    /// polynomial with its power of two from the rounding's bits (<see cref="ScaleTermByPow2"/>): with FMA, without
    /// <c>vscalefps</c> and outside AVX2's table form: the 128-bit width on NEON, and on x64 with FMA (rows of 4–7
    /// elements, which the wider widths do not take). Its term for an argument far below the range is then +0, or a NaN
    /// where the reduced argument overflows the polynomial (arguments below about −3·10^14), never a wrong finite value,
    /// which lets the row and comparison kernels skip their clamps as where <c>vscalefps</c> scales (see
    /// UnclampedShift).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool FloorsPolynomialPower<TWidth, TVector>()
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged =>
        TWidth.FusesMultiplyAdd && !TWidth.ScalesAnyExponent && !(typeof(TWidth) == typeof(Vector256Width) && Avx2.IsSupported && Fma.IsSupported);

    /// <summary><see cref="ExpForSum{TWidth, TVector}(TVector, in SumExpConstants{TVector})"/> by the degree-5
    /// polynomial at every width: the comparison kernel's single steps, which stay out of its 512-bit main loop's
    /// registers and inlining budget by taking no table.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector ExpForSumByPolynomial<TWidth, TVector>(TVector x, in SumExpConstants<TVector> k)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        if (!TWidth.FusesMultiplyAdd)
        {
            // Without a fused multiply-add, n·ln2 would be rounded before the subtraction (an error of up to an ulp of
            // n·ln2, 1e−6 relative at n = 20); the two-constant split keeps the product exact.
            return ExpOfClampedArgument<TWidth, TVector>(x);
        }

        TVector y = TWidth.MultiplyAdd(x, k.Log2E, k.BiasedRoundingMagic);
        TVector n = TWidth.Subtract(y, k.BiasedRoundingMagic);
        TVector r = TWidth.MultiplyAdd(n, k.MinusLn2, x);
        TVector p = TWidth.MultiplyAdd(k.S5, r, k.S4);
        p = TWidth.MultiplyAdd(p, r, k.S3);
        p = TWidth.MultiplyAdd(p, r, k.S2);
        p = TWidth.MultiplyAdd(p, r, k.S1);
        p = TWidth.MultiplyAdd(p, r, k.One);
        return ScaleTermByPow2<TWidth, TVector>(p, n, y);
    }

    /// <summary>p·2^n for a term of a sum, where y = x·log2 e + <see cref="BiasedRoundingMagic"/> and n = y − that magic:
    /// <c>vscalefps</c> where the width has it; elsewhere one power of two built in the exponent field from y's bits,
    /// raised to at least <see cref="RoundingMagic"/>'s (n + 127 = 0) and shifted left 23. That needs no conversion of n
    /// to an integer and no add of the bias, where the exact scaling takes two powers (and a floor, a subtract and a
    /// multiply more).</summary>
    /// <remarks>2^−127 built that way has an all-zero exponent field and mantissa: +0. So every term that would be
    /// subnormal (below e^−87.3) becomes exactly 0, where the exact scaling underflowed gradually; beside the row's
    /// largest term, e^0 = 1, a row of 262144 of them moves a sum by 3e−33 relatively, and a term of 0 still counts as
    /// no probability (the comparison kernel's unsupported mass). n ≤ 127 needs x ≤ 88, which the kernels keep (x − m is
    /// at most the rescale margin).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector ScaleTermByPow2<TWidth, TVector>(TVector p, TVector n, TVector y)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        if (TWidth.ScalesAnyExponent)
        {
            return TWidth.ScaleByPow2(p, n);
        }

        // Positive floats order as their bits do, so the float maximum is the floor on n + 127. A NaN y (x NaN) gives
        // some power; p is NaN with it, and so is the term.
        return TWidth.Multiply(p, TWidth.ShiftLeftBits(TWidth.MaxNative(TWidth.Create(RoundingMagic), y), 23));
    }

    /// <summary>The exp for sums through the 32-entry table of 2^(j/32) (see <see cref="TableRoundingMagic"/>); only
    /// where the width looks the table up in one instruction and scales by vscalefps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector ExpForSumByTable<TWidth, TVector>(TVector x, in SumExpConstants<TVector> k)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        TVector y = TWidth.MultiplyAdd(x, k.Log2E, k.TableRoundingMagic);
        TVector scaled = TWidth.Subtract(y, k.TableRoundingMagic);
        TVector reduced = TWidth.MultiplyAdd(scaled, k.MinusLn2, x);
        TVector fraction = TWidth.LookUpThirtyTwo(k.Exp2FractionsLower, k.Exp2FractionsUpper, y);
        TVector q = TWidth.Multiply(TWidth.MultiplyAdd(k.T2, reduced, k.T1), reduced);

        // 2^(j/32)·(1 + q) rounds once, in the FMA. vscalefps (the only width with the table) scales by the floor of its
        // exponent, k, so the exponent goes in as k + j/32 unchanged.
        return TWidth.ScaleByPow2(TWidth.MultiplyAdd(fraction, q, fraction), scaled);
    }

    /// <summary>The exp for sums through the eight-entry table of 2^(j/8) (see <see cref="EighthsRoundingMagic"/>), for
    /// x in [−105, 88], the range the kernels clamp x − max to at this width (outside it the exponent field wraps); only
    /// at AVX2's width with FMA (see <see cref="IVectorWidth{TVector}.PowerOfEighths"/>). After the reduction it takes
    /// r², E2 + E3·r beside it, r + r²·(E2 + E3·r) and 2^(j/8)·2^n·(1 + that): three steps on the exp's dependency chain
    /// where the degree-5 polynomial in Horner form takes five FMAs, and the power of two comes from the same bits as the
    /// index, in integer operations beside the polynomial. The chain's length is what the 256-bit loops wait on
    /// (bench/results/kernels-amd-epyc-zen3-2vcpu.md).</summary>
    /// <remarks>Error: 2.6e−8 from the polynomial, 6e−8 from the table's rounding, the roundings of the polynomial's steps
    /// and the final FMA, plus |k/8|·1.9e−9 from ln 2 rounded to float (as in the other forms). 2^(j/8)·2^n is built in the
    /// exponent field from n + 127 as the bits hold it (see <see cref="IVectorWidth{TVector}.PowerOfEighths"/>): at
    /// n = −127 (x in (−88.03, −87.38]) it is a subnormal within 2^−127 of the power, and below that +0, so the terms
    /// below e^−88 are exactly 0, as the polynomial form's are below −87.68. The constants are not held in registers: on an
    /// AVX2 machine the JIT has 16 vector registers, and the four interleaved exps with their constants held would spill
    /// their intermediate values, where a constant reloaded from memory costs a load port only.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector ExpForSumByEighths<TWidth, TVector>(TVector x)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        TVector magic = TWidth.Create(EighthsRoundingMagic);
        TVector y = TWidth.MultiplyAdd(x, TWidth.Create(8 * Log2E), magic);
        TVector r = TWidth.MultiplyAdd(TWidth.Subtract(y, magic), TWidth.Create(-Ln2 / 8), x);
        TVector scale = TWidth.PowerOfEighths(y);
        TVector q = TWidth.MultiplyAdd(TWidth.Multiply(r, r), TWidth.MultiplyAdd(TWidth.Create(E3), r, TWidth.Create(E2)), r);
        return TWidth.MultiplyAdd(scale, q, scale);
    }

    /// <summary><see cref="ExpForSumByEighths{TWidth, TVector}(TVector)"/> of four vectors, step by step across
    /// them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ExpForSumByEighths<TWidth, TVector>(ref TVector x0, ref TVector x1, ref TVector x2, ref TVector x3)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        TVector magic = TWidth.Create(EighthsRoundingMagic);
        TVector log2E = TWidth.Create(8 * Log2E);
        TVector y0 = TWidth.MultiplyAdd(x0, log2E, magic);
        TVector y1 = TWidth.MultiplyAdd(x1, log2E, magic);
        TVector y2 = TWidth.MultiplyAdd(x2, log2E, magic);
        TVector y3 = TWidth.MultiplyAdd(x3, log2E, magic);
        TVector minusLn2 = TWidth.Create(-Ln2 / 8);
        x0 = TWidth.MultiplyAdd(TWidth.Subtract(y0, magic), minusLn2, x0);
        x1 = TWidth.MultiplyAdd(TWidth.Subtract(y1, magic), minusLn2, x1);
        x2 = TWidth.MultiplyAdd(TWidth.Subtract(y2, magic), minusLn2, x2);
        x3 = TWidth.MultiplyAdd(TWidth.Subtract(y3, magic), minusLn2, x3);
        TVector s0 = TWidth.PowerOfEighths(y0);
        TVector s1 = TWidth.PowerOfEighths(y1);
        TVector s2 = TWidth.PowerOfEighths(y2);
        TVector s3 = TWidth.PowerOfEighths(y3);
        EighthsTerms<TWidth, TVector>(ref x0, ref x1, ref x2, ref x3, s0, s1, s2, s3);
    }

    /// <summary>The eighths form's last steps for four vectors, from the reduced arguments r (in <paramref name="r0"/>…)
    /// and the powers 2^(j/8)·2^n: r + r²·(E2 + E3·r), then the power times one plus that, step by step across the
    /// four.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void EighthsTerms<TWidth, TVector>(ref TVector r0, ref TVector r1, ref TVector r2, ref TVector r3, TVector s0, TVector s1, TVector s2, TVector s3)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        TVector e3 = TWidth.Create(E3), e2 = TWidth.Create(E2);
        TVector y0 = TWidth.MultiplyAdd(e3, r0, e2);
        TVector y1 = TWidth.MultiplyAdd(e3, r1, e2);
        TVector y2 = TWidth.MultiplyAdd(e3, r2, e2);
        TVector y3 = TWidth.MultiplyAdd(e3, r3, e2);
        y0 = TWidth.MultiplyAdd(TWidth.Multiply(r0, r0), y0, r0);
        y1 = TWidth.MultiplyAdd(TWidth.Multiply(r1, r1), y1, r1);
        y2 = TWidth.MultiplyAdd(TWidth.Multiply(r2, r2), y2, r2);
        y3 = TWidth.MultiplyAdd(TWidth.Multiply(r3, r3), y3, r3);
        r0 = TWidth.MultiplyAdd(s0, y0, s0);
        r1 = TWidth.MultiplyAdd(s1, y1, s1);
        r2 = TWidth.MultiplyAdd(s2, y2, s2);
        r3 = TWidth.MultiplyAdd(s3, y3, s3);
    }

    /// <summary>e^(x − k·ln2/8) of four vectors by the eighths form, for a row kernel whose reference maximum is carried in
    /// the rounding magic instead of subtracted from every logit: <paramref name="shiftedMagic"/> is
    /// <see cref="EighthsRoundingMagic"/> − k, so y = x·8·log2 e + (magic − k) holds round(x·8·log2 e) − k + 1016 in its
    /// low bits, the power 2^(j/8)·2^n that <see cref="IVectorWidth{TVector}.PowerOfEighths"/> builds from them is
    /// already relative to k, and r = x − round(x·8·log2 e)·(ln2/8) takes x as it is. Only at AVX2's width with FMA, for
    /// |k·ln2/8| up to a few thousand (<see cref="FoldedReference.Limit"/>, where the rounded multiple still fits
    /// the magic's 23 bits) and x − k·ln2/8 at most 88 (the kernels keep it within their rescale margin, 8 or 1, plus 0.044; beyond 88
    /// the power's bits wrap).</summary>
    /// <remarks>
    /// <para>What it saves against <see cref="ExpForSumByEighths{TWidth, TVector}(ref TVector, ref TVector, ref TVector, ref TVector)"/>
    /// of x − m clamped: the subtract and the maximum, two operations a vector on the add pipes and four cycles of the
    /// chain from a logit to its term, which is what the 256-bit loop waits on (bench/results/kernels-amd-epyc-zen3-2vcpu.md).</para>
    /// <para>The result is e^(x − M)·e^((n − k)·ε) with M = k·c exactly, c = ln2/8 rounded to float and ε = ln2/8 − c:
    /// the error grows with the distance n − k from the reference, as in the form that subtracts m first, and M
    /// (computed in double by the caller) is the reference the sums are relative to.</para>
    /// <para>Far below the reference the bits of y would wrap, so the power is taken from y raised to at least
    /// <see cref="EighthsPowerFloor"/> (an integer maximum beside the polynomial, not on its chain), whatever k is: y is
    /// (magic − k) + n, and its bits encode n − k. The polynomial takes y as it is, so for a finite x far below r stays
    /// far smaller than x, the polynomial finite and the term 0·q exactly 0, down to about −2·10^20; a −∞ logit (or a
    /// finite one below that, whose r overflows the polynomial) gives 0·∞ = NaN, which sends the row to the pass that
    /// clamps x first.</para>
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ExpForSumByEighthsFromMagic<TWidth, TVector>(ref TVector x0, ref TVector x1, ref TVector x2, ref TVector x3, TVector shiftedMagic)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        TVector log2E = TWidth.Create(8 * Log2E);
        TVector y0 = TWidth.MultiplyAdd(x0, log2E, shiftedMagic);
        TVector y1 = TWidth.MultiplyAdd(x1, log2E, shiftedMagic);
        TVector y2 = TWidth.MultiplyAdd(x2, log2E, shiftedMagic);
        TVector y3 = TWidth.MultiplyAdd(x3, log2E, shiftedMagic);
        TVector minusLn2 = TWidth.Create(-Ln2 / 8);
        x0 = TWidth.MultiplyAdd(TWidth.Subtract(y0, shiftedMagic), minusLn2, x0);
        x1 = TWidth.MultiplyAdd(TWidth.Subtract(y1, shiftedMagic), minusLn2, x1);
        x2 = TWidth.MultiplyAdd(TWidth.Subtract(y2, shiftedMagic), minusLn2, x2);
        x3 = TWidth.MultiplyAdd(TWidth.Subtract(y3, shiftedMagic), minusLn2, x3);
        TVector powerFloor = TWidth.Create(EighthsPowerFloor);
        TVector s0 = TWidth.PowerOfEighthsAbove(y0, powerFloor);
        TVector s1 = TWidth.PowerOfEighthsAbove(y1, powerFloor);
        TVector s2 = TWidth.PowerOfEighthsAbove(y2, powerFloor);
        TVector s3 = TWidth.PowerOfEighthsAbove(y3, powerFloor);
        EighthsTerms<TWidth, TVector>(ref x0, ref x1, ref x2, ref x3, s0, s1, s2, s3);
    }

    /// <summary><see cref="ExpForSumByEighthsFromMagic{TWidth, TVector}(ref TVector, ref TVector, ref TVector, ref TVector, TVector)"/>
    /// of one vector, for a loop whose vectors carry different references (the comparison kernel's two rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector ExpForSumByEighthsFromMagic<TWidth, TVector>(TVector x, TVector shiftedMagic)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        TVector y = TWidth.MultiplyAdd(x, TWidth.Create(8 * Log2E), shiftedMagic);
        TVector r = TWidth.MultiplyAdd(TWidth.Subtract(y, shiftedMagic), TWidth.Create(-Ln2 / 8), x);
        TVector scale = TWidth.PowerOfEighthsAbove(y, TWidth.Create(EighthsPowerFloor));
        TVector q = TWidth.MultiplyAdd(TWidth.Multiply(r, r), TWidth.MultiplyAdd(TWidth.Create(E3), r, TWidth.Create(E2)), r);
        return TWidth.MultiplyAdd(scale, q, scale);
    }

    /// <summary><see cref="ExpForSum{TWidth, TVector}(TVector, in SumExpConstants{TVector})"/> of four vectors, step by
    /// step across them.</summary>
    /// <remarks>The JIT emits instructions in source order. Four exps written one after the other put each one's chain
    /// of a dozen dependent operations in a row, and the out-of-order window then holds too few independent operations
    /// to keep the pipes busy; interleaved, every step has four. The results are the same bits.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ExpForSum<TWidth, TVector>(ref TVector x0, ref TVector x1, ref TVector x2, ref TVector x3, in SumExpConstants<TVector> k)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        if (TWidth.LooksUpThirtyTwo && TWidth.FusesMultiplyAdd)
        {
            ExpForSumByTable<TWidth, TVector>(ref x0, ref x1, ref x2, ref x3, k);
        }
        else if (typeof(TWidth) == typeof(Vector256Width) && Avx2.IsSupported && Fma.IsSupported)
        {
            ExpForSumByEighths<TWidth, TVector>(ref x0, ref x1, ref x2, ref x3);
        }
        else
        {
            ExpForSumByPolynomial<TWidth, TVector>(ref x0, ref x1, ref x2, ref x3, k);
        }
    }

    /// <summary><see cref="ExpForSumByPolynomial{TWidth, TVector}(TVector, in SumExpConstants{TVector})"/> of four
    /// vectors, step by step across them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ExpForSumByPolynomial<TWidth, TVector>(ref TVector x0, ref TVector x1, ref TVector x2, ref TVector x3, in SumExpConstants<TVector> k)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        if (!TWidth.FusesMultiplyAdd)
        {
            x0 = ExpOfClampedArgument<TWidth, TVector>(x0);
            x1 = ExpOfClampedArgument<TWidth, TVector>(x1);
            x2 = ExpOfClampedArgument<TWidth, TVector>(x2);
            x3 = ExpOfClampedArgument<TWidth, TVector>(x3);
            return;
        }

        ReduceFour<TWidth, TVector>(x0, x1, x2, x3, k.BiasedRoundingMagic, k, out TVector y0, out TVector y1, out TVector y2, out TVector y3, out TVector n0, out TVector n1, out TVector n2, out TVector n3, out TVector r0, out TVector r1, out TVector r2, out TVector r3);
        // A new variable for each Horner step: NEON's FMLA overwrites its addend, so the JIT copies each step's constant
        // into the register the step writes; with one variable reassigned per exp it would also copy every result back
        // into that variable's register (16 more instructions in a log-sum-exp loop of about 100;
        // bench/results/limits-arm64-neoverse-n2-model.md).
        TVector a0 = TWidth.MultiplyAdd(k.S5, r0, k.S4);
        TVector a1 = TWidth.MultiplyAdd(k.S5, r1, k.S4);
        TVector a2 = TWidth.MultiplyAdd(k.S5, r2, k.S4);
        TVector a3 = TWidth.MultiplyAdd(k.S5, r3, k.S4);
        TVector b0 = TWidth.MultiplyAdd(a0, r0, k.S3);
        TVector b1 = TWidth.MultiplyAdd(a1, r1, k.S3);
        TVector b2 = TWidth.MultiplyAdd(a2, r2, k.S3);
        TVector b3 = TWidth.MultiplyAdd(a3, r3, k.S3);
        TVector c0 = TWidth.MultiplyAdd(b0, r0, k.S2);
        TVector c1 = TWidth.MultiplyAdd(b1, r1, k.S2);
        TVector c2 = TWidth.MultiplyAdd(b2, r2, k.S2);
        TVector c3 = TWidth.MultiplyAdd(b3, r3, k.S2);
        TVector d0 = TWidth.MultiplyAdd(c0, r0, k.S1);
        TVector d1 = TWidth.MultiplyAdd(c1, r1, k.S1);
        TVector d2 = TWidth.MultiplyAdd(c2, r2, k.S1);
        TVector d3 = TWidth.MultiplyAdd(c3, r3, k.S1);
        TVector p0 = TWidth.MultiplyAdd(d0, r0, k.One);
        TVector p1 = TWidth.MultiplyAdd(d1, r1, k.One);
        TVector p2 = TWidth.MultiplyAdd(d2, r2, k.One);
        TVector p3 = TWidth.MultiplyAdd(d3, r3, k.One);
        x0 = ScaleTermByPow2<TWidth, TVector>(p0, n0, y0);
        x1 = ScaleTermByPow2<TWidth, TVector>(p1, n1, y1);
        x2 = ScaleTermByPow2<TWidth, TVector>(p2, n2, y2);
        x3 = ScaleTermByPow2<TWidth, TVector>(p3, n3, y3);
    }

    /// <summary>The four-vector exp for sums through the 32-entry table of 2^(j/32) (see <see cref="TableRoundingMagic"/>),
    /// step by step across the vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ExpForSumByTable<TWidth, TVector>(ref TVector x0, ref TVector x1, ref TVector x2, ref TVector x3, in SumExpConstants<TVector> k)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        ReduceFour<TWidth, TVector>(x0, x1, x2, x3, k.TableRoundingMagic, k, out TVector y0, out TVector y1, out TVector y2, out TVector y3, out TVector s0, out TVector s1, out TVector s2, out TVector s3, out TVector r0, out TVector r1, out TVector r2, out TVector r3);
        TVector f0 = TWidth.LookUpThirtyTwo(k.Exp2FractionsLower, k.Exp2FractionsUpper, y0);
        TVector f1 = TWidth.LookUpThirtyTwo(k.Exp2FractionsLower, k.Exp2FractionsUpper, y1);
        TVector f2 = TWidth.LookUpThirtyTwo(k.Exp2FractionsLower, k.Exp2FractionsUpper, y2);
        TVector f3 = TWidth.LookUpThirtyTwo(k.Exp2FractionsLower, k.Exp2FractionsUpper, y3);
        TVector q0 = TWidth.MultiplyAdd(k.T2, r0, k.T1);
        TVector q1 = TWidth.MultiplyAdd(k.T2, r1, k.T1);
        TVector q2 = TWidth.MultiplyAdd(k.T2, r2, k.T1);
        TVector q3 = TWidth.MultiplyAdd(k.T2, r3, k.T1);
        q0 = TWidth.Multiply(q0, r0);
        q1 = TWidth.Multiply(q1, r1);
        q2 = TWidth.Multiply(q2, r2);
        q3 = TWidth.Multiply(q3, r3);
        x0 = TWidth.ScaleByPow2(TWidth.MultiplyAdd(f0, q0, f0), s0);
        x1 = TWidth.ScaleByPow2(TWidth.MultiplyAdd(f1, q1, f1), s1);
        x2 = TWidth.ScaleByPow2(TWidth.MultiplyAdd(f2, q2, f2), s2);
        x3 = TWidth.ScaleByPow2(TWidth.MultiplyAdd(f3, q3, f3), s3);
    }

    /// <summary>The table exp for sums of eight vectors, step by step across them: <see cref="ExpForSum{TWidth,
    /// TVector}(ref TVector, ref TVector, ref TVector, ref TVector, in SumExpConstants{TVector})"/> twice over, with
    /// twice the independent work beside each step of the chain. Only where the width has the table (AVX-512), whose 32
    /// registers hold the eight chains.</summary>
    /// <remarks>Each vector's steps go through two locals and its own argument: the JIT does not inline a method with
    /// more than 32 locals, and a call here would cost the caller's loop its registers.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ExpForSumByTable<TWidth, TVector>(ref TVector x0, ref TVector x1, ref TVector x2, ref TVector x3, ref TVector x4, ref TVector x5, ref TVector x6, ref TVector x7, in SumExpConstants<TVector> k)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        // y = x·log2 e + magic (k + j/32 in its low bits), n = y − magic.
        TVector y0 = TWidth.MultiplyAdd(x0, k.Log2E, k.TableRoundingMagic);
        TVector y1 = TWidth.MultiplyAdd(x1, k.Log2E, k.TableRoundingMagic);
        TVector y2 = TWidth.MultiplyAdd(x2, k.Log2E, k.TableRoundingMagic);
        TVector y3 = TWidth.MultiplyAdd(x3, k.Log2E, k.TableRoundingMagic);
        TVector y4 = TWidth.MultiplyAdd(x4, k.Log2E, k.TableRoundingMagic);
        TVector y5 = TWidth.MultiplyAdd(x5, k.Log2E, k.TableRoundingMagic);
        TVector y6 = TWidth.MultiplyAdd(x6, k.Log2E, k.TableRoundingMagic);
        TVector y7 = TWidth.MultiplyAdd(x7, k.Log2E, k.TableRoundingMagic);
        TVector n0 = TWidth.Subtract(y0, k.TableRoundingMagic);
        TVector n1 = TWidth.Subtract(y1, k.TableRoundingMagic);
        TVector n2 = TWidth.Subtract(y2, k.TableRoundingMagic);
        TVector n3 = TWidth.Subtract(y3, k.TableRoundingMagic);
        TVector n4 = TWidth.Subtract(y4, k.TableRoundingMagic);
        TVector n5 = TWidth.Subtract(y5, k.TableRoundingMagic);
        TVector n6 = TWidth.Subtract(y6, k.TableRoundingMagic);
        TVector n7 = TWidth.Subtract(y7, k.TableRoundingMagic);

        // x becomes r = x − n·ln 2, then q = (T2·r + T1)·r; y becomes the table's 2^(j/32).
        x0 = TWidth.MultiplyAdd(n0, k.MinusLn2, x0);
        x1 = TWidth.MultiplyAdd(n1, k.MinusLn2, x1);
        x2 = TWidth.MultiplyAdd(n2, k.MinusLn2, x2);
        x3 = TWidth.MultiplyAdd(n3, k.MinusLn2, x3);
        x4 = TWidth.MultiplyAdd(n4, k.MinusLn2, x4);
        x5 = TWidth.MultiplyAdd(n5, k.MinusLn2, x5);
        x6 = TWidth.MultiplyAdd(n6, k.MinusLn2, x6);
        x7 = TWidth.MultiplyAdd(n7, k.MinusLn2, x7);
        y0 = TWidth.LookUpThirtyTwo(k.Exp2FractionsLower, k.Exp2FractionsUpper, y0);
        y1 = TWidth.LookUpThirtyTwo(k.Exp2FractionsLower, k.Exp2FractionsUpper, y1);
        y2 = TWidth.LookUpThirtyTwo(k.Exp2FractionsLower, k.Exp2FractionsUpper, y2);
        y3 = TWidth.LookUpThirtyTwo(k.Exp2FractionsLower, k.Exp2FractionsUpper, y3);
        y4 = TWidth.LookUpThirtyTwo(k.Exp2FractionsLower, k.Exp2FractionsUpper, y4);
        y5 = TWidth.LookUpThirtyTwo(k.Exp2FractionsLower, k.Exp2FractionsUpper, y5);
        y6 = TWidth.LookUpThirtyTwo(k.Exp2FractionsLower, k.Exp2FractionsUpper, y6);
        y7 = TWidth.LookUpThirtyTwo(k.Exp2FractionsLower, k.Exp2FractionsUpper, y7);
        x0 = TWidth.Multiply(TWidth.MultiplyAdd(k.T2, x0, k.T1), x0);
        x1 = TWidth.Multiply(TWidth.MultiplyAdd(k.T2, x1, k.T1), x1);
        x2 = TWidth.Multiply(TWidth.MultiplyAdd(k.T2, x2, k.T1), x2);
        x3 = TWidth.Multiply(TWidth.MultiplyAdd(k.T2, x3, k.T1), x3);
        x4 = TWidth.Multiply(TWidth.MultiplyAdd(k.T2, x4, k.T1), x4);
        x5 = TWidth.Multiply(TWidth.MultiplyAdd(k.T2, x5, k.T1), x5);
        x6 = TWidth.Multiply(TWidth.MultiplyAdd(k.T2, x6, k.T1), x6);
        x7 = TWidth.Multiply(TWidth.MultiplyAdd(k.T2, x7, k.T1), x7);

        // 2^(j/32)·(1 + q), rounded once, scaled by 2^floor(n) (as in the four-vector form).
        x0 = TWidth.ScaleByPow2(TWidth.MultiplyAdd(y0, x0, y0), n0);
        x1 = TWidth.ScaleByPow2(TWidth.MultiplyAdd(y1, x1, y1), n1);
        x2 = TWidth.ScaleByPow2(TWidth.MultiplyAdd(y2, x2, y2), n2);
        x3 = TWidth.ScaleByPow2(TWidth.MultiplyAdd(y3, x3, y3), n3);
        x4 = TWidth.ScaleByPow2(TWidth.MultiplyAdd(y4, x4, y4), n4);
        x5 = TWidth.ScaleByPow2(TWidth.MultiplyAdd(y5, x5, y5), n5);
        x6 = TWidth.ScaleByPow2(TWidth.MultiplyAdd(y6, x6, y6), n6);
        x7 = TWidth.ScaleByPow2(TWidth.MultiplyAdd(y7, x7, y7), n7);
    }

    /// <summary>The argument reduction of four exps for sums, step by step across them: y = x·log2 e + magic, whose
    /// addition rounds to the magic's spacing (1 or 1/32); n = y − magic, that rounded multiple; r = x − n·ln 2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ReduceFour<TWidth, TVector>(TVector x0, TVector x1, TVector x2, TVector x3, TVector magic, in SumExpConstants<TVector> k, out TVector y0, out TVector y1, out TVector y2, out TVector y3, out TVector n0, out TVector n1, out TVector n2, out TVector n3, out TVector r0, out TVector r1, out TVector r2, out TVector r3)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        y0 = TWidth.MultiplyAdd(x0, k.Log2E, magic);
        y1 = TWidth.MultiplyAdd(x1, k.Log2E, magic);
        y2 = TWidth.MultiplyAdd(x2, k.Log2E, magic);
        y3 = TWidth.MultiplyAdd(x3, k.Log2E, magic);
        n0 = TWidth.Subtract(y0, magic);
        n1 = TWidth.Subtract(y1, magic);
        n2 = TWidth.Subtract(y2, magic);
        n3 = TWidth.Subtract(y3, magic);
        r0 = TWidth.MultiplyAdd(n0, k.MinusLn2, x0);
        r1 = TWidth.MultiplyAdd(n1, k.MinusLn2, x1);
        r2 = TWidth.MultiplyAdd(n2, k.MinusLn2, x2);
        r3 = TWidth.MultiplyAdd(n3, k.MinusLn2, x3);
    }

    /// <summary>n = round(x·log2 e), ties to even, as a float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector NearestExponent<TWidth, TVector>(TVector x)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        TVector magic = TWidth.Create(RoundingMagic);
        return TWidth.Subtract(TWidth.MultiplyAdd(x, TWidth.Create(Log2E), magic), magic);
    }

    /// <summary>e^r·2^n for a reduced argument r ∈ [−ln2/2, ln2/2]: the degree-6 polynomial in Horner form, then the
    /// exponent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector ScaledPolynomial<TWidth, TVector>(TVector r, TVector n)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        TVector p = TWidth.MultiplyAdd(TWidth.Create(C6), r, TWidth.Create(C5));
        p = TWidth.MultiplyAdd(p, r, TWidth.Create(C4));
        p = TWidth.MultiplyAdd(p, r, TWidth.Create(C3));
        p = TWidth.MultiplyAdd(p, r, TWidth.Create(C2));
        p = TWidth.MultiplyAdd(p, r, TWidth.Create(C1));
        p = TWidth.MultiplyAdd(p, r, TWidth.Create(1f));
        return TWidth.ScaleByPow2(p, n);
    }

    /// <summary>p·2^n through two exponent-field powers of two, each within the normal range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector ScaleByPow2Portable<TWidth, TVector>(TVector p, TVector integralExponent)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        // n ∈ [−152, 128] splits into floor(n/2) ∈ [−76, 64] and the rest ∈ [−76, 64]: p·2^a stays normal and the
        // second multiply rounds once, giving gradual underflow and a correct overflow to +∞.
        TVector half = TWidth.Floor(TWidth.Multiply(integralExponent, TWidth.Create(0.5f)));
        TVector rest = TWidth.Subtract(integralExponent, half);
        return TWidth.Multiply(TWidth.Multiply(p, TWidth.Pow2(half)), TWidth.Pow2(rest));
    }

    /// <summary>As <see cref="Load{T, TWidth, TVector}"/>, the same values in the same lanes, from a row the caller has
    /// pinned (the kernels' main loops, inside their <c>fixed</c> blocks): bf16 at AVX2's width through
    /// <see cref="LoadPinnedUpperHalves{T, TWidth, TVector}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector LoadPinned<T, TWidth, TVector>(ref T source, nuint elementOffset)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged =>
        typeof(T) == typeof(BFloat16) && typeof(TVector) == typeof(Vector256<float>) && Avx2.IsSupported
            ? LoadPinnedUpperHalves<T, TWidth, TVector>(ref source, elementOffset)
            : Load<T, TWidth, TVector>(ref source, elementOffset);

    /// <summary>As <see cref="LoadFiniteHalf{T, TWidth, TVector}"/>, from a pinned row (see
    /// <see cref="LoadPinnedUpperHalves{T, TWidth, TVector}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector LoadFiniteHalfPinned<T, TWidth, TVector>(ref T source, nuint elementOffset)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged =>
        typeof(TVector) == typeof(Vector256<float>) && Avx2.IsSupported
            ? FiniteHalfInUpperBitsToSingle<TWidth, TVector>(LoadPinnedUpperHalves<T, TWidth, TVector>(ref source, elementOffset))
            : LoadFiniteHalf<T, TWidth, TVector>(ref source, elementOffset);

    /// <summary>Count 16-bit elements (bf16 or fp16) of a pinned row, each in the upper half of its lane above 16 zero
    /// bits: a bf16 is then its float. At AVX2's width that is one 16-byte load into both 128-bit halves
    /// (<c>vbroadcasti128</c>, which takes no vector pipe) and one in-lane byte shuffle, where the widening move and the
    /// shift take three pipe operations. The broadcast takes an address, hence the pinning: a reference into a row the GC
    /// may move cannot become a pointer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe TVector LoadPinnedUpperHalves<T, TWidth, TVector>(ref T source, nuint elementOffset)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        if (typeof(TVector) == typeof(Vector256<float>) && Avx2.IsSupported)
        {
            byte* address = (byte*)Unsafe.AsPointer(ref Unsafe.Add(ref source, elementOffset));

            // Lane k of each 128-bit half takes bytes 2k and 2k + 1 of its copy of the eight elements (elements 0–3 in
            // the lower half, 4–7 in the upper) above two zero bytes. The constant is written in the expression, so the
            // JIT reads it from its data section: behind a property getter it is a call in the loop.
            Vector256<byte> widened = Avx2.Shuffle(Avx2.BroadcastVector128ToVector256(address), Vector256.Create(
                (byte)0x80, 0x80, 0, 1, 0x80, 0x80, 2, 3, 0x80, 0x80, 4, 5, 0x80, 0x80, 6, 7,
                0x80, 0x80, 8, 9, 0x80, 0x80, 10, 11, 0x80, 0x80, 12, 13, 0x80, 0x80, 14, 15));
            return Unsafe.As<Vector256<byte>, TVector>(ref widened);
        }

        return TWidth.ShiftLeftBits(TWidth.LoadWidenedBits(ref Unsafe.As<T, ushort>(ref source), elementOffset), 16);
    }

    /// <summary>Loads Count elements of <typeparamref name="T"/> (float, <see cref="Half"/> or <see cref="BFloat16"/>)
    /// starting at <paramref name="elementOffset"/> and widens them to float lanes in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Load<T, TWidth, TVector>(ref T source, nuint elementOffset)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            return TWidth.LoadSingle(ref Unsafe.As<T, float>(ref source), elementOffset);
        }

        if (TWidth.Count == 1)
        {
            // One lane: convert the element directly. Building float bits from a zero-extended ushort load is folded by
            // the .NET 10 ARM64 JIT into a 4-byte load, which reads the next element's bits and past the row's end
            // (found by the qemu ARM64 run of the widening test).
            return TWidth.Create(ElementConversion.ToSingle(Unsafe.Add(ref source, elementOffset)));
        }

        TVector bits = TWidth.LoadWidenedBits(ref Unsafe.As<T, ushort>(ref source), elementOffset);
        if (typeof(T) == typeof(BFloat16))
        {
            // bf16 is the upper half of a binary32.
            return TWidth.ShiftLeftBits(bits, 16);
        }

        return HalfBitsToSingle<TWidth, TVector>(bits);
    }

    /// <summary>Exact IEEE binary16 → binary32 conversion of lanes holding the 16 bits zero-extended.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector HalfBitsToSingle<TWidth, TVector>(TVector bits)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        // The sign in place and exponent+mantissa moved up by 13 bits, in line with float's (as the finite conversion
        // does it); multiplying by 2^112 rebiases the exponent (127 − 15), keeps the sign and normalises binary16
        // subnormals exactly.
        TVector scaledDown = FiniteHalfInLowerBitsScaledDown<TWidth, TVector>(bits);
        TVector finite = TWidth.Multiply(scaledDown, Bits<TWidth, TVector>(0x77800000) /* 2^112 */);

        // Exponent field 31 means ±∞ or NaN. The aligned magnitudes are small positive floats, so a float compare
        // orders them as integers; the exponent set to all ones keeps the sign and the mantissa (a NaN's payload).
        TVector aligned = TWidth.BitwiseAnd(scaledDown, Bits<TWidth, TVector>(0x7FFFFFFF));
        TVector isInfinityOrNaN = TWidth.GreaterThanOrEqual(aligned, Bits<TWidth, TVector>(0x7C00u << 13));
        TVector special = TWidth.BitwiseOr(scaledDown, Bits<TWidth, TVector>(0x7F800000));
        return TWidth.ConditionalSelect(isInfinityOrNaN, special, finite);
    }

    /// <summary>A bound between the largest finite binary16 magnitude (65504) and the smallest value
    /// <see cref="FiniteHalfInUpperBitsToSingle"/> gives an infinity or NaN (65536).</summary>
    public const float HalfNonFiniteBound = 65520f;

    /// <summary>
    /// binary16 → binary32 for lanes holding a binary16 in their upper 16 bits (the lower 16 bits may hold anything),
    /// exact for every finite value, in three instructions where <see cref="HalfBitsToSingle"/> takes seven (its compare
    /// and select keep infinities and NaNs).
    /// </summary>
    /// <remarks>The arithmetic shift by 3 lines the 5-bit exponent and 10-bit mantissa up with binary32's and copies the
    /// sign into the three bits between; the mask keeps the sign, the exponent and the mantissa and clears whatever the
    /// lower half held; multiplying by 2^112 rebiases the exponent (127 − 15) and normalises subnormals exactly. An
    /// infinity or NaN (exponent field 31) comes out finite, with a magnitude of at least 65536: callers that cannot rule
    /// those out compare against <see cref="HalfNonFiniteBound"/> and convert such data again exactly.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector FiniteHalfInUpperBitsToSingle<TWidth, TVector>(TVector bits)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged =>
        TWidth.Multiply(FiniteHalfInUpperBitsScaledDown<TWidth, TVector>(bits), TWidth.Create(HalfRebias));

    /// <summary>2^112: the factor between binary16's exponent bias (15) and binary32's (127).</summary>
    public const float HalfRebias = 5.192296858534828e33f;

    /// <summary>The first two steps of <see cref="FiniteHalfInUpperBitsToSingle"/>: each finite binary16 value times
    /// 2^−112, exactly (binary16's subnormals come out as binary32 subnormals, which hold their 10 bits). A caller that
    /// multiplies by <see cref="HalfRebias"/> inside an FMA of its own saves the multiply.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector FiniteHalfInUpperBitsScaledDown<TWidth, TVector>(TVector bits)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged =>
        TWidth.BitwiseAnd(TWidth.ShiftRightArithmeticBits(bits, 3), Bits<TWidth, TVector>(0x8FFFE000));

    /// <summary>As <see cref="FiniteHalfInUpperBitsScaledDown"/> for lanes holding a binary16 in their lower 16 bits
    /// (the upper 16 bits may hold anything): the same bits, the half widened with its sign where the other form shifts
    /// it down from the upper bits.</summary>
    /// <remarks>Widened and shifted left by 13, the exponent and mantissa line up with binary32's and the sign fills the
    /// three bits above them; the mask keeps what the arithmetic shift by 3 of the upper-bits form keeps. On x64 the
    /// widening shift is one instruction (<see cref="IVectorWidth{TVector}.ShiftLowWordLeftSignExtended"/>), where
    /// moving the half to the upper bits first takes a shift of its own.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector FiniteHalfInLowerBitsScaledDown<TWidth, TVector>(TVector bits)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged =>
        TWidth.BitwiseAnd(TWidth.ShiftLowWordLeftSignExtended(bits, 13), Bits<TWidth, TVector>(0x8FFFE000));

    /// <summary>Loads Count fp16 values (<typeparamref name="T"/> is <see cref="Half"/>) in index order through
    /// <see cref="FiniteHalfInLowerBitsScaledDown"/> and the rebias: exact for finite values only (see
    /// <see cref="FiniteHalfInUpperBitsToSingle"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector LoadFiniteHalf<T, TWidth, TVector>(ref T source, nuint elementOffset)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        TVector bits = TWidth.LoadWidenedBits(ref Unsafe.As<T, ushort>(ref source), elementOffset);
        return TWidth.Multiply(FiniteHalfInLowerBitsScaledDown<TWidth, TVector>(bits), TWidth.Create(HalfRebias));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Bits<TWidth, TVector>(uint bits)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged => TWidth.Create(BitConverter.UInt32BitsToSingle(bits));
}

/// <summary>The constants of <see cref="VectorMath.ExpForSum{TWidth, TVector}(TVector)"/>, broadcast to a vector
/// each, for the forms that hold them in registers (the polynomial and the table of 2^(j/32); the AVX2 form builds its
/// own where it uses them).</summary>
internal readonly struct SumExpConstants<TVector>
    where TVector : unmanaged
{
    public TVector Log2E { get; init; }

    public TVector BiasedRoundingMagic { get; init; }

    public TVector MinusLn2 { get; init; }

    public TVector S1 { get; init; }

    public TVector S2 { get; init; }

    public TVector S3 { get; init; }

    public TVector S4 { get; init; }

    public TVector S5 { get; init; }

    public TVector One { get; init; }

    public TVector TableRoundingMagic { get; init; }

    public TVector T1 { get; init; }

    public TVector T2 { get; init; }

    public TVector Exp2FractionsLower { get; init; }

    public TVector Exp2FractionsUpper { get; init; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SumExpConstants<TVector> Create<TWidth>()
        where TWidth : IVectorWidth<TVector> => new()
        {
            Log2E = TWidth.Create(VectorMath.Log2E),
            BiasedRoundingMagic = TWidth.Create(VectorMath.BiasedRoundingMagic),
            MinusLn2 = TWidth.Create(-VectorMath.Ln2),
            S1 = TWidth.Create(VectorMath.S1),
            S2 = TWidth.Create(VectorMath.S2),
            S3 = TWidth.Create(VectorMath.S3),
            S4 = TWidth.Create(VectorMath.S4),
            S5 = TWidth.Create(VectorMath.S5),
            One = TWidth.Create(1f),
            TableRoundingMagic = TWidth.Create(VectorMath.TableRoundingMagic),
            T1 = TWidth.Create(VectorMath.T1),
            T2 = TWidth.Create(VectorMath.T2),
            Exp2FractionsLower = TWidth.LooksUpThirtyTwo ? TWidth.LoadSingle(ref MemoryMarshal.GetReference(VectorMath.Exp2Fractions), 0) : default,
            Exp2FractionsUpper = TWidth.LooksUpThirtyTwo ? TWidth.LoadSingle(ref MemoryMarshal.GetReference(VectorMath.Exp2Fractions), 16) : default,
        };
}
