namespace LossEngine.LmEval;

/// <summary>How the recomputed per-sample metrics agree with the values lm-eval logged in the same samples.</summary>
/// <param name="Task">The task.</param>
/// <param name="Metric">"acc", "acc_norm" or "acc_bytes".</param>
/// <param name="Checked">Samples that logged the metric.</param>
/// <param name="Disagreements">Samples where the recomputed value differs.</param>
/// <param name="FirstDisagreement">"file:line (doc_id d): logged x, recomputed y" for the first one, or null.</param>
public sealed record LoggedMetricCheck(string Task, string Metric, long Checked, long Disagreements, string? FirstDisagreement);
