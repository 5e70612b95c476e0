namespace LossEngine.Scaling;

/// <summary>
/// log(E + A·x^(−α)) in the log-sum-exp parameters θ = (e, a', α) with E = e^e and A·x̄^(−α) = e^(a'), where log x is
/// centred on the mean log x̄ of the data. Centring takes the strong correlation between log A and α out of the
/// problem (without it a step in α moves the curve by α·log x, about 20 units for parameter counts).
/// </summary>
internal struct PowerLawCurve : ICurveModel
{
    private double _floor;

    public static int ParameterCount => 3;

    public void Prepare(ReadOnlySpan<double> theta) => _floor = Math.Exp(theta[0]);

    public readonly double Evaluate(double logX, ReadOnlySpan<double> theta, Span<double> gradient)
    {
        double power = Math.Exp(theta[1] - (theta[2] * logX));
        double sum = _floor + power;
        double share = power / sum;
        gradient[0] = _floor / sum;
        gradient[1] = share;
        gradient[2] = -logX * share;
        return Math.Log(sum);
    }
}
