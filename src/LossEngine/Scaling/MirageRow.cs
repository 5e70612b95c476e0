namespace LossEngine.Scaling;

/// <summary>One model in a mirage comparison: the observed pass/fail metric, and for exact match the value its
/// per-token probability predicts.</summary>
/// <param name="Model">The model.</param>
/// <param name="X">Its scale.</param>
/// <param name="Observed">The discontinuous metric as measured.</param>
/// <param name="Predicted">For exact match, p_next^L with L the tokens per example (exactly e^(mean example
/// log-likelihood) when the input has that); NaN for other metrics or when p_next or L is unknown.</param>
public sealed record MirageRow(string Model, double X, double Observed, double Predicted);
