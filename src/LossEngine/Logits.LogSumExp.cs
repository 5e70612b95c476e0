using LossEngine.Kernels;
using LossEngine.Scoring;

namespace LossEngine;

public static partial class Logits
{
    /// <summary>Computes log Σ_i e^(x_i) over the row in one read.</summary>
    /// <param name="row">The logits x, of float, <see cref="Half"/> or <see cref="BFloat16"/>.</param>
    /// <returns>The log-sum-exp, within 1e-7·|LSE| + 2e-6 of the exact value for finite rows (V ≤ 262144).
    /// −∞ for an all −∞ row, +∞ if any entry is +∞, NaN if any entry is NaN.</returns>
    /// <exception cref="ArgumentException">The row is empty.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float, Half or BFloat16.</exception>
    public static float LogSumExp<T>(ReadOnlySpan<T> row)
        where T : unmanaged
    {
        ValidateRow(row, nameof(row));
        RowSummary summary = RowKernels.Summarize<T, LogSumExpMode>(row, 0, 1f, SingleRowPassRuns.NextRowStartsClamped(), out bool retried);
        SingleRowPassRuns.RecordRow(retried);
        return (float)summary.LogSumExp;
    }
}
