using LossEngine.Kernels;

namespace LossEngine;

/// <summary>
/// Row kernels over language-model logits: log-sum-exp, softmax, log-softmax, cross-entropy and per-token statistics,
/// for rows of <see cref="float"/>, <see cref="Half"/> or <see cref="BFloat16"/>.
/// </summary>
/// <remarks>
/// <para><b>Speed.</b> Each statistic is computed in a single read of the row (an online maximum with rescaling), with
/// 512-, 256- or 128-bit vectors (NEON on ARM64) chosen once per call, and bf16/fp16 widened in registers. Nothing is
/// allocated per call.</para>
/// <para><b>Accuracy contract</b>, for finite rows with V ≤ 262144, against a float64 two-pass reference on the same
/// (widened) inputs: |LogSumExp − ref| ≤ 1e-7·|ref LSE| + 2e-6; |Loss − ref| ≤ 1e-7·max(|ref LSE|, |ref Loss|) + 2e-6
/// (the loss is a float, and rounding a loss much larger than the LSE alone costs up to 6e-8·|Loss|);
/// |Entropy − ref| ≤ 2e-6·max(1, ref); ArgMax and TargetRank are exact. Sums are kept in several float lanes folded into double every few hundred terms.</para>
/// <para><b>Special values</b> (PyTorch's semantics where it has them): −∞ logits are masked entries and contribute
/// nothing. An all −∞ row has LogSumExp −∞ and Loss NaN. Any NaN gives NaN. A +∞ entry gives LogSumExp +∞. A target
/// logit of −∞ gives Loss +∞. Finite magnitudes up to ±3.4e38 never overflow. Rows with these special values, and rows
/// longer than 2^24, are settled by an exact scalar double path that reads the row twice.</para>
/// <para><b>Errors.</b> An empty row throws <see cref="ArgumentException"/>; a target outside [0, V) throws
/// <see cref="ArgumentOutOfRangeException"/> naming the target and V; an element type other than float, Half and
/// BFloat16 throws <see cref="NotSupportedException"/>.</para>
/// </remarks>
public static partial class Logits
{
    /// <summary>The widest vector, in bits, that the kernels use on this machine: 512, 256, 128, or 0 for scalar code.
    /// Follows the runtime's switches (for example <c>DOTNET_EnableAVX512=0</c> gives 256).</summary>
    public static int VectorWidthInBits => KernelDispatch.WidestAcceleratedBits;

    private static void ValidateRow<T>(ReadOnlySpan<T> row, string paramName)
        where T : unmanaged
    {
        if (!ElementConversion.IsSupported<T>())
        {
            ThrowHelper.ThrowUnsupportedElementType<T>();
        }

        if (row.IsEmpty)
        {
            ThrowHelper.ThrowEmptyRow(paramName);
        }
    }

    private static void ValidateTarget(int target, int vocabularySize, string paramName)
    {
        if ((uint)target >= (uint)vocabularySize)
        {
            ThrowHelper.ThrowTargetOutOfRange(target, vocabularySize, paramName);
        }
    }
}
