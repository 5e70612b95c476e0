using System.Globalization;

namespace LossEngine.Scaling;

/// <summary>
/// Classifies a series by its shape across scale, using the points' standard errors so that noise is not read as a
/// trend.
/// </summary>
/// <remarks>
/// <para>Values are oriented so that higher is better: y′ = y for higher-is-better metrics, −y for lower-is-better ones
/// (and the chance level with them). The difference between scales i and j is significant at level m when
/// |y′_j − y′_i| &gt; z_m·√(s_i² + s_j²), where z_m = max(2, Φ⁻¹(1 − 0.025/m)) is the two-sided 5% Bonferroni threshold
/// for a comparison picked from m: 2 for a comparison fixed in advance (first against last), 3.06 for any of the 28 pairs
/// of 8 scales. The correction keeps a flat series with honest standard errors classed flat at least 95% of the time
/// however many scales it has (measured on synthetic series in the tests).</para>
/// <para>The classes, tested in this order (n ≥ 4 scales, each with a standard error; otherwise
/// <see cref="ScalingClass.Insufficient"/>):</para>
/// <list type="number">
/// <item><b>flat</b>: no pair of scales differs significantly at m = n(n − 1)/2.</item>
/// <item><b>u-shaped</b> / <b>inverted-u</b>: the lowest (highest) interior point is significantly below (above) both
/// the first and the last point at m = n(n − 1)/2. The interior point is picked after looking, and so, in effect, is
/// the end it is compared with (a high first point of a flat start makes any dip look deep), so the threshold is that
/// of all pairs (at the threshold for n − 2 comparisons, about 3% of emergent series with a flat start would be called
/// u-shaped). A series with both a valley and a peak is uncorrelated.</item>
/// <item><b>inverse</b>: the last point is significantly worse than the first (z ≤ −2) and the rank correlation is
/// ≤ −0.7.</item>
/// <item><b>emergent</b>: the last point is significantly better than the first (z ≥ 2); one step between neighbouring
/// scales carries at least half of that rise; at least two scales come before the step, and no pair of them differs
/// significantly (at m = their pairs); and, when a chance level c′ is given, every one of them is near chance:
/// y′_i − c′ ≤ max(2·s_i, 0.1·(y′_last − c′)).</item>
/// <item><b>smooth</b>: significantly better at the end (z ≥ 2) with a rank correlation ≥ 0.7, and not emergent.</item>
/// <item><b>uncorrelated</b>: anything else (significant differences with no consistent direction).</item>
/// </list>
/// </remarks>
public static class ScalingClassifier
{
    /// <summary>The fewest scales a series needs to be classified.</summary>
    public const int MinimumScales = 4;

    /// <summary>The rank correlation a trend needs: ≥ 0.7 for smooth, ≤ −0.7 for inverse.</summary>
    public const double TrendCorrelation = 0.7;

    /// <summary>z_m = max(2, Φ⁻¹(1 − 0.025/m)): the threshold, in combined standard errors, for a comparison picked from
    /// <paramref name="comparisons"/> at a family-wise two-sided level of 5%.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="comparisons"/> is less than 1.</exception>
    public static double Threshold(int comparisons)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(comparisons, 1);
        return Math.Max(2.0, Statistics.NormalQuantile(1 - (0.025 / comparisons)));
    }

    /// <summary>Classifies <paramref name="series"/> by the criteria in the remarks.</summary>
    public static SeriesClassification Classify(ScalingSeries series)
    {
        ArgumentNullException.ThrowIfNull(series);
        IReadOnlyList<ScalingPoint> points = series.Points;
        int n = points.Count;
        double sign = series.Direction == MetricDirection.HigherIsBetter ? 1 : -1;
        double[] y = [.. points.Select(p => sign * p.Y)];
        double[] s = [.. points.Select(p => p.StandardError)];
        double[] x = [.. points.Select(p => p.X)];
        if (n < 2)
        {
            return new SeriesClassification { Class = ScalingClass.Insufficient, Reason = Invariant($"{n} scale(s); classes need at least {MinimumScales}.") };
        }

        double rank = Statistics.RankCorrelation(x, y);
        double total = y[n - 1] - y[0];
        double totalZ = Z(y, s, 0, n - 1);
        int step = -1;
        double share = double.NaN;
        if (total != 0)
        {
            for (int i = 0; i + 1 < n; i++)
            {
                double carried = (y[i + 1] - y[i]) * Math.Sign(total) / Math.Abs(total);
                if (step < 0 || carried > share)
                {
                    (step, share) = (i, carried);
                }
            }
        }

        double pairThreshold = Threshold(n * (n - 1) / 2);
        double largestPair = LargestPairZ(y, s, 0, n - 1);
        var scores = new SeriesClassification
        {
            Class = ScalingClass.Insufficient,
            Reason = string.Empty,
            RankCorrelation = rank,
            LargestStepShare = share,
            LargestStep = step,
            TotalChangeZ = totalZ,
            LargestPairZ = largestPair,
            PairThreshold = pairThreshold,
        };
        if (n < MinimumScales)
        {
            return scores with { Reason = Invariant($"{n} scales; classes need at least {MinimumScales}."), LargestPairZ = double.NaN, PairThreshold = double.NaN };
        }

        int missing = s.Count(e => !(e >= 0) || !double.IsFinite(e));
        if (missing > 0)
        {
            return scores with { Reason = Invariant($"{missing} point(s) without a standard error; the criteria compare differences with their errors."), LargestPairZ = double.NaN };
        }

        if (!(largestPair > pairThreshold))
        {
            return scores with { Class = ScalingClass.Flat, Reason = Invariant($"no two scales differ by more than {pairThreshold:F2} combined standard errors (largest {largestPair:F2}; Bonferroni over {n * (n - 1) / 2} pairs).") };
        }

        double interiorThreshold = pairThreshold;
        int low = 1, high = 1;
        for (int i = 2; i < n - 1; i++)
        {
            low = y[i] < y[low] ? i : low;
            high = y[i] > y[high] ? i : high;
        }

        double belowFirst = Z(y, s, low, 0), belowLast = Z(y, s, low, n - 1);
        double aboveFirst = Z(y, s, 0, high), aboveLast = Z(y, s, n - 1, high);
        bool valley = belowFirst > interiorThreshold && belowLast > interiorThreshold;
        bool peak = aboveFirst > interiorThreshold && aboveLast > interiorThreshold;
        if (valley && peak)
        {
            return scores with { Class = ScalingClass.Uncorrelated, Reason = Invariant($"both an interior low ('{points[low].Model}') and an interior high ('{points[high].Model}') significantly beyond the ends: no single shape.") };
        }

        if (valley)
        {
            return scores with { Class = ScalingClass.UShaped, Reason = Invariant($"'{points[low].Model}' is {belowFirst:F1} and {belowLast:F1} combined standard errors worse than the first and last scales (threshold {interiorThreshold:F2}).") };
        }

        if (peak)
        {
            return scores with { Class = ScalingClass.InvertedU, Reason = Invariant($"'{points[high].Model}' is {aboveFirst:F1} and {aboveLast:F1} combined standard errors better than the first and last scales (threshold {interiorThreshold:F2}).") };
        }

        if (totalZ <= -2 && rank <= -TrendCorrelation)
        {
            return scores with { Class = ScalingClass.Inverse, Reason = Invariant($"worse by {-totalZ:F1} standard errors from first to last scale, rank correlation {rank:F2}.") };
        }

        if (totalZ >= 2)
        {
            string? emergence = Emergence(series, y, s, step, share);
            if (emergence is not null)
            {
                return scores with { Class = ScalingClass.Emergent, Reason = emergence };
            }

            if (rank >= TrendCorrelation)
            {
                return scores with { Class = ScalingClass.Smooth, Reason = Invariant($"better by {totalZ:F1} standard errors from first to last scale, rank correlation {rank:F2}; the largest step carries {share:P0}.") };
            }
        }

        return scores with { Class = ScalingClass.Uncorrelated, Reason = Invariant($"significant differences without a consistent shape: change {totalZ:F1} standard errors, rank correlation {rank:F2}.") };
    }

    /// <summary>The reason the series is emergent, or null when it is not (see the remarks).</summary>
    private static string? Emergence(ScalingSeries series, double[] y, double[] s, int step, double share)
    {
        if (step < 1 || !(share >= 0.5))
        {
            return null;
        }

        int early = step + 1;
        double threshold = Threshold(early * (early - 1) / 2);
        if (LargestPairZ(y, s, 0, step) > threshold)
        {
            return null;
        }

        if (series.ChanceLevel is double chance)
        {
            double oriented = series.Direction == MetricDirection.HigherIsBetter ? chance : -chance;
            double tolerance = 0.1 * (y[^1] - oriented);
            for (int i = 0; i <= step; i++)
            {
                if (y[i] - oriented > Math.Max(2 * s[i], tolerance))
                {
                    return null;
                }
            }
        }

        IReadOnlyList<ScalingPoint> points = series.Points;
        return Invariant($"the step from '{points[step].Model}' to '{points[step + 1].Model}' carries {share:P0} of the rise, after {early} scales flat among themselves{(series.ChanceLevel is null ? string.Empty : " and near chance")}.");
    }

    /// <summary>(y′_j − y′_i) / √(s_i² + s_j²); ±∞ for a difference with no error, 0 for none.</summary>
    private static double Z(double[] y, double[] s, int i, int j)
    {
        double difference = y[j] - y[i];
        double error = Math.Sqrt((s[i] * s[i]) + (s[j] * s[j]));
        return difference == 0 ? 0 : error > 0 ? difference / error : difference * double.PositiveInfinity;
    }

    private static double LargestPairZ(double[] y, double[] s, int first, int last)
    {
        double largest = 0;
        for (int i = first; i <= last; i++)
        {
            for (int j = i + 1; j <= last; j++)
            {
                largest = Math.Max(largest, Math.Abs(Z(y, s, i, j)));
            }
        }

        return largest;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
