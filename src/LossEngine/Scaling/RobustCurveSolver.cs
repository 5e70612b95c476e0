using System.Numerics;

namespace LossEngine.Scaling;

/// <summary>
/// Minimises Σ_i ρ_δ(f(log x_i; θ) − t_i) over a box, where ρ_δ is Huber's loss (r²/2 for |r| ≤ δ, δ·(|r| − δ/2)
/// beyond): Levenberg–Marquardt on the Gauss–Newton model of the Huber loss, whose gradient is Σ ψ(r_i)·J_i with
/// ψ(r) = r clipped to [−δ, δ]. Its curvature Σ w_i·J_i·J_iᵀ counts, while at least half the points (and 2p) lie within
/// δ, only those points (w = 1 inside, 0 beyond, where the loss is linear): a warm start then converges in two or three
/// steps, where the reweighted curvature of IRLS (w = δ/|r| beyond) converges only linearly. With fewer points inside,
/// the exact curvature can be too weak to point anywhere, and the iteration uses IRLS's. δ = +∞ gives least squares.
/// </summary>
internal static class RobustCurveSolver
{
    public const int MaxParameters = 3;

    /// <summary>Minimises from <paramref name="theta"/> (updated in place, kept inside [lower, upper]) and returns the
    /// final cost, NaN when the curve cannot be evaluated at the start. Stops when the model predicts, or a step makes, a
    /// decrease of no more than <paramref name="tolerance"/>·cost, when a step moves no parameter by more than
    /// 100·<paramref name="tolerance"/> of its size, or after <paramref name="maxIterations"/>. The workspace's Residuals
    /// then hold the residuals at the returned θ.</summary>
    public static double Minimize<TCurve>(ref TCurve curve, ReadOnlySpan<double> logX, ReadOnlySpan<double> target, Span<double> theta,
        ReadOnlySpan<double> lower, ReadOnlySpan<double> upper, double delta, int maxIterations, double tolerance, CurveWorkspace work)
        where TCurve : struct, ICurveModel
    {
        int p = TCurve.ParameterCount;
        for (int j = 0; j < p; j++)
        {
            theta[j] = Math.Clamp(theta[j], lower[j], upper[j]);
        }

        double cost = Evaluate(ref curve, logX, target, theta, delta, work.Residuals, work.Jacobian);
        if (!double.IsFinite(cost))
        {
            return double.NaN;
        }

        Span<double> hessian = stackalloc double[MaxParameters * MaxParameters];
        Span<double> gradient = stackalloc double[MaxParameters];
        Span<double> damped = stackalloc double[MaxParameters * MaxParameters];
        Span<double> step = stackalloc double[MaxParameters];
        Span<double> trial = stackalloc double[MaxParameters];
        double lambda = 1e-3;
        for (int iteration = 0; iteration < maxIterations && cost > 0; iteration++)
        {
            NormalEquations(work.Residuals, work.Jacobian, logX.Length, p, delta, hessian, gradient);
            double largestDiagonal = 0;
            for (int j = 0; j < p; j++)
            {
                largestDiagonal = Math.Max(largestDiagonal, hessian[(j * p) + j]);
            }

            bool accepted = false, converged = false;
            while (lambda <= 1e12)
            {
                for (int j = 0; j < p * p; j++)
                {
                    damped[j] = hessian[j];
                }

                for (int j = 0; j < p; j++)
                {
                    // Marquardt's scaling by the diagonal, floored so that a parameter the data cannot move (a logistic
                    // slope where every point sits on a flat tail, or every point beyond δ) still gets a finite step.
                    double diagonal = Math.Max(hessian[(j * p) + j], Math.Max(1e-9 * largestDiagonal, 1e-300));
                    damped[(j * p) + j] = hessian[(j * p) + j] + (lambda * diagonal) + 1e-300;
                }

                if (!SolveSymmetric(damped, gradient, step, p))
                {
                    lambda *= 4;
                    continue;
                }

                // The decrease the Gauss–Newton model predicts for this step: gᵀs − ½·sᵀHs.
                double predicted = 0;
                for (int j = 0; j < p; j++)
                {
                    double hs = 0;
                    for (int k = 0; k < p; k++)
                    {
                        hs += hessian[(j * p) + k] * step[k];
                    }

                    predicted += step[j] * (gradient[j] - (0.5 * hs));
                }

                double largestStep = 0;
                for (int j = 0; j < p; j++)
                {
                    trial[j] = Math.Clamp(theta[j] - step[j], lower[j], upper[j]);
                    largestStep = Math.Max(largestStep, Math.Abs(trial[j] - theta[j]) / (Math.Abs(theta[j]) + 1e-6));
                }

                if (predicted <= tolerance * cost || largestStep < 100 * tolerance)
                {
                    converged = true;
                    break;
                }

                double trialCost = Evaluate(ref curve, logX, target, trial, delta, work.TrialResiduals, work.TrialJacobian);
                if (trialCost < cost)
                {
                    work.AcceptTrial();
                    converged = cost - trialCost <= tolerance * cost;
                    cost = trialCost;
                    trial[..p].CopyTo(theta);
                    lambda = Math.Max(lambda / 3, 1e-12);
                    accepted = true;
                    break;
                }

                lambda *= 4;
            }

            if (!accepted || converged)
            {
                break;
            }
        }

        return cost;
    }

    /// <summary>Residuals f − t and the Jacobian's columns at θ, and the Huber cost; +∞ when any value is not finite.</summary>
    public static double Evaluate<TCurve>(ref TCurve curve, ReadOnlySpan<double> logX, ReadOnlySpan<double> target, ReadOnlySpan<double> theta,
        double delta, Span<double> residuals, Span<double> jacobian)
        where TCurve : struct, ICurveModel
    {
        int n = logX.Length;
        curve.Evaluate(logX, theta, residuals[..n], jacobian[..(n * TCurve.ParameterCount)]);
        double cost = 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            // With δ = +∞ the linear branch is −∞ and never chosen.
            int width = Vector<double>.Count;
            var vDelta = new Vector<double>(delta);
            var half = new Vector<double>(0.5);
            Vector<double> sum = Vector<double>.Zero;
            for (; i <= n - width; i += width)
            {
                Vector<double> r = new Vector<double>(residuals.Slice(i, width)) - new Vector<double>(target.Slice(i, width));
                r.CopyTo(residuals.Slice(i, width));
                Vector<double> size = Vector.Abs(r);
                sum += Vector.ConditionalSelect(Vector.LessThanOrEqual(size, vDelta), half * r * r, vDelta * (size - (half * vDelta)));
            }

            cost = Vector.Sum(sum);
        }

        for (; i < n; i++)
        {
            double r = residuals[i] - target[i];
            residuals[i] = r;
            double a = Math.Abs(r);
            cost += a <= delta ? 0.5 * r * r : delta * (a - (0.5 * delta));
        }

        return double.IsFinite(cost) ? cost : double.PositiveInfinity;
    }

    private static void NormalEquations(ReadOnlySpan<double> residuals, ReadOnlySpan<double> jacobian, int n, int p, double delta, Span<double> hessian, Span<double> gradient)
    {
        // The exact curvature counts only points on the quadratic part of the loss. When fewer than half the points
        // (or fewer than 2p) are there it can be too weak to point anywhere (a bootstrap resample of a logistic whose
        // steep points all lie beyond δ would stall at its start), and the points beyond δ get IRLS's weight δ/|r|.
        int inside = 0;
        for (int i = 0; i < n; i++)
        {
            inside += Math.Abs(residuals[i]) <= delta ? 1 : 0;
        }

        bool reweighted = inside < Math.Max(2 * p, (n + 1) / 2);

        // One pass over the points with the p (≤ 3) Jacobian columns read side by side (a 2-parameter curve reads its
        // second column twice and ignores the third sums), a vector of points at a time.
        Span<double> sums = stackalloc double[9];
        sums.Clear();
        ReadOnlySpan<double> c0 = jacobian[..n], c1 = jacobian.Slice(n, n), c2 = p > 2 ? jacobian.Slice(2 * n, n) : c1;
        int i0 = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int width = Vector<double>.Count;
            var vDelta = new Vector<double>(delta);
            Vector<double> g0 = default, g1 = default, g2 = default, h00 = default, h10 = default, h11 = default, h20 = default, h21 = default, h22 = default;
            for (; i0 <= n - width; i0 += width)
            {
                var r = new Vector<double>(residuals.Slice(i0, width));
                Vector<double> size = Vector.Abs(r);
                Vector<double> psi = Vector.Min(Vector.Max(r, -vDelta), vDelta);
                Vector<double> beyond = reweighted ? vDelta / size : Vector<double>.Zero;
                Vector<double> weight = Vector.ConditionalSelect(Vector.LessThanOrEqual(size, vDelta), Vector<double>.One, beyond);
                var j0 = new Vector<double>(c0.Slice(i0, width));
                var j1 = new Vector<double>(c1.Slice(i0, width));
                var j2 = new Vector<double>(c2.Slice(i0, width));
                g0 += psi * j0;
                g1 += psi * j1;
                g2 += psi * j2;
                Vector<double> w0 = weight * j0, w1 = weight * j1, w2 = weight * j2;
                h00 += w0 * j0;
                h10 += w1 * j0;
                h11 += w1 * j1;
                h20 += w2 * j0;
                h21 += w2 * j1;
                h22 += w2 * j2;
            }

            (sums[0], sums[1], sums[2]) = (Vector.Sum(g0), Vector.Sum(g1), Vector.Sum(g2));
            (sums[3], sums[4], sums[5]) = (Vector.Sum(h00), Vector.Sum(h10), Vector.Sum(h11));
            (sums[6], sums[7], sums[8]) = (Vector.Sum(h20), Vector.Sum(h21), Vector.Sum(h22));
        }

        for (int i = i0; i < n; i++)
        {
            double r = residuals[i];
            double size = Math.Abs(r);
            double psi = Math.Clamp(r, -delta, delta);
            double weight = size <= delta ? 1.0 : reweighted ? delta / size : 0.0;
            double j0 = c0[i], j1 = c1[i], j2 = c2[i];
            sums[0] += psi * j0;
            sums[1] += psi * j1;
            sums[2] += psi * j2;
            double w0 = weight * j0, w1 = weight * j1, w2 = weight * j2;
            sums[3] += w0 * j0;
            sums[4] += w1 * j0;
            sums[5] += w1 * j1;
            sums[6] += w2 * j0;
            sums[7] += w2 * j1;
            sums[8] += w2 * j2;
        }

        if (p == 2)
        {
            (gradient[0], gradient[1]) = (sums[0], sums[1]);
            (hessian[0], hessian[1], hessian[2], hessian[3]) = (sums[3], sums[4], sums[4], sums[5]);
            return;
        }

        (gradient[0], gradient[1], gradient[2]) = (sums[0], sums[1], sums[2]);
        (hessian[0], hessian[1], hessian[2]) = (sums[3], sums[4], sums[6]);
        (hessian[3], hessian[4], hessian[5]) = (sums[4], sums[5], sums[7]);
        (hessian[6], hessian[7], hessian[8]) = (sums[6], sums[7], sums[8]);
    }

    /// <summary>Solves the p×p symmetric positive definite system by Cholesky; false when it is not positive definite.</summary>
    private static bool SolveSymmetric(Span<double> matrix, ReadOnlySpan<double> right, Span<double> solution, int p)
    {
        for (int j = 0; j < p; j++)
        {
            double sum = matrix[(j * p) + j];
            for (int k = 0; k < j; k++)
            {
                sum -= matrix[(j * p) + k] * matrix[(j * p) + k];
            }

            if (!(sum > 0))
            {
                return false;
            }

            double pivot = Math.Sqrt(sum);
            matrix[(j * p) + j] = pivot;
            for (int i = j + 1; i < p; i++)
            {
                double s = matrix[(i * p) + j];
                for (int k = 0; k < j; k++)
                {
                    s -= matrix[(i * p) + k] * matrix[(j * p) + k];
                }

                matrix[(i * p) + j] = s / pivot;
            }
        }

        for (int i = 0; i < p; i++)
        {
            double s = right[i];
            for (int k = 0; k < i; k++)
            {
                s -= matrix[(i * p) + k] * solution[k];
            }

            solution[i] = s / matrix[(i * p) + i];
        }

        for (int i = p - 1; i >= 0; i--)
        {
            double s = solution[i];
            for (int k = i + 1; k < p; k++)
            {
                s -= matrix[(k * p) + i] * solution[k];
            }

            solution[i] = s / matrix[(i * p) + i];
        }

        return true;
    }
}
