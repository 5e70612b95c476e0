namespace LossEngine.Scaling;

/// <summary>
/// The shape of a series across scale, judged with the points' standard errors by <see cref="ScalingClassifier"/>,
/// which documents the criteria. "Better" is in the metric's own direction.
/// </summary>
public enum ScalingClass
{
    /// <summary>Fewer than <see cref="ScalingClassifier.MinimumScales"/> scales, or a point without a standard error
    /// ("insufficient").</summary>
    Insufficient,

    /// <summary>No two scales differ significantly ("flat").</summary>
    Flat,

    /// <summary>Significantly better at the largest scale, rising with scale throughout ("smooth").</summary>
    Smooth,

    /// <summary>Significantly better at the largest scale, flat (near chance) at the first scales, and most of the rise in
    /// one step between neighbouring scales ("emergent").</summary>
    Emergent,

    /// <summary>Significantly worse at the largest scale, falling with scale ("inverse").</summary>
    Inverse,

    /// <summary>An interior scale significantly worse than both ends ("u-shaped").</summary>
    UShaped,

    /// <summary>An interior scale significantly better than both ends ("inverted-u").</summary>
    InvertedU,

    /// <summary>Significant differences that fit none of the shapes above ("uncorrelated").</summary>
    Uncorrelated,
}
