namespace LossEngine.Scaling;

/// <summary>How <see cref="ScalingInputs"/> turns input files into series.</summary>
public sealed record ScalingReadOptions
{
    /// <summary>The scale the series run along; every model needs a value on it. Default: parameters.</summary>
    public ScaleAxis Axis { get; init; } = ScaleAxis.Parameters;

    /// <summary>The metrics to read, by full name (<c>exact_match,strict-match</c>) or base name (<c>exact_match</c>);
    /// null reads every metric. A metric named here that no input has is an error.</summary>
    public IReadOnlyCollection<string>? Metrics { get; init; }

    /// <summary>Directions for metrics <see cref="MetricCatalog"/> does not know (or to override it), by full or base
    /// name. Reading a metric whose direction is known neither here nor there is an error that says so.</summary>
    public IReadOnlyDictionary<string, MetricDirection> Directions { get; init; } = new Dictionary<string, MetricDirection>();

    /// <summary>Chance levels by task name; the key "*" applies to every task not named. A tidy CSV's <c>chance</c>
    /// column takes precedence.</summary>
    public IReadOnlyDictionary<string, double> ChanceLevels { get; init; } = new Dictionary<string, double>();
}
