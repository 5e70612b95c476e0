using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LossEngine.Kernels.Vectors;

namespace LossEngine.Kernels;

// The fold of the float lane sums into doubles every few groups, the finish that combines the lanes into a summary,
// and the lane state those see.
internal static partial class RowStatisticsKernel
{
    /// <summary>Moves the float lane sums into the per-lane doubles, after rebasing those to the current reference
    /// maximum if it rose since the last fold, and closes the block of groups that starts at
    /// <paramref name="blockStart"/> for the argmax.</summary>
    private static void Fold<TWidth, TVector, TMode>(ref LaneState<TVector> state, FoldedLanes folded, Span<double> logitSums, nuint blockStart)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode
    {
        if (TMode.TracksAll)
        {
            CloseRecordBlock<TWidth, TVector>(ref state, state.GroupBest, blockStart);
        }

        if (state.RaisedSinceFold)
        {
            // Every lane holds the same reference, so any lane of it is the shared maximum. Σ x needs no rebasing: it is
            // not relative to the maximum.
            folded.Rebase(TWidth.MaxAcross(state.Max));
            state.RaisedSinceFold = false;
        }

        FoldWithoutRebase<TWidth, TVector, TMode>(ref state.Sum, ref state.EntropySum, ref state.LogitSum, folded, logitSums);
    }

    /// <summary>The fold when the reference maximum is where the last fold left it (or the doubles were just rebased to
    /// it): the float sums go straight into the doubles and start again from 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FoldWithoutRebase<TWidth, TVector, TMode>(ref TVector sum, ref TVector entropySum, ref TVector logitSum, FoldedLanes folded, Span<double> logitSums)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode
    {
        TWidth.AddWidened(sum, ref MemoryMarshal.GetReference(folded.Sums));
        sum = TWidth.Create(0f);
        if (TMode.TracksAll)
        {
            TWidth.AddWidened(entropySum, ref MemoryMarshal.GetReference(folded.WeightedSums));
            entropySum = TWidth.Create(0f);
        }

        if (TMode.TracksLogitSum)
        {
            TWidth.AddWidened(logitSum, ref MemoryMarshal.GetReference(logitSums));
            logitSum = TWidth.Create(0f);
        }
    }

    /// <summary>The fold at a grid point <paramref name="nextFold"/> (a multiple of <paramref name="blockLength"/>, the
    /// elements of <see cref="FoldInterval"/> groups): it closes the block that ends there, and the next point follows.</summary>
    private static void FoldAtGridPoint<TWidth, TVector, TMode>(ref LaneState<TVector> state, FoldedLanes folded, Span<double> logitSums, ref nuint nextFold, nuint blockLength)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode
    {
        Fold<TWidth, TVector, TMode>(ref state, folded, logitSums, nextFold - blockLength);
        nextFold += blockLength;
    }

    /// <summary>Ends a block of main-loop groups (the groups between two folds, which start at multiples of
    /// <see cref="FoldInterval"/> groups): each lane whose maximum over the groups rose in it records the block's start.
    /// A strict compare, so a lane's block is where its maximum first appeared.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CloseRecordBlock<TWidth, TVector>(ref LaneState<TVector> state, TVector groupBest, nuint blockStart)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        TVector risen = TWidth.GreaterThan(groupBest, state.BlockBest);
        state.BlockStart = TWidth.ConditionalSelect(risen, TWidth.Create((float)blockStart), state.BlockStart);
        state.BlockBest = groupBest;
    }

    /// <summary>The row's maximum and its first index: from the records of the vectors outside the main loop, kept with
    /// their indices, and from the main loop's per-lane maxima, whose first index is found by reading again the one block
    /// of groups where the earliest of them appeared (<see cref="CloseRecordBlock"/>).</summary>
    private static (float Max, int Index) ArgMax<T, TWidth, TVector>(ref LaneState<TVector> state, ReadOnlySpan<T> row, float scale, nuint groupsEnd, nuint blockLength)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        (float max, int index) = LaneSums.ArgMax<TWidth, TVector>(state.Best, state.ArgMax);
        (float groupsMax, int block) = LaneSums.ArgMax<TWidth, TVector>(state.BlockBest, state.BlockStart);
        if (!(groupsMax > float.MinValue) || groupsMax < max)
        {
            return (max, index);
        }

        // The block holds the first occurrence of the groups' maximum; an equal value outside the main loop may come
        // earlier, and ties go to the smaller index.
        int blockEnd = (int)Math.Min((nuint)block + blockLength, groupsEnd);
        int first = LaneSums.FirstIndexAtLeast<T, TWidth, TVector>(row, block, blockEnd, groupsMax, scale);
        return groupsMax > max ? (groupsMax, first) : (max, Math.Min(index, first));
    }

    [SkipLocalsInit]
    private static RowSummary? Finish<T, TWidth, TVector, TMode, TShift>(ref LaneState<TVector> state, FoldedLanes folded, Span<double> logitSums, ReadOnlySpan<T> row, int target, float scale, nuint groupsEnd, nuint blockLength)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
        where TMode : IStatisticsMode
        where TShift : IShiftPolicy
    {
        // All lanes share the reference maximum, so combining them needs no exp.
        float max = folded.Maximum;
        (double sum, double entropySum) = folded.Combine();

        // NaN or +∞ anywhere makes the sums NaN; an all −∞ row (or one whose maximum is float.MinValue) leaves the
        // maximum at its start value. All of these are settled exactly by the scalar path.
        if (!(max > float.MinValue) || !double.IsFinite(sum) || !double.IsFinite(entropySum))
        {
            return TShift.Clamps ? SpecialRowStatistics.Compute(row, target, scale) : null;
        }

        double logitSum = 0;
        if (TMode.TracksLogitSum)
        {
            foreach (double laneSum in logitSums)
            {
                logitSum += laneSum;
            }
        }

        double logSum = Math.Log(sum);
        double logSumExp = max + logSum;
        if (!TMode.TracksAll)
        {
            return new RowSummary(logSumExp, double.NaN, max, -1, -1, logitSum, max, logSum);
        }

        (float maxLogit, int bestIndex) = ArgMax<T, TWidth, TVector>(ref state, row, scale, groupsEnd, blockLength);

        // Relative to the reference maximum m: Σ p·(x−m) = entropySum / sum, and H = log S − that, which does not
        // depend on m. (With m the exact maximum both terms are non-negative, so there is no cancellation; m is within
        // the rescale margin of it.)
        double entropy = logSum - (entropySum / sum);
        return new RowSummary(logSumExp, Math.Max(entropy, 0), maxLogit, bestIndex, state.RankCount, logitSum, max, logSum);
    }

    /// <summary>The per-lane running state as the rare paths, the remaining vectors and the fold see it. The main loop
    /// keeps the sums in locals and copies them in and out around those calls: a struct whose address reaches a call
    /// stays in memory, and every add to it would then wait on a store and a load. The maximum, which changes only on
    /// rare paths, it reads here in full-statistics mode (see <see cref="GroupBounds{TVector}"/>), and its folds write
    /// the argmax's block records here.</summary>
    private struct LaneState<TVector>
        where TVector : unmanaged
    {
        public TVector Max;
        public TVector Sum;
        public TVector EntropySum;
        public int RankCount;

        /// <summary>The exact maximum per lane and its first index, over the vectors the main loop does not take: groups
        /// stepped one vector at a time, the remaining vectors and the tail.</summary>
        public TVector ArgMax;
        public TVector Best;
        public TVector LogitSum;

        /// <summary>The main loop's maximum per lane, and the same as of the last fold with the start of the block of
        /// groups where it first appeared (<see cref="CloseRecordBlock"/>).</summary>
        public TVector GroupBest;
        public TVector BlockBest;
        public TVector BlockStart;

        /// <summary>Set when the reference maximum rises, cleared by the fold that rebases the doubles to it.</summary>
        public bool RaisedSinceFold;
    }

    /// <summary>What the main loop compares its groups against, and the scale it multiplies them by. <see cref="RunGroups"/>
    /// sets the trigger and the rank threshold on entry (the threshold moves once, past the target) and in full-statistics
    /// mode reads them from memory, as the compares' and multiplies' operands: there the loop's sums, maxima and four
    /// exps need more than AVX2's 16 vector registers, the JIT gives every vector live across the loop a register, and
    /// held in registers these push the sums onto the stack, stored and reloaded in every group.</summary>
    private struct GroupBounds<TVector>
        where TVector : unmanaged
    {
        public TVector Scale;

        /// <summary>The reference maximum plus the rescale margin: a group beyond it leaves the loop.</summary>
        public TVector Trigger;

        /// <summary>The rank threshold of the region the loop is in: before the target, then after it.</summary>
        public TVector RankThreshold;
        public TVector RankThresholdBefore;
        public TVector RankThresholdAfter;

        /// <summary>Where the exp carries the reference in its rounding magic
        /// (<see cref="FoldsShiftIntoExp{T, TWidth, TVector, TMode}"/>): the magic less k, the floor a clamping pass
        /// raises logits to, and e^(M − m), which takes sums relative to M = k·ln2/8 back to the reference maximum m. Set
        /// by <see cref="SetFoldedShift{TWidth, TVector}"/>.</summary>
        public TVector ShiftedMagic;
        public TVector LogitFloor;
        public TVector ToReference;

        /// <summary>M rounded to float, which full statistics subtracts for the entropy's weights, and M_f − m.</summary>
        public TVector Shift;
        public TVector ShiftOffset;
    }
}
