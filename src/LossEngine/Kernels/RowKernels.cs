using LossEngine.Kernels.Vectors;

namespace LossEngine.Kernels;

/// <summary>
/// The operations on one row, as both the public <see cref="Logits"/> facade and the batch row actions call them: each
/// picks the vector width for the row, runs its kernel and packages the kernel's summary into the public result.
/// Callers validate the arguments first; nothing here throws for a bad row or target.
/// </summary>
internal static class RowKernels
{
    /// <summary>Summarises the row x·<paramref name="scale"/> in one read.</summary>
    /// <param name="row">The logits, not empty.</param>
    /// <param name="target">The target index, in [0, V); read only in <see cref="AllStatisticsMode"/>.</param>
    /// <param name="scale">Every logit is multiplied by this first (1/temperature).</param>
    /// <param name="startClamped">Skip the kernel's unclamped first try (see
    /// <see cref="RowStatisticsKernel.Compute{T, TWidth, TVector, TMode}"/>); the result is the same either way. A
    /// batch starts the rows after a masked one clamped, and single-row calls the calls after one on the same thread
    /// (<see cref="Scoring.SingleRowPassRuns"/>).</param>
    /// <param name="neededClampedRetry">Set when the unclamped try failed and the row was read again clamped.</param>
    public static RowSummary Summarize<T, TMode>(ReadOnlySpan<T> row, int target, float scale, bool startClamped, out bool neededClampedRetry)
        where T : unmanaged
        where TMode : IStatisticsMode
    {
        var call = new RowStatisticsCall<T, TMode>(row, target, scale, startClamped);
        RowSummary summary = KernelDispatch.Run<RowStatisticsCall<T, TMode>, RowSummary>(ref call, row.Length);
        neededClampedRetry = call.NeededClampedRetry;
        return summary;
    }

    /// <summary>Every <see cref="TokenStatistics"/> field of the row x·<paramref name="scale"/> for its target.</summary>
    /// <remarks>The pass flags are those of <see cref="Summarize{T, TMode}"/>.</remarks>
    public static TokenStatistics Statistics<T>(ReadOnlySpan<T> row, int target, float scale, bool startClamped, out bool neededClampedRetry)
        where T : unmanaged
    {
        RowSummary summary = Summarize<T, AllStatisticsMode>(row, target, scale, startClamped, out neededClampedRetry);
        float targetLogit = ElementConversion.ToSingle(row[target]) * scale;
        double loss = summary.LossOf(targetLogit);
        return new TokenStatistics(
            loss: (float)loss,
            logSumExp: (float)summary.LogSumExp,
            maxLogit: summary.MaxLogit,
            targetLogit: targetLogit,
            entropy: (float)summary.Entropy,
            targetProbability: (float)Math.Exp(-loss),
            argMax: summary.ArgMax,
            targetRank: summary.TargetRank);
    }

    /// <summary>(1−ε)·(LSE − x_t) + ε·(LSE − mean x) + c·LSE², on logits scaled by 1/T, evaluated in double.</summary>
    /// <remarks>With ε = 0 and c = 0 this is the plain loss LSE − x_t, and the smoothing pass (which also sums the
    /// logits) is not taken. The pass flags are those of <see cref="Summarize{T, TMode}"/>.</remarks>
    public static float CrossEntropy<T>(ReadOnlySpan<T> row, int target, float scale, float labelSmoothing, float zLoss, bool startClamped, out bool neededClampedRetry)
        where T : unmanaged
    {
        RowSummary summary = labelSmoothing > 0
            ? Summarize<T, SmoothedLogSumExpMode>(row, 0, scale, startClamped, out neededClampedRetry)
            : Summarize<T, LogSumExpMode>(row, 0, scale, startClamped, out neededClampedRetry);
        double logSumExp = summary.LogSumExp;
        double loss = summary.LossOf(ElementConversion.ToSingle(row[target]) * scale);
        if (labelSmoothing > 0)
        {
            loss = ((1 - (double)labelSmoothing) * loss) + (labelSmoothing * (logSumExp - (summary.LogitSum / row.Length)));
        }

        if (zLoss > 0)
        {
            loss += zLoss * logSumExp * logSumExp;
        }

        return (float)loss;
    }

    /// <summary>Compares two rows of the same length in one fused read; see <see cref="ComparisonStatistics"/>.</summary>
    /// <param name="reference">The reference logits a (p = softmax(a·scale)).</param>
    /// <param name="candidate">The candidate logits b (q = softmax(b·scale)), as long as the reference.</param>
    /// <param name="target">The target index, or a negative value for a row without one: its losses and target
    /// probabilities are then NaN, its divergence and argmaxes still computed.</param>
    /// <param name="scale">Both rows are multiplied by this first (1/temperature).</param>
    /// <param name="startClamped">Skip the kernel's unclamped first try (see
    /// <see cref="RowComparisonKernel.Compute{T, TWidth, TVector}"/>); the result is the same either way.</param>
    /// <param name="neededClampedRetry">Set when the unclamped try failed and the rows were read again clamped.</param>
    public static ComparisonStatistics Compare<T>(ReadOnlySpan<T> reference, ReadOnlySpan<T> candidate, long target, float scale, bool startClamped, out bool neededClampedRetry)
        where T : unmanaged
    {
        var call = new RowComparisonCall<T>(reference, candidate, scale, startClamped);
        ComparisonSummary summary = KernelDispatch.Run<RowComparisonCall<T>, ComparisonSummary>(ref call, reference.Length);
        neededClampedRetry = call.NeededClampedRetry;
        float klDivergence = (float)summary.KlDivergence;
        if (target < 0)
        {
            return new ComparisonStatistics(klDivergence, float.NaN, float.NaN, float.NaN, float.NaN, summary.ReferenceArgMax, summary.CandidateArgMax);
        }

        double referenceLoss = summary.ReferenceLossOf(ElementConversion.ToSingle(reference[(int)target]) * scale);
        double candidateLoss = summary.CandidateLossOf(ElementConversion.ToSingle(candidate[(int)target]) * scale);
        return new ComparisonStatistics(
            klDivergence,
            (float)referenceLoss,
            (float)candidateLoss,
            (float)Math.Exp(-referenceLoss),
            (float)Math.Exp(-candidateLoss),
            summary.ReferenceArgMax,
            summary.CandidateArgMax);
    }

    /// <summary>Writes map(x_i − max, log Σ e^(x−max)) for every element: softmax or log-softmax, in two reads.</summary>
    /// <param name="row">The logits, not empty.</param>
    /// <param name="destination">Exactly as long as the row; it may be the row's own memory for float rows.</param>
    /// <param name="startClamped">Skip the log-sum-exp's unclamped first try (see <see cref="Summarize{T, TMode}"/>).</param>
    /// <param name="neededClampedRetry">Set when the log-sum-exp's unclamped pass ran and failed.</param>
    public static void Map<T, TMap>(ReadOnlySpan<T> row, Span<float> destination, bool startClamped, out bool neededClampedRetry)
        where T : unmanaged
        where TMap : IRowMap
    {
        // NaN, ±∞ and all −∞ rows make max or the log-sum non-finite, which turns every output into NaN. The reference
        // maximum may sit a little below the true one; (x − ref) − (LSE − ref) is the same quantity. LSE − ref is
        // taken as a loss is, so that rows of huge logits keep their log-sum.
        RowSummary summary = Summarize<T, LogSumExpMode>(row, 0, 1f, startClamped, out neededClampedRetry);
        float logSumOfShifted = (float)summary.LossOf(summary.MaxLogit);
        var call = new RowMapCall<T, TMap>(row, destination, summary.MaxLogit, logSumOfShifted);
        KernelDispatch.Run<RowMapCall<T, TMap>, bool>(ref call, row.Length);
    }

    /// <summary>Mutable so that the kernel's retry flag comes back through the dispatcher, which takes the call by
    /// reference.</summary>
    private ref struct RowStatisticsCall<T, TMode>(ReadOnlySpan<T> row, int target, float scale, bool startClamped) : IWidthGenericCall<RowSummary>
        where T : unmanaged
        where TMode : IStatisticsMode
    {
        private readonly ReadOnlySpan<T> _row = row;

        public bool NeededClampedRetry;

        public RowSummary Invoke<TWidth, TVector>()
            where TWidth : IVectorWidth<TVector>
            where TVector : unmanaged =>
            RowStatisticsKernel.Compute<T, TWidth, TVector, TMode>(_row, target, scale, startClamped, out NeededClampedRetry);
    }

    private ref struct RowComparisonCall<T>(ReadOnlySpan<T> reference, ReadOnlySpan<T> candidate, float scale, bool startClamped) : IWidthGenericCall<ComparisonSummary>
        where T : unmanaged
    {
        private readonly ReadOnlySpan<T> _reference = reference;
        private readonly ReadOnlySpan<T> _candidate = candidate;

        public bool NeededClampedRetry;

        public ComparisonSummary Invoke<TWidth, TVector>()
            where TWidth : IVectorWidth<TVector>
            where TVector : unmanaged =>
            RowComparisonKernel.Compute<T, TWidth, TVector>(_reference, _candidate, scale, startClamped, out NeededClampedRetry);
    }

    private readonly ref struct RowMapCall<T, TMap>(ReadOnlySpan<T> row, Span<float> destination, float max, float logSumOfShifted) : IWidthGenericCall<bool>
        where T : unmanaged
        where TMap : IRowMap
    {
        private readonly ReadOnlySpan<T> _row = row;
        private readonly Span<float> _destination = destination;

        public bool Invoke<TWidth, TVector>()
            where TWidth : IVectorWidth<TVector>
            where TVector : unmanaged
        {
            RowMapKernel.Apply<T, TWidth, TVector, TMap>(_row, _destination, max, logSumOfShifted);
            return true;
        }
    }
}
