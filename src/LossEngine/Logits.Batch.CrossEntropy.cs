using System.Buffers;
using System.Runtime.CompilerServices;
using CommunityToolkit.HighPerformance;
using LossEngine.Scoring;

namespace LossEngine;

public static partial class Logits
{
    private static readonly CrossEntropyOptions DefaultCrossEntropyOptions = new();

    /// <summary>
    /// Cross-entropy over a [rows, V] matrix of logits with the semantics of <c>torch.nn.functional.cross_entropy</c>:
    /// per row (1−ε)·(LSE(x/T) − x_t/T) + ε·(LSE(x/T) − mean(x/T)) + c·LSE(x/T)², 0 for ignored rows.
    /// </summary>
    /// <param name="logits">The logits, one row per token; rows may have a pitch (e.g. a shifted view of [B, S, V]).</param>
    /// <param name="targets">One target id per row, in [0, V) or equal to <see cref="ScoringOptions.IgnoreIndex"/>.</param>
    /// <param name="losses">Receives each row's loss (0 for ignored rows). Required (at least one element per row) for
    /// <see cref="Reduction.None"/>; may be empty for Sum and Mean.</param>
    /// <param name="options">Ignore index, label smoothing, z-loss, temperature, reduction and threads; PyTorch's
    /// defaults when null.</param>
    /// <returns>The sum (<see cref="Reduction.Sum"/>) or the mean over non-ignored rows (<see cref="Reduction.Mean"/>,
    /// NaN when all rows are ignored) of the per-row losses, accumulated in double in row order, so the value is the
    /// same bit for bit for any thread count; NaN for <see cref="Reduction.None"/>.</returns>
    /// <exception cref="ArgumentException">The number of targets differs from the number of rows, the destination is too
    /// short, or the rows are empty. Nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is outside [0, V) and not the ignore index (the message
    /// names the row and the value), or an option is out of range. Nothing is written.</exception>
    public static double CrossEntropy<T>(ReadOnlySpan2D<T> logits, ReadOnlySpan<int> targets, Span<float> losses, CrossEntropyOptions? options = null)
        where T : unmanaged => CrossEntropyBatch(logits, targets, losses, options);

    /// <inheritdoc cref="CrossEntropy{T}(ReadOnlySpan2D{T}, ReadOnlySpan{int}, Span{float}, CrossEntropyOptions?)"/>
    public static double CrossEntropy<T>(ReadOnlySpan2D<T> logits, ReadOnlySpan<long> targets, Span<float> losses, CrossEntropyOptions? options = null)
        where T : unmanaged => CrossEntropyBatch(logits, targets, losses, options);

    private static unsafe double CrossEntropyBatch<T, TIndex>(ReadOnlySpan2D<T> logits, ReadOnlySpan<TIndex> targets, Span<float> losses, CrossEntropyOptions? options)
        where T : unmanaged
        where TIndex : unmanaged
    {
        options ??= DefaultCrossEntropyOptions;
        options.Validate();
        (int rows, int width, int counted) = BatchValidation.Check<T, TIndex>(
            logits.Height, logits.Width, targets, losses.Length, options.Reduction == Reduction.None || !losses.IsEmpty, options, nameof(logits), nameof(losses));
        float[]? rented = null;
        Span<float> perRow = losses.IsEmpty ? (rented = ArrayPool<float>.Shared.Rent(rows)).AsSpan(0, rows) : losses[..rows];
        try
        {
            if (rows > 0)
            {
                fixed (T* origin = &Unsafe.AsRef(in logits.DangerousGetReference()))
                fixed (TIndex* targetIds = targets)
                fixed (float* output = perRow)
                {
                    var matrix = new LogitRows<T>(origin, rows, width, LogitRows<T>.StrideOf(logits));
                    RowBlockScheduler.Run(new CrossEntropyRows<T, TIndex>(matrix, targetIds, output, options), rows, width, options);
                }
            }

            if (options.Reduction == Reduction.None)
            {
                return double.NaN;
            }

            // Ignored rows hold exactly 0, so summing every row in order equals summing the counted ones.
            double sum = 0;
            foreach (float loss in perRow)
            {
                sum += loss;
            }

            return options.Reduction == Reduction.Sum ? sum : sum / counted;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<float>.Shared.Return(rented);
            }
        }
    }
}
