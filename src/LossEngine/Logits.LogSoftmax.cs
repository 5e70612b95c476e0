using LossEngine.Kernels;

namespace LossEngine;

public static partial class Logits
{
    /// <summary>Writes the log-softmax log p_i = x_i − LSE(x) of the row into <paramref name="logProbabilities"/>.</summary>
    /// <param name="row">The logits x, of float, <see cref="Half"/> or <see cref="BFloat16"/>.</param>
    /// <param name="logProbabilities">Receives V log-probabilities. For float rows it may be the row's own memory
    /// (in place), but must not overlap it partly.</param>
    /// <remarks>Two reads of the row: one for the log-sum-exp, one to write. −∞ entries give −∞. An all −∞ row, any NaN or
    /// any +∞ gives NaN everywhere (as PyTorch). The result is (x − max) − log Σ e^(x−max), which keeps full precision
    /// even for logits shifted far from zero.</remarks>
    /// <exception cref="ArgumentException">The row is empty, the destination is shorter than the row, or it partly
    /// overlaps the row.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float, Half or BFloat16.</exception>
    public static void LogSoftmax<T>(ReadOnlySpan<T> row, Span<float> logProbabilities)
        where T : unmanaged =>
        MapRow<T, LogProbabilityMap>(row, logProbabilities, nameof(logProbabilities));
}
