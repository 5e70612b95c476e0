namespace LossEngine.Scaling;

/// <summary>
/// y = c + (1 − c)·σ(k·(ln x − ln x₀)) with σ(t) = 1/(1 + e^(−t)), between the chance level c and 1, fitted by Huber
/// regression on y (see <see cref="CurveFitter.FitLogistic"/>). x₀ is where the task turns on: halfway from chance to
/// 1. Its parameters are named "x0", "slope" and "floor" (the floor is fixed, so its interval is NaN).
/// </summary>
public sealed record LogisticFit : CurveFit
{
    internal LogisticFit(double[] samples, double floor)
        : base(samples, 2)
    {
        Floor = floor;
    }

    /// <inheritdoc/>
    public override string Form => "logistic";

    /// <summary>x₀: the scale at the curve's midpoint, (1 + c)/2.</summary>
    public double Midpoint => Parameters[0].Value;

    /// <summary>k ≥ 0: the steepness per unit of ln x (the curve goes from 12% to 88% of its rise over 4/k in ln x).</summary>
    public double Slope => Parameters[1].Value;

    /// <summary>c: the chance level (0 when the series has none).</summary>
    public double Floor { get; }

    /// <summary>True when x₀ lies between the smallest and the largest scale measured; otherwise it is an extrapolation
    /// (a task that has not turned on yet, or was on from the start).</summary>
    public required bool MidpointWithinData { get; init; }

    /// <summary>c + (1 − c)·σ(k·(ln x − ln x₀)).</summary>
    public override double Predict(double x) => Curve(Floor, Midpoint, Slope, x);

    private protected override double PredictFrom(ReadOnlySpan<double> sample, double x) => Curve(Floor, sample[0], sample[1], x);

    private static double Curve(double floor, double midpoint, double slope, double x) =>
        floor + ((1 - floor) / (1 + Math.Exp(-slope * (Math.Log(x) - Math.Log(midpoint)))));
}
