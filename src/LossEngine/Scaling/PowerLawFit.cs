namespace LossEngine.Scaling;

/// <summary>y = E + A·x^(−α), fitted by Huber regression on log residuals (see <see cref="CurveFitter.FitPowerLaw"/>).
/// Its parameters are named "E", "A" and "alpha".</summary>
public sealed record PowerLawFit : CurveFit
{
    internal PowerLawFit(double[] samples)
        : base(samples, 3)
    {
    }

    /// <inheritdoc/>
    public override string Form => "power_law";

    /// <summary>E: the floor the metric approaches as x grows (the irreducible loss).</summary>
    public double E => Parameters[0].Value;

    /// <summary>A: the reducible part's coefficient.</summary>
    public double A => Parameters[1].Value;

    /// <summary>α ≥ 0: the exponent at which the reducible part shrinks.</summary>
    public double Alpha => Parameters[2].Value;

    /// <summary>E + A·x^(−α).</summary>
    public override double Predict(double x) => E + (A * Math.Pow(x, -Alpha));

    private protected override double PredictFrom(ReadOnlySpan<double> sample, double x) => sample[0] + (sample[1] * Math.Pow(x, -sample[2]));
}
