using LossEngine.Kernels;
using LossEngine.Scoring;

namespace LossEngine;

public static partial class Logits
{
    /// <summary>Computes the cross-entropy (negative log-likelihood) of <paramref name="target"/>: LSE(x) − x[target],
    /// in nats, in one read of the row.</summary>
    /// <param name="row">The logits x, of float, <see cref="Half"/> or <see cref="BFloat16"/>.</param>
    /// <param name="target">The index of the correct next token, in [0, V).</param>
    /// <returns>The loss, within 1e-7·max(|LSE|, |loss|) + 2e-6 for finite rows (V ≤ 262144). +∞ when x[target] = −∞; NaN for an
    /// all −∞ row or any NaN; +∞ when some other entry is +∞, NaN when x[target] = +∞.</returns>
    /// <exception cref="ArgumentException">The row is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="target"/> is outside [0, V).</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float, Half or BFloat16.</exception>
    public static float CrossEntropy<T>(ReadOnlySpan<T> row, int target)
        where T : unmanaged
    {
        ValidateRow(row, nameof(row));
        ValidateTarget(target, row.Length, nameof(target));
        float loss = RowKernels.CrossEntropy(row, target, 1f, 0f, 0f, SingleRowPassRuns.NextRowStartsClamped(), out bool retried);
        SingleRowPassRuns.RecordRow(retried);
        return loss;
    }
}
