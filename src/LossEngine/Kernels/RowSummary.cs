namespace LossEngine.Kernels;

/// <summary>What one read of a row yields, in double where it matters, before it is packaged for callers.</summary>
internal readonly record struct RowSummary(
    double LogSumExp,
    double Entropy,
    float MaxLogit,
    int ArgMax,
    int TargetRank);

/// <summary>Chooses how much of a row's statistics the single-pass kernel tracks, resolved at JIT time.</summary>
internal interface IStatisticsMode
{
    /// <summary>True: also argmax, target rank and entropy. False: only max and Σ e^(x−max), for log-sum-exp.</summary>
    static abstract bool TracksAll { get; }
}

/// <summary>Only what log-sum-exp needs: the lightest pass.</summary>
internal readonly struct LogSumExpMode : IStatisticsMode
{
    public static bool TracksAll => false;
}

/// <summary>Everything in <see cref="TokenStatistics"/>.</summary>
internal readonly struct AllStatisticsMode : IStatisticsMode
{
    public static bool TracksAll => true;
}
