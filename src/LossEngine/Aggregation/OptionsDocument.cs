using System.Text.Json;
using System.Text.Json.Serialization;

namespace LossEngine.Aggregation;

/// <summary>The options as stored with a state.</summary>
internal sealed class OptionsDocument
{
    public List<string> TaskNames { get; set; } = [];

    public List<double>? TaskWeights { get; set; }

    public int TopK { get; set; }

    public int WorstExamples { get; set; }

    public double LabelErrorConfidence { get; set; }

    public int LabelErrorMinimumRank { get; set; }

    public bool ExamplesUnordered { get; set; }

    public long FirstPosition { get; set; }

    public int? Vocabulary { get; set; }

    public Formats.TensorDataType? LogitType { get; set; }

    public int MaxTasks { get; set; }

    public static OptionsDocument From(AggregatorOptions options) => new()
    {
        TaskNames = [.. options.TaskNames],
        TaskWeights = options.TaskWeights is null ? null : [.. options.TaskWeights],
        TopK = options.TopK,
        WorstExamples = options.WorstExamples,
        LabelErrorConfidence = options.LabelErrorConfidence,
        LabelErrorMinimumRank = options.LabelErrorMinimumRank,
        ExamplesUnordered = options.ExamplesUnordered,
        FirstPosition = options.FirstPosition,
        Vocabulary = options.Vocabulary,
        LogitType = options.LogitType,
        MaxTasks = options.MaxTasks,
    };

    public AggregatorOptions ToOptions() => new()
    {
        TaskNames = TaskNames,
        TaskWeights = TaskWeights,
        TopK = TopK,
        WorstExamples = WorstExamples,
        LabelErrorConfidence = LabelErrorConfidence,
        LabelErrorMinimumRank = LabelErrorMinimumRank,
        ExamplesUnordered = ExamplesUnordered,
        FirstPosition = FirstPosition,
        Vocabulary = Vocabulary,
        LogitType = LogitType,
        MaxTasks = MaxTasks > 0 ? MaxTasks : Math.Max(AggregatorOptions.DefaultMaxTasks, TaskNames?.Count ?? 0),
    };
}
