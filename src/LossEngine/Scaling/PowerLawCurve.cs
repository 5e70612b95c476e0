using System.Numerics;

namespace LossEngine.Scaling;

/// <summary>
/// log(E + A·x^(−α)) in the log-sum-exp parameters θ = (e, a', α) with E = e^e and A·x̄^(−α) = e^(a'), where log x is
/// centred on the mean log x̄ of the data. Centring takes the strong correlation between log A and α out of the
/// problem (without it a step in α moves the curve by α·log x, about 20 units for parameter counts).
/// </summary>
/// <remarks>With v = A·x^(−α) and s = E + v: value log s, gradient (E/s, v/s, −log x·v/s). Points are evaluated a
/// vector at a time with <see cref="Vector.Exp(Vector{double})"/> and <see cref="Vector.Log(Vector{double})"/> when
/// vectors are hardware-accelerated; the tail and the unaccelerated case use Math.Exp and Math.Log.</remarks>
internal readonly struct PowerLawCurve : ICurveModel
{
    public static int ParameterCount => 3;

    public void Evaluate(ReadOnlySpan<double> logX, ReadOnlySpan<double> theta, Span<double> values, Span<double> jacobian)
    {
        int n = logX.Length;
        double floor = Math.Exp(theta[0]), a = theta[1], alpha = theta[2];
        Span<double> dFloor = jacobian[..n], dA = jacobian.Slice(n, n), dAlpha = jacobian.Slice(2 * n, n);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int width = Vector<double>.Count;
            var vFloor = new Vector<double>(floor);
            var vA = new Vector<double>(a);
            var vAlpha = new Vector<double>(alpha);
            for (; i <= n - width; i += width)
            {
                var x = new Vector<double>(logX.Slice(i, width));
                Vector<double> power = Vector.Exp(vA - (vAlpha * x));
                Vector<double> sum = vFloor + power;
                Vector<double> share = power / sum;
                Vector.Log(sum).CopyTo(values.Slice(i, width));
                (vFloor / sum).CopyTo(dFloor.Slice(i, width));
                share.CopyTo(dA.Slice(i, width));
                (-x * share).CopyTo(dAlpha.Slice(i, width));
            }
        }

        for (; i < n; i++)
        {
            double power = Math.Exp(a - (alpha * logX[i]));
            double sum = floor + power;
            double share = power / sum;
            values[i] = Math.Log(sum);
            dFloor[i] = floor / sum;
            dA[i] = share;
            dAlpha[i] = -logX[i] * share;
        }
    }
}
