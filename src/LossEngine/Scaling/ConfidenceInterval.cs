namespace LossEngine.Scaling;

/// <summary>A two-sided interval [Low, High]; both NaN when it could not be estimated (too few successful resamples).</summary>
/// <param name="Low">The lower end.</param>
/// <param name="High">The upper end.</param>
public readonly record struct ConfidenceInterval(double Low, double High)
{
    /// <summary>An interval with both ends NaN.</summary>
    public static ConfidenceInterval Unknown => new(double.NaN, double.NaN);

    /// <summary>True when <paramref name="value"/> lies in [Low, High] (false when the interval is unknown).</summary>
    public bool Contains(double value) => value >= Low && value <= High;

    /// <summary>The percentile interval of <paramref name="samples"/> at <paramref name="confidence"/>: their
    /// (1 − c)/2 and (1 + c)/2 quantiles, interpolated linearly. Non-finite samples are left out; fewer than 10 finite
    /// ones give <see cref="Unknown"/>.</summary>
    internal static ConfidenceInterval FromSamples(IEnumerable<double> samples, double confidence)
    {
        double[] sorted = [.. samples.Where(double.IsFinite)];
        if (sorted.Length < 10)
        {
            return Unknown;
        }

        Array.Sort(sorted);
        double tail = (1 - confidence) / 2;
        return new ConfidenceInterval(Statistics.Quantile(sorted, tail), Statistics.Quantile(sorted, 1 - tail));
    }
}
