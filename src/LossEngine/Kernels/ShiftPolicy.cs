namespace LossEngine.Kernels;

/// <summary>Whether the row kernels' main loops clamp x − m at the exp's floor before taking the exp (the statistics
/// kernel at AVX-512, AVX2 and NEON, the comparison kernel at AVX2, where it clamps each row's logits at M − 105 and the
/// candidate's weight at −3e38, and at NEON).</summary>
/// <remarks>The clamp (one vector max per 16 logits, 7–12 % of the loop on Zen 4) exists for masked logits: without it a
/// −∞ gives a NaN term and a finite x − m below about −2^24 a term the exp cannot reduce. With vscalefps those terms are
/// either 0 (correct) or non-finite, never a wrong finite value, so the unclamped pass is exact whenever its sums are
/// finite and is retried with the clamp otherwise. At AVX2's width the row kernel's exp carries m in its rounding
/// magic (every mode except fp16 log-sum-exp without label smoothing) and floors the power's bits as integers (VectorMath.ExpForSumByEighthsFromMagic), with the same property; its
/// clamped pass clamps x itself, at M − 105. NEON's degree-5 polynomial builds its power from the rounding's bits,
/// floored (VectorMath.FloorsPolynomialPower): a term far below is +0, or NaN beyond about 3·10^14 below m.</remarks>
internal interface IShiftPolicy
{
    static abstract bool Clamps { get; }
}

/// <summary>Clamp x − m at the exp's floor: every logit gives a correct term.</summary>
internal readonly struct ClampedShift : IShiftPolicy
{
    public static bool Clamps => true;
}

/// <summary>No clamp: for widths whose exp scales by any exponent, carries m in its rounding magic (AVX2) or floors its
/// power as bits (NEON); non-finite sums ask for a clamped pass.</summary>
internal readonly struct UnclampedShift : IShiftPolicy
{
    public static bool Clamps => false;
}
