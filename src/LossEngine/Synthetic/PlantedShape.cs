using LossEngine.Scaling;

namespace LossEngine.Synthetic;

/// <summary>A class planted in one task's series of one metric.</summary>
/// <param name="Task">The task.</param>
/// <param name="Metric">The metric, as the score report names it (<c>loss</c>, <c>exact_match</c>).</param>
/// <param name="Class">The planted class.</param>
public sealed record PlantedShape(string Task, string Metric, ScalingClass Class);
