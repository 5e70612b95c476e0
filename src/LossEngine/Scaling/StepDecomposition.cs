namespace LossEngine.Scaling;

/// <summary>The improvement from one model to a larger one and each task's share of it.</summary>
public sealed record StepDecomposition
{
    /// <summary>The smaller model.</summary>
    public required string From { get; init; }

    /// <summary>The larger model.</summary>
    public required string To { get; init; }

    /// <summary>True for the step from the smallest model to the largest; false for neighbours.</summary>
    public required bool SpansAll { get; init; }

    /// <summary>The improvement of the mean over tasks, in the metric's better direction (a loss that falls by 0.2 improves
    /// by 0.2).</summary>
    public required double Improvement { get; init; }

    /// <summary>Each task's improvement / T and share of <see cref="Improvement"/>.</summary>
    public required IReadOnlyList<TaskShare> Tasks { get; init; }
}
