namespace LossEngine.Scaling;

/// <summary>
/// The split of a compute budget C ≈ 6·N·D that minimises L(N, D) = E + A/N^α + B/D^β:
/// N_opt(C) = G·(C/6)^a and D_opt(C) = G⁻¹·(C/6)^b with G = (α·A / (β·B))^(1/(α+β)), a = β/(α+β), b = α/(α+β)
/// (Hoffmann et al. 2022, equation 4).
/// </summary>
public sealed record ComputeOptimalAllocation
{
    /// <summary>G = (α·A / (β·B))^(1/(α+β)).</summary>
    public required FitParameter Coefficient { get; init; }

    /// <summary>a = β/(α+β): the exponent of N_opt in C.</summary>
    public required FitParameter ParameterExponent { get; init; }

    /// <summary>b = α/(α+β): the exponent of D_opt in C.</summary>
    public required FitParameter TokenExponent { get; init; }

    /// <summary>The allocation at each requested budget, in increasing C.</summary>
    public required IReadOnlyList<ComputeBudget> Budgets { get; init; }
}
