using System.Text.Json;
using System.Text.Json.Serialization;

namespace LossEngine.Aggregation;

/// <summary>The serialised state of a <see cref="LossAggregator"/>: version 1.</summary>
internal sealed class AggregatorStateDocument
{
    /// <summary>"lossengine.score-state/1" in states written by this version; absent in older ones.</summary>
    public string? Schema { get; set; }

    /// <summary>Required: 0 (absent) is an error rather than a guess.</summary>
    public int Version { get; set; }

    public OptionsDocument Options { get; set; } = new();

    public long NextPosition { get; set; }

    public long? LastExampleId { get; set; }

    /// <summary>The largest example id seen (after merges), which <see cref="LossAggregator.Append"/> moves the next
    /// shard's ids past.</summary>
    public long? MaxExampleId { get; set; }

    public List<TaskState> Tasks { get; set; } = [];

    public List<ExampleState> OpenExamples { get; set; } = [];
}
