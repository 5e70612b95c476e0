namespace LossEngine.Aggregation;

/// <summary>The serialised counts of a <see cref="QuantileSketch"/>.</summary>
internal sealed class QuantileSketchState
{
    public double RelativeAccuracy { get; set; }

    public SortedDictionary<int, long> Positive { get; set; } = [];

    public SortedDictionary<int, long> Negative { get; set; } = [];

    public long Zeros { get; set; }

    public long PositiveInfinities { get; set; }

    public long NegativeInfinities { get; set; }
}
