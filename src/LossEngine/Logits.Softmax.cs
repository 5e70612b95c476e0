using LossEngine.Kernels;
using LossEngine.Scoring;

namespace LossEngine;

public static partial class Logits
{
    /// <summary>Writes the softmax p_i = e^(x_i − LSE(x)) of the row into <paramref name="probabilities"/>.</summary>
    /// <param name="row">The logits x, of float, <see cref="Half"/> or <see cref="BFloat16"/>.</param>
    /// <param name="probabilities">Receives V probabilities. For float rows it may be the row's own memory (in place),
    /// but must not overlap it partly.</param>
    /// <remarks>Two reads of the row: one for the log-sum-exp, one to write. Shifting by LSE first means huge logits never
    /// overflow: [100, 0] gives [1, e^−100], where e^−100 ≈ 3.7e−44 is subnormal and approximate (results below the
    /// normal range, 1.2e−38, may be approximate or flushed to 0). −∞ entries give exactly 0. An all −∞ row, any NaN or any
    /// +∞ gives NaN everywhere (as PyTorch).</remarks>
    /// <exception cref="ArgumentException">The row is empty, the destination is shorter than the row, or it partly
    /// overlaps the row.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float, Half or BFloat16.</exception>
    public static void Softmax<T>(ReadOnlySpan<T> row, Span<float> probabilities)
        where T : unmanaged =>
        MapRow<T, ProbabilityMap>(row, probabilities, nameof(probabilities));

    private static void MapRow<T, TMap>(ReadOnlySpan<T> row, Span<float> destination, string destinationName)
        where T : unmanaged
        where TMap : IRowMap
    {
        ValidateRow(row, nameof(row));
        if (destination.Length < row.Length)
        {
            ThrowHelper.ThrowDestinationTooShort(row.Length, destination.Length, destinationName);
        }

        destination = destination[..row.Length];
        if (typeof(T) == typeof(float))
        {
            ReadOnlySpan<float> floats = System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(row);
            if (floats.Overlaps(destination, out int offset) && offset != 0)
            {
                ThrowHelper.ThrowPartialOverlap(destinationName);
            }
        }
        else if (System.Runtime.InteropServices.MemoryMarshal.AsBytes(row).Overlaps(System.Runtime.InteropServices.MemoryMarshal.AsBytes(destination)))
        {
            ThrowHelper.ThrowPartialOverlap(destinationName);
        }

        RowKernels.Map<T, TMap>(row, destination, SingleRowPassRuns.NextRowStartsClamped(), out bool retried);
        SingleRowPassRuns.RecordRow(retried);
    }
}
