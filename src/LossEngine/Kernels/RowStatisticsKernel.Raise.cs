using System.Runtime.CompilerServices;
using LossEngine.Kernels.Vectors;

namespace LossEngine.Kernels;

// The rare paths of a rising maximum: the reference maximum m raised past its margin, and the exact maximum and argmax.
internal static partial class RowStatisticsKernel
{
    /// <summary>The rare path for a main-loop group: raises the reference maximum over its four vectors in index order.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RaiseMaximumForGroup<T, TWidth, TVector, TMode>(ref LaneState<TVector> state, ref T source, nuint start, TVector scale, TVector margin)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode
    {
        // The same loads as the accumulation (LoadGroup), so the raise sees the values the sums will.
        LoadGroup<T, TWidth, TVector, TMode>(ref source, start, halfLeftScaledDown: false, out TVector x0, out TVector x1, out TVector x2, out TVector x3);
        RaiseIfBeyondMargin<TWidth, TVector, TMode>(ref state, TWidth.Multiply(x0, scale), margin);
        RaiseIfBeyondMargin<TWidth, TVector, TMode>(ref state, TWidth.Multiply(x1, scale), margin);
        RaiseIfBeyondMargin<TWidth, TVector, TMode>(ref state, TWidth.Multiply(x2, scale), margin);
        RaiseIfBeyondMargin<TWidth, TVector, TMode>(ref state, TWidth.Multiply(x3, scale), margin);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RaiseIfBeyondMargin<TWidth, TVector, TMode>(ref LaneState<TVector> state, TVector x, TVector margin)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode
    {
        if (TWidth.GreaterThanAny(x, TWidth.Add(state.Max, margin)))
        {
            RaiseMaximum<TWidth, TVector, TMode>(ref state, x);
        }
    }

    /// <summary>The rare path: some lane of x exceeds its reference maximum by more than the margin.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RaiseMaximum<TWidth, TVector, TMode>(ref LaneState<TVector> state, TVector x)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode
    {
        // Every lane takes the same new reference: the largest value seen in any lane (in full statistics, the margin
        // above it: LaneSums.WithHeadroom). The margin keeps each term below
        // e^8 either way, and with one reference for all lanes a fold rebases them with one exp and the finish combines
        // them with none (an exp per lane per row dominated short rows).
        float largest = TWidth.MaxAcross(TWidth.MaxNative(state.Max, x));
        TVector newMax = TWidth.Create(TMode.TracksAll ? LaneSums.WithHeadroom(largest, StatisticsRescaleMargin) : largest);
        if (TMode.TracksAll)
        {
            LaneSums.Rescale<TWidth, TVector>(state.Max, newMax, ref state.Sum, ref state.EntropySum);
        }
        else
        {
            LaneSums.Rescale<TWidth, TVector>(state.Max, newMax, ref state.Sum);
        }

        state.Max = newMax;
        state.RaisedSinceFold = true;
    }
}
