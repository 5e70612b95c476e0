namespace LossEngine.Scaling;

/// <summary>The names the scaling analysis uses in manifests, CSV, JSON and on the command line.</summary>
public static class ScalingNames
{
    /// <summary>"params", "tokens", "compute" or "step".</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined axis.</exception>
    public static string Of(ScaleAxis axis) => axis switch
    {
        ScaleAxis.Parameters => "params",
        ScaleAxis.Tokens => "tokens",
        ScaleAxis.Compute => "compute",
        ScaleAxis.Step => "step",
        _ => throw new ArgumentOutOfRangeException(nameof(axis), axis, "Not a scale axis."),
    };

    /// <summary>"smooth", "emergent", "flat", "inverse", "u-shaped", "inverted-u", "uncorrelated" or "insufficient".</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined class.</exception>
    public static string Of(ScalingClass scalingClass) => scalingClass switch
    {
        ScalingClass.Insufficient => "insufficient",
        ScalingClass.Flat => "flat",
        ScalingClass.Smooth => "smooth",
        ScalingClass.Emergent => "emergent",
        ScalingClass.Inverse => "inverse",
        ScalingClass.UShaped => "u-shaped",
        ScalingClass.InvertedU => "inverted-u",
        ScalingClass.Uncorrelated => "uncorrelated",
        _ => throw new ArgumentOutOfRangeException(nameof(scalingClass), scalingClass, "Not a scaling class."),
    };

    /// <summary>"lower" or "higher" (which is better).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined direction.</exception>
    public static string Of(MetricDirection direction) => direction switch
    {
        MetricDirection.LowerIsBetter => "lower",
        MetricDirection.HigherIsBetter => "higher",
        _ => throw new ArgumentOutOfRangeException(nameof(direction), direction, "Not a metric direction."),
    };

    /// <summary>Reads an axis name: "params" (or "parameters", "n"), "tokens" ("d"), "compute" ("flops", "c") or "step"
    /// ("steps"), in any case.</summary>
    public static bool TryParseAxis(string? name, out ScaleAxis axis)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case "params" or "parameters" or "n":
                axis = ScaleAxis.Parameters;
                return true;
            case "tokens" or "d":
                axis = ScaleAxis.Tokens;
                return true;
            case "compute" or "flops" or "c":
                axis = ScaleAxis.Compute;
                return true;
            case "step" or "steps":
                axis = ScaleAxis.Step;
                return true;
            default:
                axis = default;
                return false;
        }
    }

    /// <summary>Reads a direction: "lower" (or "lower-is-better", "min") or "higher" ("higher-is-better", "max").</summary>
    public static bool TryParseDirection(string? name, out MetricDirection direction)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case "lower" or "lower-is-better" or "lower_is_better" or "min":
                direction = MetricDirection.LowerIsBetter;
                return true;
            case "higher" or "higher-is-better" or "higher_is_better" or "max":
                direction = MetricDirection.HigherIsBetter;
                return true;
            default:
                direction = default;
                return false;
        }
    }
}
