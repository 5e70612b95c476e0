namespace LossEngine.Kernels;

/// <summary>What one read of a row yields, in double where it matters, before it is packaged for callers. In
/// <see cref="LogSumExpMode"/> <c>MaxLogit</c> is the reference maximum the sums are relative to: the row's maximum,
/// or up to 8 below it (see the kernel's rescale margin); LogSumExp is exact either way.</summary>
internal readonly record struct RowSummary(
    double LogSumExp,
    double Entropy,
    float MaxLogit,
    int ArgMax,
    int TargetRank,
    double LogitSum,
    double Reference = double.NaN,
    double LogSum = double.NaN)
{
    /// <summary>Beyond this magnitude of the reference maximum, reference + log S in double can round log S away.</summary>
    private const double HugeLogit = 1 << 20;

    /// <summary>The loss LSE − x_t. For huge logits (a row of float.MaxValue or float.MinValue) reference + log S rounds
    /// to the reference and the loss would come out 0 instead of ln V, so it is taken from its parts,
    /// (reference − x_t) + log S; ordinary rows keep the plain difference.</summary>
    public double LossOf(double targetLogit) =>
        Math.Abs(Reference) > HugeLogit ? (Reference - targetLogit) + LogSum : LogSumExp - targetLogit;
}

/// <summary>Chooses how much of a row's statistics the single-pass kernel tracks, resolved at JIT time.</summary>
internal interface IStatisticsMode
{
    /// <summary>True: also argmax, target rank and entropy. False: only max and Σ e^(x−max), for log-sum-exp.</summary>
    static abstract bool TracksAll { get; }

    /// <summary>True: also Σ x over the row, for label smoothing.</summary>
    static abstract bool TracksLogitSum { get; }
}

/// <summary>Only what log-sum-exp needs: the lightest pass.</summary>
internal readonly struct LogSumExpMode : IStatisticsMode
{
    public static bool TracksAll => false;

    public static bool TracksLogitSum => false;
}

/// <summary>Log-sum-exp and Σ x: what label-smoothed cross-entropy needs.</summary>
internal readonly struct SmoothedLogSumExpMode : IStatisticsMode
{
    public static bool TracksAll => false;

    public static bool TracksLogitSum => true;
}

/// <summary>Everything in <see cref="TokenStatistics"/>.</summary>
internal readonly struct AllStatisticsMode : IStatisticsMode
{
    public static bool TracksAll => true;

    public static bool TracksLogitSum => false;
}
