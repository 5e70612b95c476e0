using System.Runtime.InteropServices;

namespace LossEngine.Aggregation;

/// <summary>
/// One task's comparison statistics: exact sums (so the state is the same to the last bit however the tokens were
/// sharded, ordered or merged), counts, extremes, and for percentiles either every token's KL and Δp (up to the exact
/// limit) or two quantile sketches.
/// </summary>
/// <remarks>A sorted list and a sketch both depend only on the multiset of values, not their order, so percentiles keep
/// that property too; a state moves from values to sketches once its token count passes the limit, whichever merge or
/// token takes it there.</remarks>
internal sealed class ComparisonTaskState
{
    public long Tokens { get; set; }

    public ExactSum Kl { get; set; } = new();

    public ExactSum KlSquares { get; set; } = new();

    public ExactSum DeltaP { get; set; } = new();

    public ExactSum DeltaPSquares { get; set; } = new();

    /// <summary>Σ Δp⁴: llama.cpp's error of the RMS Δp comes from the spread of Δp².</summary>
    public ExactSum DeltaPFourthPowers { get; set; } = new();

    public ExactSum ReferenceLoss { get; set; } = new();

    public ExactSum ReferenceLossSquares { get; set; } = new();

    public ExactSum CandidateLoss { get; set; } = new();

    public ExactSum CandidateLossSquares { get; set; } = new();

    public ExactSum LossProducts { get; set; } = new();

    public ExactSum LossDifference { get; set; } = new();

    public ExactSum LossDifferenceSquares { get; set; } = new();

    public double MaxKl { get; set; } = double.NegativeInfinity;

    public double MinKl { get; set; } = double.PositiveInfinity;

    public double MaxDeltaP { get; set; } = double.NegativeInfinity;

    public double MinDeltaP { get; set; } = double.PositiveInfinity;

    public long SameTop { get; set; }

    /// <summary>Every token's KL and Δp while <see cref="Tokens"/> is within the exact limit; null once sketched.</summary>
    public List<float>? KlValues { get; set; } = [];

    public List<float>? DeltaPValues { get; set; } = [];

    public QuantileSketch? KlSketch { get; set; }

    public QuantileSketch? DeltaPSketch { get; set; }

    public void Add(in ComparisonStatistics c, int exactLimit)
    {
        double kl = c.KlDivergence, dp = c.CandidateTargetProbability - c.ReferenceTargetProbability;
        double reference = c.ReferenceLoss, candidate = c.CandidateLoss, difference = candidate - reference;
        Tokens++;
        Kl.Add(kl);
        KlSquares.Add(kl * kl);
        DeltaP.Add(dp);
        DeltaPSquares.Add(dp * dp);
        DeltaPFourthPowers.Add(dp * dp * dp * dp);
        ReferenceLoss.Add(reference);
        ReferenceLossSquares.Add(reference * reference);
        CandidateLoss.Add(candidate);
        CandidateLossSquares.Add(candidate * candidate);
        LossProducts.Add(reference * candidate);
        LossDifference.Add(difference);
        LossDifferenceSquares.Add(difference * difference);
        (MaxKl, MinKl) = (Math.Max(MaxKl, kl), Math.Min(MinKl, kl));
        (MaxDeltaP, MinDeltaP) = (Math.Max(MaxDeltaP, dp), Math.Min(MinDeltaP, dp));
        SameTop += c.SameArgMax ? 1 : 0;
        if (KlValues is not null)
        {
            KlValues.Add((float)kl);
            DeltaPValues!.Add((float)dp);
            SketchPast(exactLimit);
        }
        else
        {
            KlSketch!.Add((float)kl);
            DeltaPSketch!.Add((float)dp);
        }
    }

    public void Merge(ComparisonTaskState other, int exactLimit)
    {
        Tokens = checked(Tokens + other.Tokens);
        foreach ((ExactSum mine, ExactSum theirs) in Sums().Zip(other.Sums()))
        {
            mine.Add(theirs);
        }

        (MaxKl, MinKl) = (Math.Max(MaxKl, other.MaxKl), Math.Min(MinKl, other.MinKl));
        (MaxDeltaP, MinDeltaP) = (Math.Max(MaxDeltaP, other.MaxDeltaP), Math.Min(MinDeltaP, other.MinDeltaP));
        SameTop = checked(SameTop + other.SameTop);
        if (KlValues is not null && other.KlValues is not null)
        {
            KlValues.AddRange(other.KlValues);
            DeltaPValues!.AddRange(other.DeltaPValues!);
            SketchPast(exactLimit);
            return;
        }

        SketchPast(-1);
        if (other.KlValues is not null)
        {
            other.KlValues.ForEach(v => KlSketch!.Add(v));
            other.DeltaPValues!.ForEach(v => DeltaPSketch!.Add(v));
        }
        else
        {
            KlSketch!.Merge(other.KlSketch!);
            DeltaPSketch!.Merge(other.DeltaPSketch!);
        }
    }

    /// <summary>Moves the kept values into sketches once there are more than <paramref name="exactLimit"/> tokens.</summary>
    private void SketchPast(int exactLimit)
    {
        if (KlValues is null || Tokens <= exactLimit)
        {
            return;
        }

        (KlSketch, DeltaPSketch) = (new QuantileSketch(), new QuantileSketch());
        KlValues.ForEach(v => KlSketch.Add(v));
        DeltaPValues!.ForEach(v => DeltaPSketch.Add(v));
        (KlValues, DeltaPValues) = (null, null);
    }

    public IEnumerable<ExactSum> Sums() =>
        [Kl, KlSquares, DeltaP, DeltaPSquares, ReferenceLoss, ReferenceLossSquares, CandidateLoss, CandidateLossSquares, LossProducts, LossDifference, LossDifferenceSquares, DeltaPFourthPowers];

    /// <summary>The percentiles of the kept values (linear interpolation between closest ranks), or of the sketches.</summary>
    public (double[] Kl, double[] DeltaP) Percentiles(IReadOnlyList<double> klLevels, IReadOnlyList<double> deltaPLevels)
    {
        if (KlValues is null)
        {
            return ([.. klLevels.Select(KlSketch!.Quantile)], [.. deltaPLevels.Select(DeltaPSketch!.Quantile)]);
        }

        double[] kl = [.. KlValues.Select(v => (double)v).Order()];
        double[] dp = [.. DeltaPValues!.Select(v => (double)v).Order()];
        return ([.. klLevels.Select(l => ComparisonAggregator.Percentile(kl, l))], [.. deltaPLevels.Select(l => ComparisonAggregator.Percentile(dp, l))]);
    }

    /// <summary>The kept values, sorted (only their multiset matters, so every way of building the state serialises the
    /// same), as little-endian float32 bytes.</summary>
    public static byte[]? Pack(List<float>? values)
    {
        if (values is null)
        {
            return null;
        }

        float[] sorted = [.. values];
        Array.Sort(sorted, (a, b) => a.CompareTo(b) != 0 ? a.CompareTo(b) : BitConverter.SingleToInt32Bits(a).CompareTo(BitConverter.SingleToInt32Bits(b)));
        return MemoryMarshal.AsBytes(sorted.AsSpan()).ToArray();
    }

    public static List<float>? Unpack(byte[]? bytes, string what) => bytes is null ? null
        : bytes.Length % sizeof(float) == 0 ? [.. MemoryMarshal.Cast<byte, float>(bytes)]
        : throw new FormatException($"{what}: {bytes.Length} bytes are not a whole number of float32 values.");
}
