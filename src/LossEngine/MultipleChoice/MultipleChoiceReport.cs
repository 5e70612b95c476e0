namespace LossEngine.MultipleChoice;

/// <summary>The multiple-choice metrics per task and overall, and lm-evaluation-harness's group view.</summary>
public sealed record MultipleChoiceReport
{
    /// <summary>Micro figures over every question.</summary>
    public required MultipleChoiceMetrics Overall { get; init; }

    /// <summary>One entry per task with at least one question, in task order.</summary>
    public required IReadOnlyList<MultipleChoiceMetrics> Tasks { get; init; }

    /// <summary>The unweighted mean of the tasks' accuracies.</summary>
    public double MacroAccuracy { get; init; }

    /// <summary>lm-eval's group <c>acc</c>: Σ_t n_t·acc_t / Σ_t n_t over the tasks' question counts (equal to the micro
    /// accuracy).</summary>
    public double LmEvalGroupAccuracy { get; init; }

    /// <summary>lm-eval's group standard error of <see cref="LmEvalGroupAccuracy"/> (<c>pooled_sample_stderr</c>):
    /// √(Σ_t (n_t − 1)·s_t²·n_t / (Σ n_t − T) / Σ n_t).</summary>
    public double LmEvalGroupAccuracyStandardError { get; init; }

    /// <summary>The unweighted mean of the tasks' Brier scores.</summary>
    public double MacroBrierScore { get; init; }
}
