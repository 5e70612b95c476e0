using LossEngine.Scaling;

namespace LossEngine.Synthetic;

/// <summary>A planted shape and the class the scaling analysis recovered for it.</summary>
/// <param name="Planted">The task, metric and planted class.</param>
/// <param name="Class">The class the analysis assigned to the series.</param>
public sealed record RecoveredShape(PlantedShape Planted, ScalingClass Class)
{
    /// <summary>True when the analysis recovered the planted class.</summary>
    public bool IsRecovered => Class == Planted.Class;
}
