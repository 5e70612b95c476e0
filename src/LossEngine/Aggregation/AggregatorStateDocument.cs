using System.Text.Json;
using System.Text.Json.Serialization;

namespace LossEngine.Aggregation;

/// <summary>The serialised state of a <see cref="LossAggregator"/>: version 1.</summary>
internal sealed class AggregatorStateDocument
{
    public int Version { get; set; } = AggregatorJson.CurrentVersion;

    public OptionsDocument Options { get; set; } = new();

    public long NextPosition { get; set; }

    public long? LastExampleId { get; set; }

    /// <summary>The largest example id seen (after merges), which <see cref="LossAggregator.Append"/> moves the next
    /// shard's ids past.</summary>
    public long? MaxExampleId { get; set; }

    public List<TaskState> Tasks { get; set; } = [];

    public List<ExampleState> OpenExamples { get; set; } = [];
}
