namespace LossEngine.Kernels;

/// <summary>
/// The exact scalar path, in double, for rows the vector kernel does not settle: rows with NaN or +∞, a −∞ target, a
/// maximum at or below float.MinValue (including all −∞), and rows longer than 2^24 elements. It reads the row twice.
/// </summary>
internal static class SpecialRowStatistics
{
    /// <summary>How many rows this thread has sent here: the tests check with it that masked and far-below rows are
    /// settled by the vector passes.</summary>
    [ThreadStatic]
    internal static int RowsOnThisThread;

    public static RowSummary Compute<T>(ReadOnlySpan<T> row, int target, float scale)
        where T : unmanaged
    {
        RowsOnThisThread++;
        double max = double.NegativeInfinity;
        int argMax = 0;
        for (int i = 0; i < row.Length; i++)
        {
            double x = ElementConversion.ToSingle(row[i]) * scale;
            if (double.IsNaN(x))
            {
                return new RowSummary(double.NaN, double.NaN, float.NaN, -1, -1, double.NaN);
            }

            if (x > max)
            {
                max = x;
                argMax = i;
            }
        }

        double targetLogit = ElementConversion.ToSingle(row[target]) * scale;
        int rank = 0;
        double logitSum = 0;
        double sum = 0;
        double entropySum = 0;
        for (int i = 0; i < row.Length; i++)
        {
            double x = ElementConversion.ToSingle(row[i]) * scale;
            logitSum += x;
            if (x > targetLogit || (x == targetLogit && i < target))
            {
                rank++;
            }

            if (double.IsFinite(max) && x > double.NegativeInfinity)
            {
                double shifted = x - max;
                double e = Math.Exp(shifted);
                sum += e;
                entropySum += e * shifted;
            }
        }

        if (double.IsPositiveInfinity(max))
        {
            // The distribution puts all its mass on the +∞ entries: LSE is +∞ and the entropy is undefined.
            return new RowSummary(double.PositiveInfinity, double.NaN, float.PositiveInfinity, argMax, rank, logitSum);
        }

        if (double.IsNegativeInfinity(max))
        {
            return new RowSummary(double.NegativeInfinity, double.NaN, float.NegativeInfinity, argMax, rank, logitSum);
        }

        double logSum = Math.Log(sum);
        return new RowSummary(max + logSum, Math.Max(logSum - (entropySum / sum), 0), (float)max, argMax, rank, logitSum, max, logSum);
    }
}
