namespace LossEngine.Scaling;

/// <summary>
/// Limited-memory BFGS (Nocedal and Wright, Numerical Optimization, algorithms 7.4 and 7.5) with a line search for
/// the strong Wolfe conditions (algorithms 3.5 and 3.6, c₁ = 1e-4, c₂ = 0.9, cubic interpolation safeguarded to the
/// middle 80% of the bracket), ten correction pairs, unconstrained.
/// </summary>
internal static class Lbfgs
{
    private const int Memory = 10;
    private const double ArmijoFactor = 1e-4;
    private const double CurvatureFactor = 0.9;

    /// <summary>Minimises from <paramref name="x"/> (updated in place). Stops when an iteration lowers f by no more than
    /// <paramref name="relativeTolerance"/>·|f|, when ‖∇f‖∞ ≤ <paramref name="gradientTolerance"/>, when the line search
    /// finds no lower point, or after <paramref name="maxIterations"/>. Returns the final f (NaN if f(x₀) is not finite).</summary>
    public static double Minimize<TObjective>(ref TObjective objective, Span<double> x, int maxIterations, double relativeTolerance, double gradientTolerance)
        where TObjective : struct, IObjective
    {
        int n = x.Length;
        double[] buffer = new double[(2 * Memory * n) + (5 * n) + Memory];
        Span<double> s = buffer.AsSpan(0, Memory * n);
        Span<double> y = buffer.AsSpan(Memory * n, Memory * n);
        Span<double> g = buffer.AsSpan(2 * Memory * n, n);
        Span<double> direction = buffer.AsSpan((2 * Memory * n) + n, n);
        Span<double> xTrial = buffer.AsSpan((2 * Memory * n) + (2 * n), n);
        Span<double> gTrial = buffer.AsSpan((2 * Memory * n) + (3 * n), n);
        Span<double> xStart = buffer.AsSpan((2 * Memory * n) + (4 * n), n);
        Span<double> rho = buffer.AsSpan((2 * Memory * n) + (5 * n), Memory);
        Span<double> alpha = stackalloc double[Memory];

        double f = objective.Evaluate(x, g);
        if (!double.IsFinite(f))
        {
            return double.NaN;
        }

        int stored = 0;
        int newest = -1;
        for (int iteration = 0; iteration < maxIterations; iteration++)
        {
            if (MaxAbs(g) <= gradientTolerance)
            {
                break;
            }

            // Two-loop recursion: direction = −H·g with H the inverse-Hessian estimate from the stored pairs.
            for (int i = 0; i < n; i++)
            {
                direction[i] = -g[i];
            }

            for (int k = 0; k < stored; k++)
            {
                int slot = (newest - k + Memory) % Memory;
                alpha[slot] = rho[slot] * Dot(s.Slice(slot * n, n), direction);
                Axpy(-alpha[slot], y.Slice(slot * n, n), direction);
            }

            if (stored > 0)
            {
                Span<double> yNewest = y.Slice(newest * n, n);
                double gamma = Dot(s.Slice(newest * n, n), yNewest) / Dot(yNewest, yNewest);
                for (int i = 0; i < n; i++)
                {
                    direction[i] *= gamma;
                }
            }

            for (int k = stored - 1; k >= 0; k--)
            {
                int slot = (newest - k + Memory) % Memory;
                double beta = rho[slot] * Dot(y.Slice(slot * n, n), direction);
                Axpy(alpha[slot] - beta, s.Slice(slot * n, n), direction);
            }

            double slope = Dot(g, direction);
            if (!(slope < 0))
            {
                // Not a descent direction (the pairs went stale): restart from steepest descent.
                stored = 0;
                for (int i = 0; i < n; i++)
                {
                    direction[i] = -g[i];
                }

                slope = Dot(g, direction);
                if (!(slope < 0))
                {
                    break;
                }
            }

            double initialStep = stored == 0 ? Math.Min(1.0, 1.0 / Math.Max(MaxAbs(g), 1e-300)) : 1.0;
            x.CopyTo(xStart);
            double fNew = LineSearch(ref objective, xStart, f, slope, direction, initialStep, xTrial, gTrial);
            if (!(fNew < f))
            {
                if (stored == 0)
                {
                    break;
                }

                // A failed search with curvature pairs is retried once along the gradient.
                stored = 0;
                iteration--;
                continue;
            }

            newest = (newest + 1) % Memory;
            Span<double> sNew = s.Slice(newest * n, n);
            Span<double> yNew = y.Slice(newest * n, n);
            for (int i = 0; i < n; i++)
            {
                sNew[i] = xTrial[i] - x[i];
                yNew[i] = gTrial[i] - g[i];
            }

            double curvature = Dot(sNew, yNew);
            if (curvature > 1e-16 * Dot(yNew, yNew))
            {
                rho[newest] = 1.0 / curvature;
                stored = Math.Min(stored + 1, Memory);
            }
            else
            {
                // Drop this pair, which would make H indefinite. Its slot held the oldest pair when the memory was
                // full, and that one is overwritten now.
                newest = (newest - 1 + Memory) % Memory;
                stored = Math.Min(stored, Memory - 1);
            }

            double decrease = f - fNew;
            xTrial.CopyTo(x);
            gTrial.CopyTo(g);
            f = fNew;
            if (decrease <= relativeTolerance * Math.Max(Math.Abs(f), 1e-300))
            {
                break;
            }
        }

        return f;
    }

    /// <summary>Strong-Wolfe search along <paramref name="direction"/> from x₀. Writes the accepted point and gradient to
    /// xTrial and gTrial and returns f there, or f₀ (with no point) when no step lowers f.</summary>
    private static double LineSearch<TObjective>(ref TObjective objective, ReadOnlySpan<double> x0, double f0, double slope0,
        ReadOnlySpan<double> direction, double step, Span<double> xTrial, Span<double> gTrial)
        where TObjective : struct, IObjective
    {
        const int maxEvaluations = 40;
        double previousStep = 0, previousF = f0, previousSlope = slope0;
        double bestStep = 0, bestF = f0;
        for (int evaluation = 0; evaluation < maxEvaluations; evaluation++)
        {
            (double fStep, double slopeStep) = Probe(ref objective, x0, direction, step, xTrial, gTrial);
            if (!double.IsFinite(fStep) || fStep > f0 + (ArmijoFactor * step * slope0) || (evaluation > 0 && fStep >= previousF))
            {
                return Zoom(ref objective, x0, f0, slope0, direction, previousStep, previousF, previousSlope, step, fStep, slopeStep, xTrial, gTrial, maxEvaluations - evaluation);
            }

            if (Math.Abs(slopeStep) <= -CurvatureFactor * slope0)
            {
                return fStep;
            }

            if (fStep < bestF)
            {
                (bestStep, bestF) = (step, fStep);
            }

            if (slopeStep >= 0)
            {
                return Zoom(ref objective, x0, f0, slope0, direction, step, fStep, slopeStep, previousStep, previousF, previousSlope, xTrial, gTrial, maxEvaluations - evaluation);
            }

            (previousStep, previousF, previousSlope) = (step, fStep, slopeStep);
            step *= 2;
        }

        return bestStep > 0 ? Probe(ref objective, x0, direction, bestStep, xTrial, gTrial).F : f0;
    }

    private static double Zoom<TObjective>(ref TObjective objective, ReadOnlySpan<double> x0, double f0, double slope0, ReadOnlySpan<double> direction,
        double low, double fLow, double slopeLow, double high, double fHigh, double slopeHigh, Span<double> xTrial, Span<double> gTrial, int evaluations)
        where TObjective : struct, IObjective
    {
        for (int evaluation = 0; evaluation < Math.Max(evaluations, 8); evaluation++)
        {
            double step = Interpolate(low, fLow, slopeLow, high, fHigh, slopeHigh);
            (double f, double slope) = Probe(ref objective, x0, direction, step, xTrial, gTrial);
            if (!double.IsFinite(f) || f > f0 + (ArmijoFactor * step * slope0) || f >= fLow)
            {
                (high, fHigh, slopeHigh) = (step, f, slope);
            }
            else
            {
                if (Math.Abs(slope) <= -CurvatureFactor * slope0)
                {
                    return f;
                }

                if (slope * (high - low) >= 0)
                {
                    (high, fHigh, slopeHigh) = (low, fLow, slopeLow);
                }

                (low, fLow, slopeLow) = (step, f, slope);
            }

            if (Math.Abs(high - low) <= 1e-16 * Math.Max(Math.Abs(low), 1e-300))
            {
                break;
            }
        }

        // The bracket collapsed: accept its low end when it is below f₀ (Armijo holds there).
        return low > 0 && fLow < f0 ? Probe(ref objective, x0, direction, low, xTrial, gTrial).F : f0;
    }

    /// <summary>The minimiser of the cubic through (a, fa, ga) and (b, fb, gb), kept within the middle 80% of [a, b];
    /// the midpoint when the cubic has no real minimiser or an end is not finite.</summary>
    private static double Interpolate(double a, double fa, double ga, double b, double fb, double gb)
    {
        double low = Math.Min(a, b), high = Math.Max(a, b), width = high - low;
        double midpoint = low + (0.5 * width);
        if (!double.IsFinite(fa) || !double.IsFinite(fb) || !double.IsFinite(ga) || !double.IsFinite(gb))
        {
            return midpoint;
        }

        double d1 = ga + gb - (3 * (fa - fb) / (a - b));
        double radicand = (d1 * d1) - (ga * gb);
        if (radicand < 0)
        {
            return midpoint;
        }

        double d2 = Math.Sign(b - a) * Math.Sqrt(radicand);
        double step = b - ((b - a) * (gb + d2 - d1) / (gb - ga + (2 * d2)));
        return double.IsFinite(step) ? Math.Clamp(step, low + (0.1 * width), high - (0.1 * width)) : midpoint;
    }

    private static (double F, double Slope) Probe<TObjective>(ref TObjective objective, ReadOnlySpan<double> x0, ReadOnlySpan<double> direction, double step, Span<double> xTrial, Span<double> gTrial)
        where TObjective : struct, IObjective
    {
        for (int i = 0; i < x0.Length; i++)
        {
            xTrial[i] = x0[i] + (step * direction[i]);
        }

        double f = objective.Evaluate(xTrial, gTrial);
        return (f, Dot(gTrial, direction));
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private static void Axpy(double factor, ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] += factor * x[i];
        }
    }

    private static double MaxAbs(ReadOnlySpan<double> values)
    {
        double max = 0;
        foreach (double v in values)
        {
            max = Math.Max(max, Math.Abs(v));
        }

        return max;
    }
}
