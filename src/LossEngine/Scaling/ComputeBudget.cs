namespace LossEngine.Scaling;

/// <summary>The compute-optimal model at one budget, with bootstrap intervals.</summary>
public sealed record ComputeBudget
{
    /// <summary>The budget C, FLOP.</summary>
    public required double Compute { get; init; }

    /// <summary>N_opt(C) = G·(C/6)^a.</summary>
    public required FitParameter Parameters { get; init; }

    /// <summary>D_opt(C) = (C/6)^b / G.</summary>
    public required FitParameter Tokens { get; init; }

    /// <summary>D_opt / N_opt: training tokens per parameter.</summary>
    public required FitParameter TokensPerParameter { get; init; }

    /// <summary>The law's loss at (N_opt, D_opt).</summary>
    public required FitParameter Loss { get; init; }
}
