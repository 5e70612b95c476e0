namespace LossEngine.Scaling;

/// <summary>
/// A one-variable curve fitted to a series: <see cref="PowerLawFit"/> for lower-is-better metrics,
/// <see cref="LogisticFit"/> for bounded higher-is-better ones. Intervals come from refitting bootstrap resamples from
/// the estimate (see <see cref="CurveFitter"/>); <see cref="Extrapolate"/> reads the same refits.
/// </summary>
public abstract record CurveFit
{
    private protected CurveFit(double[] samples, int sampleWidth)
    {
        Samples = samples;
        SampleWidth = sampleWidth;
    }

    /// <summary>"power_law" or "logistic".</summary>
    public abstract string Form { get; }

    /// <summary>The parameters with their bootstrap intervals, in the order the JSON writes them.</summary>
    public required IReadOnlyList<FitParameter> Parameters { get; init; }

    /// <summary>R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)² on the metric's own scale; NaN when every y is the same.</summary>
    public required double RSquared { get; init; }

    /// <summary>Huber's δ used, in units of the fit's residual.</summary>
    public required double HuberDelta { get; init; }

    /// <summary>Bootstrap refits that converged to a finite cost; the intervals are quantiles over these.</summary>
    public required int Resamples { get; init; }

    /// <summary>The intervals' coverage.</summary>
    public required double Confidence { get; init; }

    /// <summary>The bootstrap refits' parameters, <see cref="SampleWidth"/> per refit, for extrapolation.</summary>
    private protected double[] Samples { get; }

    private protected int SampleWidth { get; }

    /// <summary>The fitted curve at <paramref name="x"/>.</summary>
    public abstract double Predict(double x);

    /// <summary>The curve at <paramref name="x"/> with the percentile interval of the bootstrap curves there.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="x"/> is not positive and finite.</exception>
    public Extrapolation Extrapolate(double x)
    {
        if (!(x > 0) || !double.IsFinite(x))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "Scales are positive and finite.");
        }

        var values = new double[Samples.Length / SampleWidth];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = PredictFrom(Samples.AsSpan(i * SampleWidth, SampleWidth), x);
        }

        return new Extrapolation(x, Predict(x), ConfidenceInterval.FromSamples(values, Confidence));
    }

    /// <summary>The parameter named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The fit has no such parameter.</exception>
    public FitParameter Parameter(string name) =>
        Parameters.FirstOrDefault(p => p.Name == name) ?? throw new KeyNotFoundException($"A {Form} fit has no parameter '{name}'.");

    private protected abstract double PredictFrom(ReadOnlySpan<double> sample, double x);
}
