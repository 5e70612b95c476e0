namespace LossEngine.Scaling;

/// <summary>L(N, D) = E + A/N^α + B/D^β fitted by <see cref="LawFitter"/>, with bootstrap intervals and the
/// compute-optimal allocation. <see cref="Parameters"/> names them "E", "A", "B", "alpha", "beta".</summary>
public sealed record LawFit
{
    /// <summary>E, A, B, α, β with their intervals, in that order.</summary>
    public required IReadOnlyList<FitParameter> Parameters { get; init; }

    /// <summary>E: the loss of an infinite model trained on infinite data.</summary>
    public double E => Parameters[0].Value;

    /// <summary>A: the coefficient of the parameter term.</summary>
    public double A => Parameters[1].Value;

    /// <summary>B: the coefficient of the data term.</summary>
    public double B => Parameters[2].Value;

    /// <summary>α: the parameter exponent.</summary>
    public double Alpha => Parameters[3].Value;

    /// <summary>β: the data exponent.</summary>
    public double Beta => Parameters[4].Value;

    /// <summary>The Huber objective Σ Huber_δ(log L̂ − log L) at the estimate.</summary>
    public required double Objective { get; init; }

    /// <summary>Runs fitted.</summary>
    public required int Points { get; init; }

    /// <summary>Runs dropped before fitting (<see cref="LawData.Dropped"/>).</summary>
    public required int Dropped { get; init; }

    /// <summary>Huber's δ.</summary>
    public required double HuberDelta { get; init; }

    /// <summary>Starting points tried (the grid).</summary>
    public required int Starts { get; init; }

    /// <summary>Bootstrap refits that converged; the intervals are quantiles over these.</summary>
    public required int Resamples { get; init; }

    /// <summary>The intervals' coverage.</summary>
    public required double Confidence { get; init; }

    /// <summary>R² of log L against log L̂ over the fitted runs.</summary>
    public required double RSquared { get; init; }

    /// <summary>N_opt(C), D_opt(C) under C ≈ 6·N·D.</summary>
    public required ComputeOptimalAllocation ComputeOptimal { get; init; }

    /// <summary>E + A/N^α + B/D^β.</summary>
    public double Predict(double parameters, double tokens) => E + (A / Math.Pow(parameters, Alpha)) + (B / Math.Pow(tokens, Beta));
}
