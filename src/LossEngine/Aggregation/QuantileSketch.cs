namespace LossEngine.Aggregation;

/// <summary>
/// A mergeable quantile sketch with relative accuracy α (DDSketch's log-spaced buckets): every value |x| &gt; 1e-12 falls
/// in bucket ⌈log_γ |x|⌉ with γ = (1+α)/(1−α), kept per sign, and a quantile is answered with the bucket's
/// representative 2γ^k/(γ+1), within relative error α of a value of the right rank. Smaller magnitudes count as 0;
/// ±∞ are counted apart. Memory grows with the log of the value range, not with the count.
/// </summary>
internal sealed class QuantileSketch(double relativeAccuracy = QuantileSketch.DefaultRelativeAccuracy)
{
    public const double DefaultRelativeAccuracy = 0.005;

    private const double Tiny = 1e-12;
    private readonly double _logGamma = Math.Log((1 + relativeAccuracy) / (1 - relativeAccuracy));
    private readonly SortedDictionary<int, long> _positive = [];
    private readonly SortedDictionary<int, long> _negative = [];
    private long _zeros;
    private long _positiveInfinities;
    private long _negativeInfinities;

    public double RelativeAccuracy { get; } = relativeAccuracy;

    public long Count { get; private set; }

    public void Add(double value)
    {
        if (double.IsNaN(value))
        {
            return;
        }

        Count++;
        if (double.IsPositiveInfinity(value))
        {
            _positiveInfinities++;
        }
        else if (double.IsNegativeInfinity(value))
        {
            _negativeInfinities++;
        }
        else if (Math.Abs(value) <= Tiny)
        {
            _zeros++;
        }
        else
        {
            SortedDictionary<int, long> store = value > 0 ? _positive : _negative;
            int key = (int)Math.Ceiling(Math.Log(Math.Abs(value)) / _logGamma);
            store[key] = store.GetValueOrDefault(key) + 1;
        }
    }

    /// <summary>Adds another sketch with the same accuracy. Commutative and associative.</summary>
    public void Merge(QuantileSketch other)
    {
        if (other.RelativeAccuracy != RelativeAccuracy)
        {
            throw new ArgumentException("Only sketches of the same accuracy merge.", nameof(other));
        }

        // Checked: counts read from states can be near the limit, and a wrapped count would be a wrong quantile.
        foreach ((int key, long count) in other._positive)
        {
            _positive[key] = checked(_positive.GetValueOrDefault(key) + count);
        }

        foreach ((int key, long count) in other._negative)
        {
            _negative[key] = checked(_negative.GetValueOrDefault(key) + count);
        }

        _zeros = checked(_zeros + other._zeros);
        _positiveInfinities = checked(_positiveInfinities + other._positiveInfinities);
        _negativeInfinities = checked(_negativeInfinities + other._negativeInfinities);
        Count = checked(Count + other.Count);
    }

    /// <summary>The value at rank ⌊q·(n−1)⌋ in increasing order, within relative error α.</summary>
    public double Quantile(double q)
    {
        if (Count == 0)
        {
            return double.NaN;
        }

        long rank = (long)Math.Floor(q * (Count - 1));
        long seen = _negativeInfinities;
        if (rank < seen)
        {
            return double.NegativeInfinity;
        }

        foreach ((int key, long count) in _negative.Reverse())
        {
            seen += count;
            if (rank < seen)
            {
                return -Representative(key);
            }
        }

        seen += _zeros;
        if (rank < seen)
        {
            return 0;
        }

        foreach ((int key, long count) in _positive)
        {
            seen += count;
            if (rank < seen)
            {
                return Representative(key);
            }
        }

        return double.PositiveInfinity;
    }

    /// <summary>The counts, for serialisation: buckets by key per sign, zeros and infinities.</summary>
    public QuantileSketchState ToState() => new()
    {
        RelativeAccuracy = RelativeAccuracy,
        Positive = new SortedDictionary<int, long>(_positive),
        Negative = new SortedDictionary<int, long>(_negative),
        Zeros = _zeros,
        PositiveInfinities = _positiveInfinities,
        NegativeInfinities = _negativeInfinities,
    };

    /// <summary>A sketch from its serialised counts.</summary>
    /// <exception cref="FormatException">A count is negative, or the accuracy is not in (0, 1).</exception>
    public static QuantileSketch FromState(QuantileSketchState state)
    {
        // Every sketch in a state merges with the aggregator's own, which are made at the default accuracy.
        if (state.RelativeAccuracy != DefaultRelativeAccuracy)
        {
            throw new FormatException($"A quantile sketch's relative accuracy is {state.RelativeAccuracy}; LossEngine's states hold sketches of accuracy {DefaultRelativeAccuracy} only.");
        }

        var sketch = new QuantileSketch(state.RelativeAccuracy);
        foreach ((SortedDictionary<int, long> from, SortedDictionary<int, long> to) in new[] { (state.Positive, sketch._positive), (state.Negative, sketch._negative) })
        {
            foreach ((int key, long count) in from)
            {
                to[key] = count >= 0 ? count : throw new FormatException($"A quantile sketch bucket has a negative count ({count}).");
            }
        }

        if (state.Zeros < 0 || state.PositiveInfinities < 0 || state.NegativeInfinities < 0)
        {
            throw new FormatException("A quantile sketch has a negative count.");
        }

        (sketch._zeros, sketch._positiveInfinities, sketch._negativeInfinities) = (state.Zeros, state.PositiveInfinities, state.NegativeInfinities);
        sketch.Count = checked(sketch._positive.Values.Sum() + sketch._negative.Values.Sum() + state.Zeros + state.PositiveInfinities + state.NegativeInfinities);
        return sketch;
    }

    private double Representative(int key)
    {
        double gamma = Math.Exp(_logGamma);
        return 2 * Math.Exp(key * _logGamma) / (gamma + 1);
    }
}
