namespace LossEngine.Aggregation;

/// <summary>The serialised form of a <see cref="ComparisonTaskState"/>: kept values as base64 float32 bytes.</summary>
internal sealed class ComparisonTaskDocument
{
    public long Tokens { get; set; }

    public List<ExactSum> Sums { get; set; } = [];

    public double MaxKl { get; set; }

    public double MinKl { get; set; }

    public double MaxDeltaP { get; set; }

    public double MinDeltaP { get; set; }

    public long SameTop { get; set; }

    public byte[]? KlValues { get; set; }

    public byte[]? DeltaPValues { get; set; }

    public QuantileSketchState? KlSketch { get; set; }

    public QuantileSketchState? DeltaPSketch { get; set; }

    public static ComparisonTaskDocument From(ComparisonTaskState state) => new()
    {
        Tokens = state.Tokens,
        Sums = [.. state.Sums()],
        MaxKl = state.MaxKl,
        MinKl = state.MinKl,
        MaxDeltaP = state.MaxDeltaP,
        MinDeltaP = state.MinDeltaP,
        SameTop = state.SameTop,
        KlValues = ComparisonTaskState.Pack(state.KlValues),
        DeltaPValues = ComparisonTaskState.Pack(state.DeltaPValues),
        KlSketch = state.KlSketch?.ToState(),
        DeltaPSketch = state.DeltaPSketch?.ToState(),
    };

    /// <exception cref="FormatException">The document is inconsistent; <paramref name="what"/> names the task.</exception>
    public ComparisonTaskState ToState(string what)
    {
        var state = new ComparisonTaskState();
        ExactSum[] sums = [.. state.Sums()];
        if (Sums is null || Sums.Count != sums.Length || Sums.Any(s => s is null))
        {
            throw new FormatException($"{what}: the state needs {sums.Length} exact sums.");
        }

        if (Tokens < 0 || SameTop < 0 || SameTop > Tokens)
        {
            throw new FormatException($"{what}: token count {Tokens} and same-top count {SameTop} are not counts of the same tokens.");
        }

        List<float>? kl = ComparisonTaskState.Unpack(KlValues, what);
        List<float>? dp = ComparisonTaskState.Unpack(DeltaPValues, what);
        bool exact = kl is not null && dp is not null && KlSketch is null && DeltaPSketch is null && kl.Count == Tokens && dp.Count == Tokens;
        bool sketched = kl is null && dp is null && KlSketch is not null && DeltaPSketch is not null;
        if (!exact && !sketched)
        {
            throw new FormatException($"{what}: needs either {Tokens} KL and Δp values or two sketches.");
        }

        var result = new ComparisonTaskState
        {
            Tokens = Tokens,
            Kl = Sums[0], KlSquares = Sums[1], DeltaP = Sums[2], DeltaPSquares = Sums[3],
            ReferenceLoss = Sums[4], ReferenceLossSquares = Sums[5], CandidateLoss = Sums[6], CandidateLossSquares = Sums[7],
            LossProducts = Sums[8], LossDifference = Sums[9], LossDifferenceSquares = Sums[10], DeltaPFourthPowers = Sums[11],
            MaxKl = MaxKl, MinKl = MinKl, MaxDeltaP = MaxDeltaP, MinDeltaP = MinDeltaP, SameTop = SameTop,
            KlValues = kl, DeltaPValues = dp,
            KlSketch = KlSketch is null ? null : QuantileSketch.FromState(KlSketch),
            DeltaPSketch = DeltaPSketch is null ? null : QuantileSketch.FromState(DeltaPSketch),
        };
        if (sketched && (result.KlSketch!.Count != Tokens || result.DeltaPSketch!.Count != Tokens))
        {
            throw new FormatException($"{what}: the sketches hold {result.KlSketch.Count} and {result.DeltaPSketch!.Count} values for {Tokens} tokens.");
        }

        return result;
    }
}
