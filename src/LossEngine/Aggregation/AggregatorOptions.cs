namespace LossEngine.Aggregation;

/// <summary>What an <see cref="LossAggregator"/> reports and how it reads its input.</summary>
public sealed record AggregatorOptions
{
    /// <summary>The task names, indexed by task id; ids outside [0, count) are errors. Required.</summary>
    public IReadOnlyList<string> TaskNames { get; init; } = [];

    /// <summary>Optional per-task weights w_t for the decomposition Overall = Σ w_t·loss_t; normalised to sum to 1 over
    /// the tasks that have tokens. Null (default) uses each task's token share, which makes Overall the micro mean.</summary>
    public IReadOnlyList<double>? TaskWeights { get; init; }

    /// <summary>k of top-k accuracy; default 5.</summary>
    public int TopK { get; init; } = 5;

    /// <summary>How many worst examples, and how many possible label errors, each task keeps; default 10.</summary>
    public int WorstExamples { get; init; } = 10;

    /// <summary>A token is a possible label error when the model's top-1 probability is at least this; default 0.9.</summary>
    public double LabelErrorConfidence { get; init; } = 0.9;

    /// <summary>… and the target's rank is at least this; default 10.</summary>
    public int LabelErrorMinimumRank { get; init; } = 10;

    /// <summary>False (default): each example's tokens are contiguous and example ids increase along the stream, which
    /// keeps memory O(tasks + k); an id that does not increase is an error naming the positions. True: tokens of
    /// different examples may interleave; every example is then held until the report (memory O(examples)).</summary>
    public bool ExamplesUnordered { get; init; }

    /// <summary>The position of the first token this aggregator sees, so that shards report global positions.</summary>
    public long FirstPosition { get; init; }

    /// <summary>V of the logits the tokens were scored from, when known (the dump scorer sets it). Aggregators that both
    /// know V merge only when it is the same: shards of different vocabularies are different models or tokenizers.</summary>
    public int? Vocabulary { get; init; }

    /// <summary>The logits' element type, when known; checked on merge like <see cref="Vocabulary"/>.</summary>
    public Formats.TensorDataType? LogitType { get; init; }

    /// <summary>The most tasks an aggregator accepts: each task's state takes about 31 KB, so a stray task id of 10^8
    /// must be an error rather than 3 TB of memory. Default 100,000 (about 3 GB); raise it for more tasks.</summary>
    public int MaxTasks { get; init; } = DefaultMaxTasks;

    /// <summary>The default of <see cref="MaxTasks"/>.</summary>
    public const int DefaultMaxTasks = 100_000;

    internal void Validate()
    {
        if (TaskNames is null || TaskNames.Count == 0)
        {
            throw new ArgumentException("At least one task name is required.", nameof(TaskNames));
        }

        if (TaskNames.Count > MaxTasks)
        {
            throw new ArgumentException($"{TaskNames.Count} tasks are more than the limit of {MaxTasks} (about 31 KB of state each); raise MaxTasks to allow them.", nameof(TaskNames));
        }

        if (Vocabulary is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Vocabulary), Vocabulary, "V must be positive when given.");
        }

        for (int t = 0; t < TaskNames.Count; t++)
        {
            if (TaskNames[t] is null)
            {
                throw new ArgumentException($"Task name {t} is null; every task needs a name.", nameof(TaskNames));
            }
        }

        if (TaskWeights is not null && (TaskWeights.Count != TaskNames.Count || TaskWeights.Any(w => !(w >= 0) || !double.IsFinite(w))))
        {
            throw new ArgumentException($"Task weights must be {TaskNames.Count} finite non-negative numbers, one per task.", nameof(TaskWeights));
        }

        if (TopK < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "Top-k needs k ≥ 1.");
        }

        if (WorstExamples < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(WorstExamples), WorstExamples, "The number of worst examples cannot be negative.");
        }

        if (!(LabelErrorConfidence >= 0 && LabelErrorConfidence <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(LabelErrorConfidence), LabelErrorConfidence, "A confidence threshold is a probability in [0, 1].");
        }
    }
}
