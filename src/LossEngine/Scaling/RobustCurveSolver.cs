namespace LossEngine.Scaling;

/// <summary>
/// Minimises Σ_i ρ_δ(f(log x_i; θ) − t_i) over a box, where ρ_δ is Huber's loss (r²/2 for |r| ≤ δ, δ·(|r| − δ/2)
/// beyond): Levenberg–Marquardt on iteratively reweighted normal equations. With weights w_i = min(1, δ/|r_i|), Σ w·r·J
/// is the exact gradient and Σ w·J·Jᵀ the Gauss–Newton curvature, so near the optimum a step costs one pass over the
/// points. δ = +∞ gives ordinary least squares.
/// </summary>
internal static class RobustCurveSolver
{
    public const int MaxParameters = 3;

    /// <summary>Huber's loss summed over the residuals.</summary>
    public static double Cost(ReadOnlySpan<double> residuals, double delta)
    {
        double cost = 0;
        foreach (double r in residuals)
        {
            double a = Math.Abs(r);
            cost += a <= delta ? 0.5 * r * r : delta * (a - (0.5 * delta));
        }

        return cost;
    }

    /// <summary>Minimises from <paramref name="theta"/> (updated in place, kept inside [lower, upper]) and returns the
    /// final cost, NaN when the curve cannot be evaluated at the start. The workspace's Residuals then hold the
    /// residuals at the returned θ.</summary>
    public static double Minimize<TCurve>(ref TCurve curve, ReadOnlySpan<double> logX, ReadOnlySpan<double> target, Span<double> theta,
        ReadOnlySpan<double> lower, ReadOnlySpan<double> upper, double delta, int maxIterations, CurveWorkspace work)
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
            NormalEquations(work.Residuals, work.Jacobian, p, delta, hessian, gradient);
            double improvement = 0;
            double largestStep = 0;
            bool accepted = false;
            while (lambda <= 1e12)
            {
                for (int j = 0; j < p * p; j++)
                {
                    damped[j] = hessian[j];
                }

                double largestDiagonal = 0;
                for (int j = 0; j < p; j++)
                {
                    largestDiagonal = Math.Max(largestDiagonal, hessian[(j * p) + j]);
                }

                for (int j = 0; j < p; j++)
                {
                    // Marquardt's scaling by the diagonal, floored so that a parameter the data cannot move (a logistic
                    // slope where every point sits on a flat tail) still gets a finite, small step.
                    double diagonal = Math.Max(hessian[(j * p) + j], Math.Max(1e-12 * largestDiagonal, 1e-300));
                    damped[(j * p) + j] = hessian[(j * p) + j] + (lambda * diagonal) + 1e-300;
                }

                if (!SolveSymmetric(damped, gradient, step, p))
                {
                    lambda *= 4;
                    continue;
                }

                largestStep = 0;
                for (int j = 0; j < p; j++)
                {
                    trial[j] = Math.Clamp(theta[j] - step[j], lower[j], upper[j]);
                    largestStep = Math.Max(largestStep, Math.Abs(trial[j] - theta[j]) / (Math.Abs(theta[j]) + 1e-6));
                }

                double trialCost = Evaluate(ref curve, logX, target, trial, delta, work.TrialResiduals, work.TrialJacobian);
                if (trialCost < cost)
                {
                    work.AcceptTrial();
                    improvement = cost - trialCost;
                    cost = trialCost;
                    trial[..p].CopyTo(theta);
                    lambda = Math.Max(lambda / 3, 1e-12);
                    accepted = true;
                    break;
                }

                if (largestStep < 1e-14)
                {
                    break;
                }

                lambda *= 4;
            }

            if (!accepted || improvement <= 1e-12 * cost || largestStep < 1e-10)
            {
                break;
            }
        }

        return cost;
    }

    /// <summary>Residuals f − t and Jacobian rows at θ, and the Huber cost; +∞ when any value is not finite.</summary>
    public static double Evaluate<TCurve>(ref TCurve curve, ReadOnlySpan<double> logX, ReadOnlySpan<double> target, ReadOnlySpan<double> theta,
        double delta, Span<double> residuals, Span<double> jacobian)
        where TCurve : struct, ICurveModel
    {
        int p = TCurve.ParameterCount;
        curve.Prepare(theta);
        double cost = 0;
        for (int i = 0; i < logX.Length; i++)
        {
            double r = curve.Evaluate(logX[i], theta, jacobian.Slice(i * p, p)) - target[i];
            residuals[i] = r;
            double a = Math.Abs(r);
            cost += a <= delta ? 0.5 * r * r : delta * (a - (0.5 * delta));
        }

        return double.IsFinite(cost) ? cost : double.PositiveInfinity;
    }

    private static void NormalEquations(ReadOnlySpan<double> residuals, ReadOnlySpan<double> jacobian, int p, double delta, Span<double> hessian, Span<double> gradient)
    {
        hessian[..(p * p)].Clear();
        gradient[..p].Clear();
        for (int i = 0; i < residuals.Length; i++)
        {
            double r = residuals[i];
            double a = Math.Abs(r);
            double w = a <= delta ? 1.0 : delta / a;
            ReadOnlySpan<double> row = jacobian.Slice(i * p, p);
            for (int j = 0; j < p; j++)
            {
                double wj = w * row[j];
                gradient[j] += wj * r;
                for (int k = 0; k <= j; k++)
                {
                    hessian[(j * p) + k] += wj * row[k];
                }
            }
        }

        for (int j = 0; j < p; j++)
        {
            for (int k = 0; k < j; k++)
            {
                hessian[(k * p) + j] = hessian[(j * p) + k];
            }
        }
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
