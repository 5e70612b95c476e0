using System.Numerics;

namespace LossEngine.Scaling;

/// <summary>
/// One-variable fits of a series against log x, each with bootstrap intervals and R².
/// </summary>
/// <remarks>
/// <para>Both forms are fitted by Huber regression (Levenberg–Marquardt on the Huber loss's Gauss–Newton model, see
/// <see cref="RobustCurveSolver"/>) in three stages: the cost of a grid of starting points is evaluated, least squares is run from the best three, and the
/// Huber fit (δ from <see cref="CurveFitOptions.HuberDelta"/>) is run from the best least-squares result.</para>
/// <para>Bootstrap: when every point has a finite standard error and not all are 0, resample i draws
/// y*ᵢ = yᵢ + sᵢ·zᵢ with zᵢ ~ N(0, 1) (the measurement noise the inputs report); otherwise it adds to the fitted
/// curve residuals drawn with replacement from the fit's own. Each resample is refitted from the estimate with the same
/// δ. Intervals are percentile intervals over the refits. The generator is seeded by
/// <see cref="CurveFitOptions.Seed"/> (mixed with the task and metric in <see cref="Fit"/>), so a run repeats exactly
/// on one machine; the vectorised exp and log can move the last digits between instruction sets.</para>
/// </remarks>
public static class CurveFitter
{
    private const int MainIterations = 200;
    private const int BootstrapIterations = 50;

    // The estimate is converged tightly; a bootstrap refit only needs to be far more precise than the interval it feeds
    // (near the minimum a relative change of 1e-8 in the cost is a move of about √(1e-8·n) standard errors of the
    // parameters: a thousandth for 100 points).
    private const double MainTolerance = 1e-12;
    private const double BootstrapTolerance = 1e-8;
    private const double DeltaFloor = 1e-4;

    /// <summary>The power law for a lower-is-better series whose every y is positive and that has at least 4 points; the
    /// logistic for a higher-is-better series whose every y lies in [0, 1] and that has at least 3 points (floor: its
    /// chance level, or 0); null otherwise (see <see cref="NoFitReason"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static CurveFit? Fit(ScalingSeries series, CurveFitOptions options)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(options);
        if (NoFitReason(series) is not null)
        {
            return null;
        }

        ulong seed = StableHash.Of(series.Metric, StableHash.Of(series.Task)) ^ (ulong)options.Seed;
        double[] x = [.. series.Points.Select(p => p.X)];
        double[] y = [.. series.Points.Select(p => p.Y)];
        double[] errors = [.. series.Points.Select(p => p.StandardError)];
        return series.Direction == MetricDirection.LowerIsBetter
            ? FitPowerLawSeeded(x, y, errors, options, seed)
            : FitLogisticSeeded(x, y, errors, series.ChanceLevel ?? 0, options, seed);
    }

    /// <summary>Why <see cref="Fit"/> returns null for <paramref name="series"/>, or null when it fits one.</summary>
    public static string? NoFitReason(ScalingSeries series)
    {
        ArgumentNullException.ThrowIfNull(series);
        int n = series.Points.Count;
        if (series.Direction == MetricDirection.LowerIsBetter)
        {
            return n < 4 ? "a power law needs at least 4 points"
                : series.Points.Any(p => !(p.Y > 0) || !double.IsFinite(p.Y)) ? "a power law needs every value positive" : null;
        }

        double floor = series.ChanceLevel ?? 0;
        return n < 3 ? "a logistic needs at least 3 points"
            : series.Points.Any(p => !(p.Y >= 0 && p.Y <= 1)) ? "a logistic needs every value in [0, 1] (an unbounded higher-is-better metric has no fit)"
            : !(floor >= 0 && floor < 1) ? "the chance level is outside [0, 1)" : null;
    }

    /// <summary>Fits y = E + A·x^(−α) (E ≥ 0, A > 0, 0 ≤ α ≤ 10) by Huber regression on log y − log ŷ, as
    /// log ŷ = LSE(a − α·log x, e) with A = e^a, E = e^e. Starting points: α on a grid from 0.05 to 4, with E and A from
    /// linear least squares on y for each α.</summary>
    /// <param name="x">Scales, positive and not all equal.</param>
    /// <param name="y">Values, positive.</param>
    /// <param name="standardErrors">The values' standard errors (NaN where unknown), for the bootstrap.</param>
    /// <param name="options">Bootstrap, seed, confidence, δ.</param>
    /// <exception cref="ArgumentException">Fewer than 4 points, lengths differ, an x or y not positive and finite, or all x
    /// equal.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static PowerLawFit FitPowerLaw(IReadOnlyList<double> x, IReadOnlyList<double> y, IReadOnlyList<double> standardErrors, CurveFitOptions options) =>
        FitPowerLawSeeded(x, y, standardErrors, options, (ulong)(options ?? throw new ArgumentNullException(nameof(options))).Seed);

    /// <summary>Fits y = c + (1 − c)·σ(k·(ln x − ln x₀)) with the floor c fixed, 0 ≤ k, by Huber regression on y.
    /// Starting points: ln x₀ at each measured scale and between neighbours, k·(range of ln x) in {4, 12, 40}.</summary>
    /// <param name="x">Scales, positive and not all equal.</param>
    /// <param name="y">Values in [0, 1].</param>
    /// <param name="standardErrors">The values' standard errors (NaN where unknown), for the bootstrap.</param>
    /// <param name="floor">The chance level c in [0, 1).</param>
    /// <param name="options">Bootstrap, seed, confidence, δ.</param>
    /// <exception cref="ArgumentException">Fewer than 3 points, lengths differ, an x not positive and finite, a y outside
    /// [0, 1], all x equal.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The floor or an option is out of range.</exception>
    public static LogisticFit FitLogistic(IReadOnlyList<double> x, IReadOnlyList<double> y, IReadOnlyList<double> standardErrors, double floor, CurveFitOptions options) =>
        FitLogisticSeeded(x, y, standardErrors, floor, options, (ulong)(options ?? throw new ArgumentNullException(nameof(options))).Seed);

    internal static PowerLawFit FitPowerLawSeeded(IReadOnlyList<double> x, IReadOnlyList<double> y, IReadOnlyList<double> standardErrors, CurveFitOptions options, ulong seed)
    {
        Prepared data = Prepare(x, y, standardErrors, options, minimum: 4);
        if (y.Any(v => !(v > 0) || !double.IsFinite(v)))
        {
            throw new ArgumentException("A power law is fitted to positive values only.", nameof(y));
        }

        int n = data.Count;
        double yMin = y.Min(), yMax = y.Max();
        for (int i = 0; i < n; i++)
        {
            data.Work.Target[i] = Math.Log(y[i]);
        }

        double[] lower = [Math.Log(yMin) - 25, Math.Log(yMin) - 30, 0];
        double[] upper = [Math.Log(yMax) + 1, Math.Log(yMax) + 5, 10];
        var starts = new List<double[]>();
        foreach (double alpha in (ReadOnlySpan<double>)[0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.5, 4.0])
        {
            // Linear least squares for y ≈ E + B·z with z = x^(−α) at the centred log x, kept to E ≥ 0 and B > 0.
            double sz = 0, szz = 0, sy = 0, szy = 0;
            for (int i = 0; i < n; i++)
            {
                double z = Math.Exp(-alpha * data.LogX[i]);
                (sz, szz, sy, szy) = (sz + z, szz + (z * z), sy + y[i], szy + (z * y[i]));
            }

            double denominator = (n * szz) - (sz * sz);
            double b = denominator > 0 ? ((n * szy) - (sz * sy)) / denominator : 0;
            double e = (sy - (b * sz)) / n;
            if (!(b > 0))
            {
                b = 1e-3 * sy / n;
                e = (sy / n) - (b * sz / n);
            }

            if (!(e > 0))
            {
                e = 0;
                b = Math.Max(szy / szz, 1e-300);
            }

            starts.Add([Math.Log(Math.Max(e, yMin * 1e-10)), Math.Log(b), alpha]);
        }

        var curve = new PowerLawCurve();
        double[] theta = BestFit(ref curve, data, starts, lower, upper, options.HuberDelta, out double delta);
        double[] samples = Bootstrap(ref curve, data, theta, lower, upper, delta, options, seed, logTarget: true, (t, s) =>
        {
            s[0] = Math.Exp(t[0]);
            s[1] = Math.Exp(t[1] + (t[2] * data.Center));
            s[2] = t[2];
        }, 3);
        double estimateE = Math.Exp(theta[0]), estimateA = Math.Exp(theta[1] + (theta[2] * data.Center));
        return new PowerLawFit(samples)
        {
            Parameters =
            [
                new FitParameter("E", estimateE, Interval(samples, 3, 0, options.Confidence)),
                new FitParameter("A", estimateA, Interval(samples, 3, 1, options.Confidence)),
                new FitParameter("alpha", theta[2], Interval(samples, 3, 2, options.Confidence)),
            ],
            RSquared = RSquared(y, [.. x.Select(v => estimateE + (estimateA * Math.Pow(v, -theta[2])))]),
            HuberDelta = delta,
            Resamples = samples.Length / 3,
            Confidence = options.Confidence,
        };
    }

    internal static LogisticFit FitLogisticSeeded(IReadOnlyList<double> x, IReadOnlyList<double> y, IReadOnlyList<double> standardErrors, double floor, CurveFitOptions options, ulong seed)
    {
        Prepared data = Prepare(x, y, standardErrors, options, minimum: 3);
        if (y.Any(v => !(v >= 0 && v <= 1)))
        {
            throw new ArgumentException("A logistic between the chance level and 1 is fitted to values in [0, 1] only.", nameof(y));
        }

        if (!(floor >= 0 && floor < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(floor), floor, "The chance level is in [0, 1).");
        }

        int n = data.Count;
        for (int i = 0; i < n; i++)
        {
            data.Work.Target[i] = y[i];
        }

        double first = data.LogX.Min(), last = data.LogX.Max(), span = last - first;
        double[] lower = [first - (2 * span) - 1, 0];
        double[] upper = [last + (2 * span) + 1, 100 / span];
        double[] sortedLogX = [.. data.LogX.Order()];
        var midpoints = new List<double>(sortedLogX);
        for (int i = 1; i < sortedLogX.Length; i++)
        {
            midpoints.Add(0.5 * (sortedLogX[i - 1] + sortedLogX[i]));
        }

        var starts = new List<double[]>();
        foreach (double m in midpoints)
        {
            foreach (double steepness in (ReadOnlySpan<double>)[4.0, 12.0, 40.0])
            {
                starts.Add([m, steepness / span]);
            }
        }

        var curve = new LogisticCurve(floor);
        double[] theta = BestFit(ref curve, data, starts, lower, upper, options.HuberDelta, out double delta);
        double[] samples = Bootstrap(ref curve, data, theta, lower, upper, delta, options, seed, logTarget: false, (t, s) =>
        {
            s[0] = Math.Exp(t[0] + data.Center);
            s[1] = t[1];
        }, 2);
        double midpoint = Math.Exp(theta[0] + data.Center);
        var fit = new LogisticFit(samples, floor)
        {
            Parameters =
            [
                new FitParameter("x0", midpoint, Interval(samples, 2, 0, options.Confidence)),
                new FitParameter("slope", theta[1], Interval(samples, 2, 1, options.Confidence)),
                new FitParameter("floor", floor, ConfidenceInterval.Unknown),
            ],
            RSquared = double.NaN,
            HuberDelta = delta,
            Resamples = samples.Length / 2,
            Confidence = options.Confidence,
            MidpointWithinData = midpoint >= x.Min() && midpoint <= x.Max(),
        };
        return fit with { RSquared = RSquared(y, [.. x.Select(fit.Predict)]) };
    }

    /// <summary>Validated inputs: log x centred on its mean (the centre kept to undo it), standard errors, workspace.</summary>
    private sealed record Prepared(int Count, double[] LogX, double Center, double[] Errors, CurveWorkspace Work);

    private static Prepared Prepare(IReadOnlyList<double> x, IReadOnlyList<double> y, IReadOnlyList<double> errors, CurveFitOptions options, int minimum)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (x.Count != y.Count || x.Count != errors.Count)
        {
            throw new ArgumentException($"x, y and the standard errors have {x.Count}, {y.Count} and {errors.Count} values; they must match.", nameof(y));
        }

        if (x.Count < minimum)
        {
            throw new ArgumentException($"{x.Count} point(s): this fit needs at least {minimum}.", nameof(x));
        }

        if (x.Any(v => !(v > 0) || !double.IsFinite(v)))
        {
            throw new ArgumentException("Scales are positive and finite (the fits work in log x).", nameof(x));
        }

        double[] logX = [.. x.Select(v => Math.Log(v))];
        double center = logX.Average();
        for (int i = 0; i < logX.Length; i++)
        {
            logX[i] -= center;
        }

        if (logX.Max() - logX.Min() <= 0)
        {
            throw new ArgumentException("All the scales are equal; a curve in x needs at least two.", nameof(x));
        }

        return new Prepared(x.Count, logX, center, [.. errors], new CurveWorkspace(x.Count));
    }

    /// <summary>Least squares from the three cheapest starts, then Huber from the best of those.</summary>
    private static double[] BestFit<TCurve>(ref TCurve curve, Prepared data, List<double[]> starts, double[] lower, double[] upper, double? fixedDelta, out double delta)
        where TCurve : struct, ICurveModel
    {
        int p = TCurve.ParameterCount;
        CurveWorkspace work = data.Work;
        var costs = new double[starts.Count];
        for (int s = 0; s < starts.Count; s++)
        {
            for (int j = 0; j < p; j++)
            {
                starts[s][j] = Math.Clamp(starts[s][j], lower[j], upper[j]);
            }

            double cost = RobustCurveSolver.Evaluate(ref curve, data.LogX, work.Target, starts[s], double.PositiveInfinity, work.Residuals, work.Jacobian);
            costs[s] = double.IsFinite(cost) ? cost : double.PositiveInfinity;
        }

        int[] order = [.. Enumerable.Range(0, starts.Count).OrderBy(s => costs[s]).ThenBy(s => s)];
        double[] best = (double[])starts[order[0]].Clone();
        double bestCost = double.PositiveInfinity;
        foreach (int s in order.Take(3))
        {
            double[] theta = (double[])starts[s].Clone();
            double cost = RobustCurveSolver.Minimize(ref curve, data.LogX, work.Target, theta, lower, upper, double.PositiveInfinity, MainIterations, MainTolerance, work);
            if (cost < bestCost)
            {
                (best, bestCost) = (theta, cost);
            }
        }

        if (fixedDelta is double given)
        {
            delta = given;
        }
        else
        {
            RobustCurveSolver.Evaluate(ref curve, data.LogX, work.Target, best, double.PositiveInfinity, work.Residuals, work.Jacobian);
            double[] absolute = [.. work.Residuals.Take(data.Count).Select(Math.Abs)];
            delta = Math.Max(1.345 * 1.4826 * Statistics.Median(absolute), DeltaFloor);
        }

        RobustCurveSolver.Minimize(ref curve, data.LogX, work.Target, best, lower, upper, delta, MainIterations, MainTolerance, work);
        return best;
    }

    /// <summary>Refits B resamples from θ̂ and returns their converted parameters, <paramref name="width"/> per refit.
    /// Leaves the workspace's target as it found it.</summary>
    private static double[] Bootstrap<TCurve>(ref TCurve curve, Prepared data, double[] estimate, double[] lower, double[] upper, double delta, CurveFitOptions options,
        ulong seed, bool logTarget, Action<double[], double[]> convert, int width)
        where TCurve : struct, ICurveModel
    {
        int n = data.Count;
        CurveWorkspace work = data.Work;
        double[] target = [.. work.Target];
        RobustCurveSolver.Evaluate(ref curve, data.LogX, target, estimate, delta, work.Residuals, work.Jacobian);
        double[] residuals = [.. work.Residuals.Take(n)];
        double[] fitted = [.. Enumerable.Range(0, n).Select(i => target[i] + residuals[i])];
        bool measured = data.Errors.All(e => e >= 0 && double.IsFinite(e)) && data.Errors.Any(e => e > 0);
        double[] observed = logTarget ? [.. target.Select(Math.Exp)] : target;
        var random = new SeededRandom(seed);
        var samples = new List<double>(options.Bootstrap * width);
        double[] theta = new double[estimate.Length];
        double[] converted = new double[width];
        double[] noise = new double[n];
        for (int b = 0; b < options.Bootstrap; b++)
        {
            if (measured)
            {
                random.FillGaussian(noise);
                for (int i = 0; i < n; i++)
                {
                    work.Target[i] = observed[i] + (data.Errors[i] * noise[i]);
                }

                if (logTarget)
                {
                    // A draw below zero of a positive metric (possible when its error is large) is kept just above it.
                    for (int i = 0; i < n; i++)
                    {
                        work.Target[i] = Math.Max(work.Target[i], 1e-300);
                    }

                    Logarithm(work.Target.AsSpan(0, n));
                }
            }
            else
            {
                for (int i = 0; i < n; i++)
                {
                    work.Target[i] = fitted[i] - residuals[random.NextInt(n)];
                }
            }

            estimate.CopyTo(theta, 0);
            double cost = RobustCurveSolver.Minimize(ref curve, data.LogX, work.Target, theta, lower, upper, delta, BootstrapIterations, BootstrapTolerance, work);
            if (double.IsFinite(cost))
            {
                convert(theta, converted);
                samples.AddRange(converted);
            }
        }

        target.CopyTo(work.Target, 0);
        return [.. samples];
    }

    /// <summary>Replaces every value by its natural logarithm, a vector at a time when vectors are accelerated.</summary>
    private static void Logarithm(Span<double> values)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int width = Vector<double>.Count;
            for (; i <= values.Length - width; i += width)
            {
                Vector.Log(new Vector<double>(values.Slice(i, width))).CopyTo(values.Slice(i, width));
            }
        }

        for (; i < values.Length; i++)
        {
            values[i] = Math.Log(values[i]);
        }
    }

    private static ConfidenceInterval Interval(double[] samples, int width, int index, double confidence)
    {
        var values = new double[samples.Length / width];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = samples[(i * width) + index];
        }

        return ConfidenceInterval.FromSamples(values, confidence);
    }

    private static double RSquared(IReadOnlyList<double> y, double[] fitted)
    {
        double mean = y.Average();
        double residual = 0, total = 0;
        for (int i = 0; i < y.Count; i++)
        {
            residual += (y[i] - fitted[i]) * (y[i] - fitted[i]);
            total += (y[i] - mean) * (y[i] - mean);
        }

        return total > 0 ? 1 - (residual / total) : double.NaN;
    }
}
