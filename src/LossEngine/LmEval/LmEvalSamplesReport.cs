using LossEngine.MultipleChoice;

namespace LossEngine.LmEval;

/// <summary>What a set of lm-evaluation-harness sample logs says, recomputed: multiple-choice metrics, document-level
/// log-likelihood metrics, and the checks against the logged values.</summary>
public sealed record LmEvalSamplesReport
{
    /// <summary>The sample files read, in order.</summary>
    public required IReadOnlyList<string> Files { get; init; }

    /// <summary>The multiple-choice tasks' report (no task when there were none).</summary>
    public required MultipleChoiceReport MultipleChoice { get; init; }

    /// <summary>The loglikelihood and loglikelihood_rolling tasks, in the order first seen.</summary>
    public required IReadOnlyList<DocumentMetrics> Documents { get; init; }

    /// <summary>Recomputed against logged acc / acc_norm / acc_bytes, per multiple-choice task and metric.</summary>
    public required IReadOnlyList<LoggedMetricCheck> Checks { get; init; }
}
