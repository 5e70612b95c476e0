using System.Globalization;

namespace LossEngine.Scaling;

/// <summary>
/// Fits L(N, D) = E + A/N^α + B/D^β the way Besiroglu et al. (2024, "Chinchilla Scaling: A replication attempt")
/// replicated Hoffmann et al.'s approach 3: minimise Σ_i Huber_δ(LSE(a − α·log N_i, b − β·log D_i, e) − log L_i) with
/// A = e^a, B = e^b, E = e^e and δ = 1e-3, by L-BFGS from every point of the grid α, β ∈ {0, 0.5, …, 2},
/// e ∈ {−1, −0.5, …, 1}, a, b ∈ {0, 5, …, 25} (4,500 starts), keeping the lowest objective. Intervals: runs resampled
/// with replacement, each resample refitted by L-BFGS from the estimate, percentile intervals.
/// </summary>
public static class LawFitter
{
    private const int GridIterations = 1000;
    private const int BootstrapIterations = 1000;
    private const double RelativeTolerance = 1e-12;
    private const double GradientTolerance = 1e-14;

    /// <summary>Fits <paramref name="data"/>; see the class summary.</summary>
    /// <exception cref="ArgumentException">Fewer than 6 runs.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static LawFit Fit(LawData data, LawFitOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (data.Count < 6)
        {
            throw new ArgumentException($"{data.Count} run(s): five parameters need at least 6.", nameof(data));
        }

        double[] logN = [.. data.Parameters.Select(v => Math.Log(v))];
        double[] logD = [.. data.Tokens.Select(v => Math.Log(v))];
        double[] logL = [.. data.Loss.Select(v => Math.Log(v))];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism };

        double[][] grid = Grid();
        var results = new double[grid.Length][];
        var objectives = new double[grid.Length];
        Parallel.For(0, grid.Length, parallel, s =>
        {
            var objective = new LawObjective(logN, logD, logL, options.HuberDelta);
            double[] x = (double[])grid[s].Clone();
            objectives[s] = Lbfgs.Minimize(ref objective, x, GridIterations, RelativeTolerance, GradientTolerance);
            results[s] = x;
        });

        // The lowest objective wins, the earliest start among equals, so that the thread count cannot change the pick.
        int best = 0;
        for (int s = 1; s < grid.Length; s++)
        {
            if (objectives[s] < objectives[best] || !double.IsFinite(objectives[best]))
            {
                best = s;
            }
        }

        double[] estimate = results[best];
        var samples = new double[options.Bootstrap][];
        Parallel.For(0, options.Bootstrap, parallel, r =>
        {
            var random = new SeededRandom(SeededRandom.Derive((ulong)options.Seed, (ulong)r));
            int n = logL.Length;
            double[] sn = new double[n], sd = new double[n], sl = new double[n];
            for (int i = 0; i < n; i++)
            {
                int k = random.NextInt(n);
                (sn[i], sd[i], sl[i]) = (logN[k], logD[k], logL[k]);
            }

            var objective = new LawObjective(sn, sd, sl, options.HuberDelta);
            double[] x = (double[])estimate.Clone();
            double value = Lbfgs.Minimize(ref objective, x, BootstrapIterations, RelativeTolerance, GradientTolerance);
            samples[r] = double.IsFinite(value) ? x : [];
        });

        double[][] kept = [.. samples.Where(s => s.Length == 5)];
        double[] estimateNatural = Natural(estimate);
        double[][] keptNatural = [.. kept.Select(Natural)];
        string[] names = ["E", "A", "B", "alpha", "beta"];
        FitParameter[] parameters = [.. names.Select((name, k) => new FitParameter(name, estimateNatural[k], Interval(keptNatural.Select(s => s[k]), options.Confidence)))];

        double maxCompute = Enumerable.Range(0, data.Count).Max(i => 6 * data.Parameters[i] * data.Tokens[i]);
        // Parsed from text so that 1e23 is the double nearest 10²³, which Math.Pow(10, 23) is not.
        IReadOnlyList<double> budgets = options.Budgets ?? [.. Enumerable.Range(1, 4).Select(k =>
            double.Parse(string.Create(CultureInfo.InvariantCulture, $"1e{Math.Floor(Math.Log10(maxCompute)) + k}"), CultureInfo.InvariantCulture))];
        var objectiveAtEstimate = new LawObjective(logN, logD, logL, options.HuberDelta);
        return new LawFit
        {
            Parameters = parameters,
            Objective = objectiveAtEstimate.Evaluate(estimate, new double[5]),
            Points = data.Count,
            Dropped = data.Dropped,
            HuberDelta = options.HuberDelta,
            Starts = grid.Length,
            Resamples = kept.Length,
            Confidence = options.Confidence,
            RSquared = RSquared(logN, logD, logL, estimate),
            ComputeOptimal = Allocation(estimateNatural, keptNatural, budgets, options.Confidence),
        };
    }

    /// <summary>The grid of starting points (a, b, e, α, β) of Hoffmann et al., in a fixed order.</summary>
    private static double[][] Grid()
    {
        var grid = new List<double[]>(4500);
        for (int alpha = 0; alpha <= 4; alpha++)
        {
            for (int beta = 0; beta <= 4; beta++)
            {
                for (int e = -2; e <= 2; e++)
                {
                    for (int a = 0; a <= 25; a += 5)
                    {
                        for (int b = 0; b <= 25; b += 5)
                        {
                            grid.Add([a, b, e * 0.5, alpha * 0.5, beta * 0.5]);
                        }
                    }
                }
            }
        }

        return [.. grid];
    }

    /// <summary>(a, b, e, α, β) as (E, A, B, α, β).</summary>
    private static double[] Natural(double[] x) => [Math.Exp(x[2]), Math.Exp(x[0]), Math.Exp(x[1]), x[3], x[4]];

    private static ConfidenceInterval Interval(IEnumerable<double> values, double confidence) => ConfidenceInterval.FromSamples(values, confidence);

    private static double RSquared(double[] logN, double[] logD, double[] logL, double[] x)
    {
        double mean = logL.Average(), residual = 0, total = 0;
        for (int i = 0; i < logL.Length; i++)
        {
            double t1 = x[0] - (x[3] * logN[i]), t2 = x[1] - (x[4] * logD[i]), m = Math.Max(Math.Max(t1, t2), x[2]);
            double predicted = m + Math.Log(Math.Exp(t1 - m) + Math.Exp(t2 - m) + Math.Exp(x[2] - m));
            residual += (logL[i] - predicted) * (logL[i] - predicted);
            total += (logL[i] - mean) * (logL[i] - mean);
        }

        return total > 0 ? 1 - (residual / total) : double.NaN;
    }

    private static ComputeOptimalAllocation Allocation(double[] estimate, double[][] samples, IReadOnlyList<double> budgets, double confidence)
    {
        (double G, double a, double b) Exponents(double[] p)
        {
            (double bigA, double bigB, double alpha, double beta) = (p[1], p[2], p[3], p[4]);
            double sum = alpha + beta;
            return (Math.Pow(alpha * bigA / (beta * bigB), 1 / sum), beta / sum, alpha / sum);
        }

        (double G, double a, double b) point = Exponents(estimate);
        (double G, double a, double b)[] draws = [.. samples.Select(Exponents)];
        FitParameter Parameter(string name, Func<(double G, double a, double b), double[], double> value) =>
            new(name, value(point, estimate), Interval(draws.Select((d, i) => value(d, samples[i])), confidence));

        var list = new List<ComputeBudget>();
        foreach (double c in budgets.Order())
        {
            double n(double g, double a) => g * Math.Pow(c / 6, a);
            double d(double g, double b) => Math.Pow(c / 6, b) / g;
            double loss((double G, double a, double b) e, double[] p) =>
                p[0] + (p[1] / Math.Pow(n(e.G, e.a), p[3])) + (p[2] / Math.Pow(d(e.G, e.b), p[4]));
            list.Add(new ComputeBudget
            {
                Compute = c,
                Parameters = Parameter("params", (e, _) => n(e.G, e.a)),
                Tokens = Parameter("tokens", (e, _) => d(e.G, e.b)),
                TokensPerParameter = Parameter("tokens_per_param", (e, _) => d(e.G, e.b) / n(e.G, e.a)),
                Loss = Parameter("loss", loss),
            });
        }

        return new ComputeOptimalAllocation
        {
            Coefficient = Parameter("G", (e, _) => e.G),
            ParameterExponent = Parameter("a", (e, _) => e.a),
            TokenExponent = Parameter("b", (e, _) => e.b),
            Budgets = list,
        };
    }
}
