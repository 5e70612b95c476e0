using System.Runtime.InteropServices;
using LossEngine.Kernels.Vectors;

namespace LossEngine.Kernels;

/// <summary>
/// The double accumulators behind a kernel's float lanes, for one row: per lane a sum S = Σ e^(x−M) and, optionally, a
/// weighted sum W = Σ e^(x−M)·w, both relative to the lane's maximum M as of the last fold. Both row kernels move their
/// float lane sums in here every few hundred terms (<see cref="Rebase"/>, then <see cref="Add(ReadOnlySpan{float}, ReadOnlySpan{float})"/>), so that no float
/// accumulator adds more than that many terms, and combine the lanes at the row's maximum at the end
/// (<see cref="Combine(float)"/>).
/// </summary>
/// <remarks>
/// <para>Raising M to M − δ (δ = M_old − M_new ≤ 0) multiplies every term by e^δ and, where the weight is x − M, adds δ
/// to every weight: S ← e^δ·S and W ← e^δ·(W + δ·S). The statistics kernel weights by x − M (for the entropy); the
/// comparison kernel weights by (a − M_a) − (b − M_b) and applies the shift of M_b itself.</para>
/// <para>A lane whose S is 0 has no terms to rebase: it only takes the new maximum.</para>
/// </remarks>
internal readonly ref struct FoldedLanes
{
    /// <summary>Starts every lane empty, relative to float.MinValue (where a kernel's lane maxima start).</summary>
    /// <param name="sums">One double per lane for S.</param>
    /// <param name="weightedSums">One double per lane for W.</param>
    /// <param name="max">One float per lane for M.</param>
    public FoldedLanes(Span<double> sums, Span<double> weightedSums, Span<float> max)
        : this(sums, max)
    {
        weightedSums.Clear();
        WeightedSums = weightedSums;
    }

    /// <summary>Lanes with S only (<see cref="WeightedSums"/> empty), started empty as above.</summary>
    public FoldedLanes(Span<double> sums, Span<float> max)
    {
        sums.Clear();
        max.Fill(float.MinValue);
        Sums = sums;
        Max = max;
    }

    public Span<double> Sums { get; }

    /// <summary>Empty for lanes that track S only.</summary>
    public Span<double> WeightedSums { get; }

    public Span<float> Max { get; }

    /// <summary>Moves every lane's sums to its new maximum, the lane maxima of the kernel's vector state.</summary>
    public void Rebase(ReadOnlySpan<float> laneMax)
    {
        // Lanes often share their maximum (in the statistics kernel they always do), so one exp serves them all.
        double lastDelta = 0, lastScale = 1;
        for (int lane = 0; lane < Max.Length; lane++)
        {
            if (laneMax[lane] == Max[lane])
            {
                continue;
            }

            if (Sums[lane] != 0)
            {
                double delta = (double)Max[lane] - laneMax[lane];
                if (delta != lastDelta)
                {
                    (lastDelta, lastScale) = (delta, Math.Exp(delta));
                }

                if (!WeightedSums.IsEmpty)
                {
                    WeightedSums[lane] = lastScale * (WeightedSums[lane] + (delta * Sums[lane]));
                }

                Sums[lane] *= lastScale;
            }

            Max[lane] = laneMax[lane];
        }
    }

    /// <summary>The lanes' one maximum, for lanes that all share it (see <see cref="RebaseShared"/>).</summary>
    public float SharedMaximum => Max[0];

    /// <summary>Starts every lane, still empty, at one maximum: a kernel that knows a row's first maximum before its
    /// first fold then has nothing to rebase there.</summary>
    public void StartShared(float maximum) => Max.Fill(maximum);

    /// <summary><see cref="Rebase"/> for lanes that all share one maximum (the statistics kernel keeps a single reference
    /// for every lane): one exp before the loop and no per-lane test, the same arithmetic lane by lane.</summary>
    public void RebaseShared(float maximum)
    {
        float current = SharedMaximum;
        if (maximum == current)
        {
            return;
        }

        double delta = (double)current - maximum;
        double scale = Math.Exp(delta);
        for (int lane = 0; lane < Sums.Length; lane++)
        {
            if (Sums[lane] != 0)
            {
                if (!WeightedSums.IsEmpty)
                {
                    WeightedSums[lane] = scale * (WeightedSums[lane] + (delta * Sums[lane]));
                }

                Sums[lane] *= scale;
            }
        }

        Max.Fill(maximum);
    }

    /// <summary><see cref="Combine(float)"/> at the shared maximum of lanes that all share one: every δ is 0, so each lane
    /// adds its S and W as they are, in lane order, and no exp is needed.</summary>
    public (double Sum, double WeightedSum) CombineShared()
    {
        double sum = 0, weightedSum = 0;
        for (int lane = 0; lane < Sums.Length; lane++)
        {
            if (Sums[lane] != 0)
            {
                sum += Sums[lane];
                weightedSum += WeightedSums.IsEmpty ? 0 : WeightedSums[lane];
            }
        }

        return (sum, weightedSum);
    }

    /// <summary>Adds the float lane sums, which must be relative to the current lane maxima (call
    /// <see cref="Rebase"/> first). <paramref name="weightedSums"/> is ignored where no weighted sum is tracked.</summary>
    public void Add(ReadOnlySpan<float> sums, ReadOnlySpan<float> weightedSums)
    {
        for (int lane = 0; lane < Sums.Length; lane++)
        {
            Sums[lane] += sums[lane];
        }

        for (int lane = 0; lane < WeightedSums.Length; lane++)
        {
            WeightedSums[lane] += weightedSums[lane];
        }
    }

    /// <summary><see cref="Add(ReadOnlySpan{float}, ReadOnlySpan{float})"/> from the kernel's vectors, without storing
    /// them first. <paramref name="weightedSums"/> is ignored where no weighted sum is tracked.</summary>
    public void Add<TWidth, TVector>(TVector sums, TVector weightedSums)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        TWidth.AddWidened(sums, ref MemoryMarshal.GetReference(Sums));
        if (!WeightedSums.IsEmpty)
        {
            TWidth.AddWidened(weightedSums, ref MemoryMarshal.GetReference(WeightedSums));
        }
    }

    /// <summary>The largest lane maximum: the row's maximum once the last fold is in.</summary>
    public float Maximum()
    {
        float maximum = float.NegativeInfinity;
        foreach (float laneMax in Max)
        {
            maximum = MathF.Max(maximum, laneMax);
        }

        return maximum;
    }

    /// <summary>S and W of the whole row relative to <paramref name="maximum"/>: Σ e^δ·S and Σ e^δ·(W + δ·S) over the
    /// lanes, δ = M_lane − maximum, in lane order.</summary>
    public (double Sum, double WeightedSum) Combine(float maximum) => Combine(maximum, default, 0);

    /// <summary>As <see cref="Combine(float)"/>, for a W weighted by (a − M_a) − (b − M_b) whose M_b are the lane maxima
    /// <paramref name="otherLaneMax"/> of a second row: moving those to that row's maximum
    /// <paramref name="otherMaximum"/> shifts each weight by −δ_b, so W's term is e^δ·(W + (δ − δ_b)·S).</summary>
    public (double Sum, double WeightedSum) Combine(float maximum, ReadOnlySpan<float> otherLaneMax, float otherMaximum)
    {
        double sum = 0, weightedSum = 0;
        double lastDelta = 0, lastScale = 1;
        for (int lane = 0; lane < Sums.Length; lane++)
        {
            if (Sums[lane] == 0)
            {
                continue;
            }

            double delta = (double)Max[lane] - maximum;
            if (delta != lastDelta)
            {
                (lastDelta, lastScale) = (delta, Math.Exp(delta));
            }

            sum += lastScale * Sums[lane];
            if (!WeightedSums.IsEmpty)
            {
                double shift = otherLaneMax.IsEmpty ? delta : delta - ((double)otherLaneMax[lane] - otherMaximum);
                weightedSum += lastScale * (WeightedSums[lane] + (shift * Sums[lane]));
            }
        }

        return (sum, weightedSum);
    }
}
