namespace LossEngine.Kernels;

/// <summary>
/// A reference maximum m as AVX2's exp carries it in its rounding magic
/// (<see cref="VectorMath.ExpForSumByEighthsFromMagic{TWidth, TVector}(TVector, TVector)"/>) instead of having it
/// subtracted from every logit: k = round(m·8·log2 e), and the loop's terms are e^(x − M) with M = k·c, c = ln2/8 as the
/// exp rounds it (exact in double). The row kernels' sums leave such a loop multiplied by e^(M − m), back relative to m.
/// </summary>
internal readonly struct FoldedReference
{
    /// <summary>The largest |m| the folded exp takes: x·8·log2 e stays far inside the rounding magic's 2^22, and
    /// round(x·8·log2 e) within a few thousandths of x over ln2/8, so r stays within 1e−4 of the polynomial's interval.
    /// Logits beyond it are exotic; the kernels take them a vector at a time, relative to m itself.</summary>
    public const float Limit = 4096f;

    private FoldedReference(float reference)
    {
        int k = (int)MathF.Round(reference * (8 * VectorMath.Log2E));
        double shift = k * (double)(VectorMath.Ln2 / 8);
        float roundedShift = (float)shift;
        ShiftedMagic = VectorMath.EighthsRoundingMagic - k;
        LogitFloor = (float)(shift + VectorMath.ExpArgumentFloor);
        ToReference = (float)Math.Exp(shift - reference);
        Shift = roundedShift;
        ShiftOffset = (float)((double)roundedShift - reference);
    }

    /// <summary>The rounding magic less k.</summary>
    public float ShiftedMagic { get; }

    /// <summary>M − 105: a clamping pass raises logits to this, where their terms are exactly 0.</summary>
    public float LogitFloor { get; }

    /// <summary>e^(M − m), which takes sums relative to M back to m.</summary>
    public float ToReference { get; }

    /// <summary>M rounded to float, which a loop subtracts for weights x − M_f off the exp's chain.</summary>
    public float Shift { get; }

    /// <summary>M_f − m, which turns such weights into x − m.</summary>
    public float ShiftOffset { get; }

    /// <summary>The folded form of <paramref name="reference"/>; false where |m| is beyond <see cref="Limit"/>
    /// (float.MinValue, a row's reference before its first finite logit, included).</summary>
    public static bool TryCreate(float reference, out FoldedReference folded)
    {
        if (!(MathF.Abs(reference) <= Limit))
        {
            folded = default;
            return false;
        }

        folded = new FoldedReference(reference);
        return true;
    }
}
