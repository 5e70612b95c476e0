using System.Numerics;

namespace LossEngine.Scaling;

/// <summary>c + (1 − c)·σ(k·(log x − m)) with θ = (m, k), log x centred on the data's mean log x, and the floor c (the
/// chance level) fixed.</summary>
/// <remarks>Gradient: with q = (1 − c)·σ·(1 − σ), ∂/∂m = −k·q and ∂/∂k = (log x − m)·q. Vectorised as
/// <see cref="PowerLawCurve"/> is.</remarks>
internal readonly struct LogisticCurve(double floor) : ICurveModel
{
    public static int ParameterCount => 2;

    public void Evaluate(ReadOnlySpan<double> logX, ReadOnlySpan<double> theta, Span<double> values, Span<double> jacobian)
    {
        int n = logX.Length;
        double m = theta[0], k = theta[1], range = 1 - floor;
        Span<double> dM = jacobian[..n], dK = jacobian.Slice(n, n);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int width = Vector<double>.Count;
            var vM = new Vector<double>(m);
            var vK = new Vector<double>(k);
            var vFloor = new Vector<double>(floor);
            var vRange = new Vector<double>(range);
            for (; i <= n - width; i += width)
            {
                Vector<double> offset = new Vector<double>(logX.Slice(i, width)) - vM;
                Vector<double> sigma = Vector<double>.One / (Vector<double>.One + Vector.Exp(-vK * offset));
                Vector<double> slope = vRange * sigma * (Vector<double>.One - sigma);
                (vFloor + (vRange * sigma)).CopyTo(values.Slice(i, width));
                (-vK * slope).CopyTo(dM.Slice(i, width));
                (offset * slope).CopyTo(dK.Slice(i, width));
            }
        }

        for (; i < n; i++)
        {
            double offset = logX[i] - m;
            double sigma = 1.0 / (1.0 + Math.Exp(-k * offset));
            double slope = range * sigma * (1 - sigma);
            values[i] = floor + (range * sigma);
            dM[i] = -k * slope;
            dK[i] = offset * slope;
        }
    }
}
