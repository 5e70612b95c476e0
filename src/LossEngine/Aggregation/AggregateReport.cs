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

    /// <summary>The k of top-k accuracy.</summary>
    public int TopK { get; init; }
}
