using System.Runtime.InteropServices;
using LossEngine.Kernels.Vectors;

namespace LossEngine.Kernels;

/// <summary>
/// The double accumulators behind a kernel's float lanes, for one row: per lane a sum S = Σ e^(x−M) and, optionally, a
/// weighted sum W = Σ e^(x−M)·w, all relative to one maximum M that every lane shares, as of the last fold. Both row
/// kernels keep a single reference maximum for all their lanes, move their float lane sums in here every few hundred
/// terms (<see cref="Rebase"/> when the reference rose, then <see cref="Add{TWidth, TVector}"/>), so that no float
/// accumulator adds more than that many terms, and combine the lanes at the end (<see cref="Combine"/>).
/// </summary>
/// <remarks>
/// <para>Raising M to M − δ (δ = M_old − M_new ≤ 0) multiplies every term by e^δ and, where the weight is x − M, adds δ
/// to every weight: S ← e^δ·S and W ← e^δ·(W + δ·S). The statistics kernel weights by x − M (for the entropy); the
/// comparison kernel weights by (a − M_a) − (b − M_b) and applies the shift of M_b itself. With one M for all lanes, a
/// rebase takes one exp and the combination none.</para>
/// <para>A lane whose S is 0 has no terms to rebase.</para>
/// </remarks>
internal readonly ref struct FoldedLanes
{
    /// <summary>Starts every lane empty, relative to float.MinValue (where the kernels' references start).</summary>
    /// <param name="sums">One double per lane for S.</param>
    /// <param name="weightedSums">One double per lane for W.</param>
    /// <param name="maximum">One float for M (a span, so that copies of this struct share it).</param>
    public FoldedLanes(Span<double> sums, Span<double> weightedSums, Span<float> maximum)
        : this(sums, maximum)
    {
        weightedSums.Clear();
        WeightedSums = weightedSums;
    }

    /// <summary>Lanes with S only (<see cref="WeightedSums"/> empty), started empty as above.</summary>
    public FoldedLanes(Span<double> sums, Span<float> maximum)
    {
        sums.Clear();
        maximum[0] = float.MinValue;
        Sums = sums;
        _maximum = maximum;
    }

    private readonly Span<float> _maximum;

    public Span<double> Sums { get; }

    /// <summary>Empty for lanes that track S only.</summary>
    public Span<double> WeightedSums { get; }

    /// <summary>The maximum M every lane's sums are relative to.</summary>
    public float Maximum => _maximum[0];

    /// <summary>Starts the lanes, still empty, at a maximum: a kernel that knows a row's first maximum before its first
    /// fold then has nothing to rebase there.</summary>
    public void Start(float maximum) => _maximum[0] = maximum;

    /// <summary>Moves every lane's sums to a new maximum: one exp before the loop, then S ← e^δ·S and
    /// W ← e^δ·(W + δ·S) lane by lane.</summary>
    public void Rebase(float maximum)
    {
        float current = Maximum;
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

        _maximum[0] = maximum;
    }

    /// <summary>Adds the kernel's float lane sums, which must be relative to <see cref="Maximum"/> (call
    /// <see cref="Rebase"/> first), without storing them first. <paramref name="weightedSums"/> is ignored where no
    /// weighted sum is tracked.</summary>
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

    /// <summary>S and W of the whole row relative to <see cref="Maximum"/>: the lanes' sums in lane order.</summary>
    public (double Sum, double WeightedSum) Combine()
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
}
