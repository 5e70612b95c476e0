using System.Runtime.InteropServices;

namespace LossEngine;

/// <summary>
/// Everything LossEngine reads off one row of logits x (length V) for one target token t, computed in one pass.
/// </summary>
/// <remarks>
/// Special rows (see <see cref="Logits"/>): with any NaN every float field is NaN and <see cref="ArgMax"/> and
/// <see cref="TargetRank"/> are −1. With +∞ entries <see cref="LogSumExp"/> is +∞, <see cref="Loss"/> is +∞ (NaN if the
/// target is +∞ too), <see cref="Entropy"/> is NaN. An all −∞ row has LogSumExp −∞ and Loss, Entropy and
/// TargetProbability NaN.
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
public readonly struct TokenStatistics : IEquatable<TokenStatistics>
{
    /// <summary>Creates a statistics record; LossEngine's kernels are the usual source.</summary>
    public TokenStatistics(float loss, float logSumExp, float maxLogit, float targetLogit, float entropy, float targetProbability, int argMax, int targetRank)
    {
        Loss = loss;
        LogSumExp = logSumExp;
        MaxLogit = maxLogit;
        TargetLogit = targetLogit;
        Entropy = entropy;
        TargetProbability = targetProbability;
        ArgMax = argMax;
        TargetRank = targetRank;
    }

    /// <summary>What the batch kernels write for a row whose target is the ignore index: Loss 0 (as PyTorch), ArgMax and
    /// TargetRank −1, every other field NaN. The row is not read.</summary>
    public static TokenStatistics Ignored { get; } = new(0f, float.NaN, float.NaN, float.NaN, float.NaN, float.NaN, -1, -1);

    /// <summary>True for <see cref="Ignored"/> rows.</summary>
    public bool IsIgnored => Loss == 0 && ArgMax == -1 && float.IsNaN(TargetLogit);

    /// <summary>The negative log-likelihood of the target in nats: LSE(x) − x[t]. +∞ when x[t] = −∞.</summary>
    public float Loss { get; }

    /// <summary>log Σ_i e^(x_i).</summary>
    public float LogSumExp { get; }

    /// <summary>max_i x_i.</summary>
    public float MaxLogit { get; }

    /// <summary>x[t], the target's logit as read (widened to float).</summary>
    public float TargetLogit { get; }

    /// <summary>The entropy of softmax(x) in nats, −Σ p_i log p_i ≥ 0.</summary>
    public float Entropy { get; }

    /// <summary>p_t = e^(x[t] − LSE(x)) = e^(−Loss).</summary>
    public float TargetProbability { get; }

    /// <summary>The index of the largest logit; the lowest such index when several are equal.</summary>
    public int ArgMax { get; }

    /// <summary>How many entries rank above the target: those with x_i &gt; x[t], plus those with x_i = x[t] and i &lt; t.
    /// So 0 exactly when <see cref="ArgMax"/> = t, and the target is in the top k exactly when TargetRank &lt; k.</summary>
    public int TargetRank { get; }

    /// <inheritdoc/>
    public bool Equals(TokenStatistics other) =>
        Loss.Equals(other.Loss) && LogSumExp.Equals(other.LogSumExp) && MaxLogit.Equals(other.MaxLogit)
        && TargetLogit.Equals(other.TargetLogit) && Entropy.Equals(other.Entropy)
        && TargetProbability.Equals(other.TargetProbability) && ArgMax == other.ArgMax && TargetRank == other.TargetRank;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TokenStatistics other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Loss, LogSumExp, MaxLogit, TargetLogit, Entropy, TargetProbability, ArgMax, TargetRank);

    /// <summary>Field-wise equality (NaN equals NaN, as for <see cref="float.Equals(float)"/>).</summary>
    public static bool operator ==(TokenStatistics left, TokenStatistics right) => left.Equals(right);

    /// <summary>Field-wise inequality.</summary>
    public static bool operator !=(TokenStatistics left, TokenStatistics right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() =>
        FormattableString.Invariant($"Loss={Loss} LSE={LogSumExp} Max={MaxLogit} ArgMax={ArgMax} Rank={TargetRank} Entropy={Entropy} p={TargetProbability}");
}
