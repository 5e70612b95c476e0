namespace LossEngine;

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
