namespace LossEngine.Scaling;

/// <summary>A series' class with the scores behind it. Scores are on the oriented scale (higher is better), so a
/// falling loss has a positive change.</summary>
public sealed record SeriesClassification
{
    /// <summary>The class.</summary>
    public required ScalingClass Class { get; init; }

    /// <summary>Spearman's rank correlation of scale and oriented value; NaN when every value is equal or the series has
    /// fewer than 2 points.</summary>
    public double RankCorrelation { get; init; } = double.NaN;

    /// <summary>The largest share of the total change (last minus first) carried by one step between neighbouring
    /// scales, counted in the change's direction; NaN when the total change is 0.</summary>
    public double LargestStepShare { get; init; } = double.NaN;

    /// <summary>The index i of that step, from point i to point i + 1; −1 when there is none.</summary>
    public int LargestStep { get; init; } = -1;

    /// <summary>The total change in units of its error: (y′_last − y′_first) / √(s_first² + s_last²).</summary>
    public double TotalChangeZ { get; init; } = double.NaN;

    /// <summary>The largest |y′_j − y′_i| / √(s_i² + s_j²) over all pairs of scales.</summary>
    public double LargestPairZ { get; init; } = double.NaN;

    /// <summary>The threshold that <see cref="LargestPairZ"/> must exceed for the series not to be flat: the Bonferroni
    /// z for all n(n − 1)/2 pairs (see <see cref="ScalingClassifier.Threshold"/>).</summary>
    public double PairThreshold { get; init; } = double.NaN;

    /// <summary>One sentence saying why.</summary>
    public required string Reason { get; init; }
}
