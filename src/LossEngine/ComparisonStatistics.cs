using System.Runtime.InteropServices;

namespace LossEngine;

/// <summary>
/// How a candidate model's row of logits b compares with a reference model's row a for one token, with p = softmax(a)
/// and q = softmax(b): the quantities llama.cpp's KL-divergence mode reports per token.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct ComparisonStatistics : IEquatable<ComparisonStatistics>
{
    /// <summary>Creates a comparison record; LossEngine's kernels are the usual source.</summary>
    public ComparisonStatistics(float klDivergence, float referenceLoss, float candidateLoss, float referenceTargetProbability, float candidateTargetProbability, int referenceArgMax, int candidateArgMax)
    {
        KlDivergence = klDivergence;
        ReferenceLoss = referenceLoss;
        CandidateLoss = candidateLoss;
        ReferenceTargetProbability = referenceTargetProbability;
        CandidateTargetProbability = candidateTargetProbability;
        ReferenceArgMax = referenceArgMax;
        CandidateArgMax = candidateArgMax;
    }

    /// <summary>KL(p‖q) = Σ p_i·(log p_i − log q_i) in nats, ≥ 0: rounding negatives are clamped to 0. +∞ when q_i = 0 where
    /// p_i &gt; 0 (b_i = −∞, a_i finite); NaN when either row has a NaN or +∞, or the reference row is all −∞.
    /// Within 2e-6 + 1e-6·KL of a float64 reference.</summary>
    public float KlDivergence { get; }

    /// <summary>−log p_t: the reference model's loss on the target (NaN for ignored rows).</summary>
    public float ReferenceLoss { get; }

    /// <summary>−log q_t: the candidate model's loss on the target (NaN for ignored rows).</summary>
    public float CandidateLoss { get; }

    /// <summary>p_t (NaN for ignored rows).</summary>
    public float ReferenceTargetProbability { get; }

    /// <summary>q_t (NaN for ignored rows).</summary>
    public float CandidateTargetProbability { get; }

    /// <summary>argmax a (lowest index among ties).</summary>
    public int ReferenceArgMax { get; }

    /// <summary>argmax b (lowest index among ties).</summary>
    public int CandidateArgMax { get; }

    /// <summary>Whether both models put their top-1 on the same token.</summary>
    public bool SameArgMax => ReferenceArgMax == CandidateArgMax && ReferenceArgMax >= 0;

    /// <inheritdoc/>
    public bool Equals(ComparisonStatistics other) =>
        KlDivergence.Equals(other.KlDivergence) && ReferenceLoss.Equals(other.ReferenceLoss) && CandidateLoss.Equals(other.CandidateLoss)
        && ReferenceTargetProbability.Equals(other.ReferenceTargetProbability) && CandidateTargetProbability.Equals(other.CandidateTargetProbability)
        && ReferenceArgMax == other.ReferenceArgMax && CandidateArgMax == other.CandidateArgMax;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ComparisonStatistics other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(KlDivergence, ReferenceLoss, CandidateLoss, ReferenceTargetProbability, CandidateTargetProbability, ReferenceArgMax, CandidateArgMax);

    /// <summary>Field-wise equality (NaN equals NaN).</summary>
    public static bool operator ==(ComparisonStatistics left, ComparisonStatistics right) => left.Equals(right);

    /// <summary>Field-wise inequality.</summary>
    public static bool operator !=(ComparisonStatistics left, ComparisonStatistics right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() =>
        FormattableString.Invariant($"KL={KlDivergence} LossRef={ReferenceLoss} LossCand={CandidateLoss} SameTop1={SameArgMax}");
}
