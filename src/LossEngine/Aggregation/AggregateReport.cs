namespace LossEngine.Aggregation;

/// <summary>The per-task breakdown, the overall figures and the loss decomposition.</summary>
public sealed record AggregateReport
{
    /// <summary>Micro (token-weighted) figures over every task.</summary>
    public required TaskMetrics Overall { get; init; }

    /// <summary>One entry per task with at least one token, in task-id order.</summary>
    public required IReadOnlyList<TaskMetrics> Tasks { get; init; }

    /// <summary>The unweighted mean of the tasks' losses.</summary>
    public double MacroLoss { get; init; }

    /// <summary>Σ_t w_t·loss_t; equal to the micro loss with the default token-share weights.</summary>
    public double WeightedLoss { get; init; }

    /// <summary>lm-evaluation-harness's group score for the loss: Σ_t G_t·loss_t / Σ_t G_t (a size-weighted mean over
    /// documents).</summary>
    public double LmEvalGroupLoss { get; init; }

    /// <summary>lm-evaluation-harness's group score for the accuracy, weighted the same way.</summary>
    public double LmEvalGroupAccuracy { get; init; }

    /// <summary>The standard error lm-evaluation-harness reports for <see cref="LmEvalGroupLoss"/>: its pooled-sample
    /// formula over the tasks' standard errors s_t and sizes G_t (documents),
    /// √(Σ_t (G_t − 1)·s_t²·G_t / (Σ_t G_t − T) / Σ_t G_t), with T the number of tasks (lm_eval/api/metrics.py,
    /// <c>pooled_sample_stderr</c>). It pools the within-task variances only, so it leaves out the spread between task
    /// means that <see cref="TaskMetrics.LossStandardError"/> of <see cref="Overall"/> includes; it is here to compare
    /// with lm-eval's group tables. NaN when Σ G_t ≤ T.</summary>
    public double LmEvalGroupLossStandardError { get; init; }

    /// <summary>The same pooled formula for <see cref="LmEvalGroupAccuracy"/>.</summary>
    public double LmEvalGroupAccuracyStandardError { get; init; }

    /// <summary>The k of top-k accuracy.</summary>
    public int TopK { get; init; }
}
