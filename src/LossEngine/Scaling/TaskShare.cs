namespace LossEngine.Scaling;

/// <summary>One task's part of a total: for a model its value and share of the sum over tasks, for a step between two
/// models its change and share of the total change.</summary>
/// <param name="Task">The task.</param>
/// <param name="Value">The task's value (for a model) or its improvement (for a step), divided by the number of tasks,
/// so that the tasks' values sum to the total.</param>
/// <param name="Share">Value / total; NaN when the total is 0. A negative share is a task that went the other way.</param>
public sealed record TaskShare(string Task, double Value, double Share);
