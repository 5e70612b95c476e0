namespace LossEngine.Scaling;

/// <summary>
/// Σ_i Huber_δ(LSE(a − α·log N_i, b − β·log D_i, e) − log L_i) over x = (a, b, e, α, β), with its gradient: the
/// objective of Hoffmann et al.'s approach 3. The log-sum-exp subtracts the largest term before exponentiating.
/// </summary>
internal readonly struct LawObjective(double[] logN, double[] logD, double[] logL, double delta) : IObjective
{
    public double Evaluate(ReadOnlySpan<double> x, Span<double> gradient)
    {
        double a = x[0], b = x[1], e = x[2], alpha = x[3], beta = x[4];
        double sum = 0, ga = 0, gb = 0, ge = 0, galpha = 0, gbeta = 0;
        for (int i = 0; i < logL.Length; i++)
        {
            double t1 = a - (alpha * logN[i]);
            double t2 = b - (beta * logD[i]);
            double m = Math.Max(Math.Max(t1, t2), e);
            double u1 = Math.Exp(t1 - m), u2 = Math.Exp(t2 - m), u3 = Math.Exp(e - m);
            double total = u1 + u2 + u3;
            double r = m + Math.Log(total) - logL[i];
            double size = Math.Abs(r);
            sum += size <= delta ? 0.5 * r * r : delta * (size - (0.5 * delta));

            // ψ(r), Huber's derivative, is r clipped to [−δ, δ].
            double psi = Math.Clamp(r, -delta, delta) / total;
            ga += psi * u1;
            gb += psi * u2;
            ge += psi * u3;
            galpha -= psi * u1 * logN[i];
            gbeta -= psi * u2 * logD[i];
        }

        gradient[0] = ga;
        gradient[1] = gb;
        gradient[2] = ge;
        gradient[3] = galpha;
        gradient[4] = gbeta;
        return double.IsFinite(sum) ? sum : double.PositiveInfinity;
    }
}
