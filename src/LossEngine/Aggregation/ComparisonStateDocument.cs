namespace LossEngine.Aggregation;

/// <summary>The serialised state of a <see cref="ComparisonAggregator"/>: version 2.</summary>
internal sealed class ComparisonStateDocument
{
    public string Schema { get; set; } = ComparisonAggregator.StateSchema;

    public int Version { get; set; }

    public List<string> TaskNames { get; set; } = [];

    public int ExactPercentileLimit { get; set; }

    public long NaNTokens { get; set; }

    public ComparisonTaskDocument Overall { get; set; } = new();

    public List<ComparisonTaskDocument> Tasks { get; set; } = [];
}
