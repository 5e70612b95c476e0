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

/// <summary>Options shared by the batch kernels: which rows to skip, a temperature, and how to use the cores.</summary>
public record ScoringOptions
{
    /// <summary>Rows whose target equals this are skipped: their loss is 0 and they are excluded from means
    /// (PyTorch's <c>ignore_index</c>, default −100).</summary>
    public long IgnoreIndex { get; init; } = -100;

    /// <summary>Logits are divided by T before anything else (implemented as multiplication by 1/T, which can differ
    /// from x/T by one rounding). Must be finite and positive; default 1.</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>The most threads a call uses: −1 (default) means <see cref="Environment.ProcessorCount"/>, 1 runs on the
    /// calling thread only. Results are bitwise identical for every value.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>Rows per parallel block; 0 (default) splits the rows into one contiguous block per thread, and runs small
    /// inputs (under about a million logits) inline. Results are bitwise identical for every value.</summary>
    public int RowsPerBlock { get; init; }

    internal void Validate()
    {
        if (!(Temperature > 0) || !float.IsFinite(Temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "The temperature must be finite and positive.");
        }

        if (MaxDegreeOfParallelism == 0 || MaxDegreeOfParallelism < -1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), MaxDegreeOfParallelism, "Use −1 for all cores or a positive thread count.");
        }

        if (RowsPerBlock < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(RowsPerBlock), RowsPerBlock, "Rows per block must be 0 (automatic) or positive.");
        }
    }
}

/// <summary>The options of <c>torch.nn.functional.cross_entropy</c>, plus PaLM's z-loss.</summary>
public sealed record CrossEntropyOptions : ScoringOptions
{
    /// <summary>ε ∈ [0, 1]: the target distribution is (1−ε)·one-hot + ε/V uniform, so the loss is
    /// (1−ε)·NLL + ε·(LSE − mean(x)) (PyTorch's <c>label_smoothing</c>). Default 0.</summary>
    public float LabelSmoothing { get; init; }

    /// <summary>c ≥ 0: adds c·LSE² to each non-ignored row's loss, the auxiliary z-loss of PaLM (they use 1e-4). Default 0.</summary>
    public float ZLoss { get; init; }

    /// <summary>How the per-row losses are reduced; default <see cref="Reduction.Mean"/>, as in PyTorch.</summary>
    public Reduction Reduction { get; init; } = Reduction.Mean;

    internal new void Validate()
    {
        base.Validate();
        if (!(LabelSmoothing >= 0 && LabelSmoothing <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(LabelSmoothing), LabelSmoothing, "Label smoothing must be in [0, 1].");
        }

        if (!(ZLoss >= 0) || !float.IsFinite(ZLoss))
        {
            throw new ArgumentOutOfRangeException(nameof(ZLoss), ZLoss, "The z-loss coefficient must be finite and non-negative.");
        }

        if (!Enum.IsDefined(Reduction))
        {
            throw new ArgumentOutOfRangeException(nameof(Reduction), Reduction, "Unknown reduction.");
        }
    }
}
