namespace LossEngine.Scaling;

/// <summary>Settings of the two-variable fit (<see cref="LawFitter"/>).</summary>
public sealed record LawFitOptions
{
    /// <summary>Huber's δ on log L; default 1e-3, as Hoffmann et al. and Besiroglu et al.</summary>
    public double HuberDelta { get; init; } = 1e-3;

    /// <summary>Bootstrap resamples (runs drawn with replacement, each refitted from the estimate); 0 leaves the intervals
    /// unknown. Default 1000.</summary>
    public int Bootstrap { get; init; } = 1000;

    /// <summary>Seeds the bootstrap; the same seed gives the same intervals whatever the thread count. Default 0.</summary>
    public long Seed { get; init; }

    /// <summary>The intervals' coverage, in (0, 1). Default 0.95.</summary>
    public double Confidence { get; init; } = 0.95;

    /// <summary>Compute budgets C (FLOP) at which to report the compute-optimal N, D and loss; null picks the four powers
    /// of ten above the largest 6·N·D in the data.</summary>
    public IReadOnlyList<double>? Budgets { get; init; }

    /// <summary>Threads for the grid of starting points and the bootstrap; −1 (the default) uses every core. The result
    /// does not depend on it.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    internal void Validate()
    {
        if (!(HuberDelta > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(HuberDelta), HuberDelta, "Huber's δ is positive.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(Bootstrap);
        if (!(Confidence > 0 && Confidence < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Confidence), Confidence, "The confidence is a probability in (0, 1).");
        }

        if (MaxDegreeOfParallelism == 0 || MaxDegreeOfParallelism < -1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), MaxDegreeOfParallelism, "Use a positive thread count, or −1 for every core.");
        }

        if (Budgets is not null && Budgets.Any(c => !(c > 0) || !double.IsFinite(c)))
        {
            throw new ArgumentOutOfRangeException(nameof(Budgets), "Compute budgets are positive and finite.");
        }
    }
}
