namespace LossEngine.Aggregation;

/// <summary>The statistics of a model comparison: overall first, then each task that has tokens, in task-id order.</summary>
/// <param name="Summaries">"overall", then one summary per task with tokens.</param>
/// <param name="NaNTokens">Tokens left out because a logit or a loss was NaN.</param>
public sealed record ComparisonReport(IReadOnlyList<ComparisonSummary> Summaries, long NaNTokens);
