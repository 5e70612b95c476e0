namespace LossEngine.Scaling;

/// <summary>The scale a series runs along: the x of its points. Every value must be positive, as the fits work in log x.</summary>
public enum ScaleAxis
{
    /// <summary>Model parameters N ("params" in manifests, CSV and JSON).</summary>
    Parameters,

    /// <summary>Training tokens D ("tokens").</summary>
    Tokens,

    /// <summary>Training compute C in FLOP ("compute").</summary>
    Compute,

    /// <summary>Training step of a checkpoint ("step").</summary>
    Step,
}
