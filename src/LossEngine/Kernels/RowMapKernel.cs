using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LossEngine.Kernels.Vectors;

namespace LossEngine.Kernels;

/// <summary>An element-wise map from a logit's log-probability, given as (x − max) − log Σ e^(x−max), to an output.</summary>
/// <remarks>The log-sum-exp is kept in two parts because LSE rounded to one float loses up to half an ulp of the
/// maximum (5e-4 at logits near 1e4), which would skew every probability; x − max is exact for nearby values.</remarks>
internal interface IRowMap
{
    static abstract TVector Invoke<TWidth, TVector>(TVector shiftedLogit, TVector logSumOfShifted)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged;
}

/// <summary>log p_i = (x_i − max) − log Σ e^(x−max).</summary>
internal readonly struct LogProbabilityMap : IRowMap
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Invoke<TWidth, TVector>(TVector shiftedLogit, TVector logSumOfShifted)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged => TWidth.Subtract(shiftedLogit, logSumOfShifted);
}

/// <summary>p_i = e^((x_i − max) − log Σ e^(x−max)).</summary>
internal readonly struct ProbabilityMap : IRowMap
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Invoke<TWidth, TVector>(TVector shiftedLogit, TVector logSumOfShifted)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged => VectorMath.Exp<TWidth, TVector>(TWidth.Subtract(shiftedLogit, logSumOfShifted));
}

/// <summary>Writes map(x_i − max, log Σ e^(x−max)) for every element of a row: the second pass of softmax and
/// log-softmax.</summary>
internal static class RowMapKernel
{
    public static void Apply<T, TWidth, TVector, TMap>(ReadOnlySpan<T> row, Span<float> destination, float max, float logSumOfShifted)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMap : IRowMap
    {
        int count = TWidth.Count;
        nuint length = (nuint)row.Length;
        ref T source = ref MemoryMarshal.GetReference(row);
        ref float target = ref MemoryMarshal.GetReference(destination);
        TVector maxVector = TWidth.Create(max);
        TVector logSum = TWidth.Create(logSumOfShifted);

        // The last vector is loaded before anything is written: when the destination is the row itself (float in
        // place), the overlapping final store must still see the original logits.
        nuint lastStart = length - (nuint)count;
        TVector last = VectorMath.Load<T, TWidth, TVector>(ref source, lastStart);

        nuint i = 0;
        for (; i + (nuint)count <= length; i += (nuint)count)
        {
            TVector x = VectorMath.Load<T, TWidth, TVector>(ref source, i);
            TWidth.Store(TMap.Invoke<TWidth, TVector>(TWidth.Subtract(x, maxVector), logSum), ref target, i);
        }

        if (i < length)
        {
            TWidth.Store(TMap.Invoke<TWidth, TVector>(TWidth.Subtract(last, maxVector), logSum), ref target, lastStart);
        }
    }
}
