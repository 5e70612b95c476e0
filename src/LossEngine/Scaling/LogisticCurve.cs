namespace LossEngine.Scaling;

/// <summary>c + (1 − c)·σ(k·(log x − m)) with θ = (m, k), log x centred on the data's mean log x, and the floor c (the
/// chance level) fixed.</summary>
internal struct LogisticCurve(double floor) : ICurveModel
{
    public static int ParameterCount => 2;

    public readonly void Prepare(ReadOnlySpan<double> theta)
    {
    }

    public readonly double Evaluate(double logX, ReadOnlySpan<double> theta, Span<double> gradient)
    {
        double offset = logX - theta[0];
        double sigma = 1.0 / (1.0 + Math.Exp(-theta[1] * offset));
        double slope = (1 - floor) * sigma * (1 - sigma);
        gradient[0] = -theta[1] * slope;
        gradient[1] = offset * slope;
        return floor + ((1 - floor) * sigma);
    }
}
