namespace LossEngine.Scaling;

/// <summary>One model's overall value (the mean over tasks) and each task's share of it.</summary>
public sealed record ModelDecomposition
{
    /// <summary>The model.</summary>
    public required string Model { get; init; }

    /// <summary>Its scale.</summary>
    public required double X { get; init; }

    /// <summary>The mean of the tasks' values.</summary>
    public required double Total { get; init; }

    /// <summary>Each task's value / T and share of <see cref="Total"/>.</summary>
    public required IReadOnlyList<TaskShare> Tasks { get; init; }
}
