namespace LossEngine;

/// <summary>How PyTorch-style losses over a batch of rows are reduced to one number.</summary>
public enum Reduction
{
    /// <summary>No reduction: the per-row losses are the result (PyTorch <c>reduction='none'</c>).</summary>
    None,

    /// <summary>Σ of the non-ignored rows' losses (<c>reduction='sum'</c>).</summary>
    Sum,

    /// <summary>The sum divided by the number of non-ignored rows; NaN when every row is ignored (<c>reduction='mean'</c>,
    /// PyTorch's default).</summary>
    Mean,
}
