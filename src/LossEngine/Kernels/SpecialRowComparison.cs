namespace LossEngine.Kernels;

/// <summary>
/// The exact scalar double path of the KL comparison for rows with NaN, +∞, or a maximum at or below float.MinValue
/// (including all −∞) on either side, and for rows longer than 2^24. It reads both rows twice.
/// </summary>
internal static class SpecialRowComparison
{
    /// <summary>How many row pairs this thread has sent here: the tests check with it that masked and far-below pairs
    /// are settled by the vector passes.</summary>
    [ThreadStatic]
    internal static int RowsOnThisThread;

    public static ComparisonSummary Compute<T>(ReadOnlySpan<T> reference, ReadOnlySpan<T> candidate, float scale)
        where T : unmanaged
    {
        RowsOnThisThread++;
        (double referenceLse, int referenceArgMax, double referenceMax, double referenceLogSum) = LogSumExp(reference, scale);
        (double candidateLse, int candidateArgMax, double candidateMax, double candidateLogSum) = LogSumExp(candidate, scale);
        if (double.IsNaN(referenceLse) || double.IsNaN(candidateLse))
        {
            return new ComparisonSummary(referenceLse, candidateLse, double.NaN, referenceArgMax, candidateArgMax);
        }

        // p is undefined for an all −∞ or +∞ reference row, and so is the divergence.
        double kl = double.NaN;
        if (double.IsFinite(referenceLse))
        {
            kl = 0;
            for (int i = 0; i < reference.Length; i++)
            {
                double a = ElementConversion.ToSingle(reference[i]) * scale;
                if (double.IsNegativeInfinity(a))
                {
                    continue;
                }

                double b = ElementConversion.ToSingle(candidate[i]) * scale;
                if (double.IsNegativeInfinity(b))
                {
                    // q_i = 0 where p_i > 0.
                    kl = double.PositiveInfinity;
                    break;
                }

                double logP = a - referenceLse;
                double logQ = b - candidateLse;
                kl += Math.Exp(logP) * (logP - logQ);
            }

            kl = double.IsNaN(kl) ? kl : Math.Max(kl, 0);
        }

        return new ComparisonSummary(referenceLse, candidateLse, kl, referenceArgMax, candidateArgMax, referenceMax, referenceLogSum, candidateMax, candidateLogSum);
    }

    private static (double LogSumExp, int ArgMax, double Max, double LogSum) LogSumExp<T>(ReadOnlySpan<T> row, float scale)
        where T : unmanaged
    {
        double max = double.NegativeInfinity;
        int argMax = 0;
        for (int i = 0; i < row.Length; i++)
        {
            double x = ElementConversion.ToSingle(row[i]) * scale;
            if (double.IsNaN(x))
            {
                return (double.NaN, -1, double.NaN, double.NaN);
            }

            if (x > max)
            {
                (max, argMax) = (x, i);
            }
        }

        if (!double.IsFinite(max))
        {
            return (max, argMax, double.NaN, double.NaN);
        }

        double sum = 0;
        foreach (T value in row)
        {
            sum += Math.Exp((ElementConversion.ToSingle(value) * scale) - max);
        }

        return (max + Math.Log(sum), argMax, max, Math.Log(sum));
    }
}
