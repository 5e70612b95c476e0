using LossEngine.Kernels;
using LossEngine.Scoring;

namespace LossEngine;

public static partial class Logits
{
    /// <summary>Computes every per-token statistic of the row for <paramref name="target"/> in one read: loss,
    /// log-sum-exp, max logit, argmax, the target's rank, the entropy and the target's probability.</summary>
    /// <param name="row">The logits x, of float, <see cref="Half"/> or <see cref="BFloat16"/>.</param>
    /// <param name="target">The index of the correct next token, in [0, V).</param>
    /// <returns>The statistics; see <see cref="TokenStatistics"/> for each field's formula and special values. LogSumExp is
    /// within 1e-7·|LSE| + 2e-6, Loss within 1e-7·max(|LSE|, |Loss|) + 2e-6, Entropy within 2e-6·max(1, H), ArgMax and TargetRank exact.</returns>
    /// <exception cref="ArgumentException">The row is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="target"/> is outside [0, V).</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float, Half or BFloat16.</exception>
    public static TokenStatistics Statistics<T>(ReadOnlySpan<T> row, int target)
        where T : unmanaged
    {
        ValidateRow(row, nameof(row));
        ValidateTarget(target, row.Length, nameof(target));
        TokenStatistics statistics = RowKernels.Statistics(row, target, 1f, SingleRowPassRuns.NextRowStartsClamped(), out bool retried);
        SingleRowPassRuns.RecordRow(retried);
        return statistics;
    }
}
