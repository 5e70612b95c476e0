namespace LossEngine.Aggregation;

/// <summary>
/// Streams per-token statistics into per-task and overall metrics with memory O(tasks + k): loss, perplexity and its
/// interval, accuracy, top-k, MRR, exact match, example log-likelihood, entropy, calibration, standard errors, the loss
/// decomposition, the worst examples and possible label errors. Aggregators of different shards merge exactly.
/// </summary>
/// <remarks>
/// <para>Every sum is exact (<see cref="ExactSum"/>), so every reported number is identical to the last bit whatever
/// the order of tokens within a task, the sharding, the order of merges or the thread count. The state's text can
/// differ between shardings: an example at a shard's edge stays open in the state until a report closes it.</para>
/// <para>An example is a contiguous run of tokens with the same (task, example id). The first example a stream sees and
/// the one still running stay open, so an example split across two shards is joined when they merge; open examples
/// are closed (on a copy) when a report is made.</para>
/// <para>Not thread-safe: use one aggregator per thread or shard and <see cref="Merge"/> them.</para>
/// </remarks>
public sealed class LossAggregator
{
    private readonly TaskState[] _tasks;
    private readonly Dictionary<(int Task, long ExampleId), ExampleState> _open = [];
    private ExampleState? _current;
    private ExampleState? _firstOfStream;
    private long? _lastExampleId;
    private long? _maxExampleId;

    /// <summary>Creates an empty aggregator.</summary>
    /// <exception cref="ArgumentException">The options are invalid (no task names, weights of the wrong count…).</exception>
    public LossAggregator(AggregatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _tasks = [.. options.TaskNames.Select(_ => new TaskState())];
        NextPosition = options.FirstPosition;
    }

    /// <summary>The options this aggregator was made with.</summary>
    public AggregatorOptions Options { get; }

    /// <summary>The position the next token will get.</summary>
    public long NextPosition { get; private set; }

    /// <summary>Adds a batch of tokens.</summary>
    /// <param name="tokens">Per-token statistics from the row kernels; <see cref="TokenStatistics.Ignored"/> rows take a
    /// position but are not counted.</param>
    /// <param name="taskIds">Each token's task id, in [0, number of tasks).</param>
    /// <param name="exampleIds">Each token's example id.</param>
    /// <param name="targets">Optional: each token's target id, shown in the worst-example and label-error lists.</param>
    /// <param name="byteLengths">Optional: the byte length of each target token's text, for bits per byte.</param>
    /// <exception cref="ArgumentException">Span lengths differ, or an example id does not increase (ordered mode); the
    /// message names the positions. The tokens before the bad one are kept.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A task id is out of range; the message names the position.</exception>
    public void Add(ReadOnlySpan<TokenStatistics> tokens, ReadOnlySpan<int> taskIds, ReadOnlySpan<long> exampleIds, ReadOnlySpan<long> targets = default, ReadOnlySpan<int> byteLengths = default)
    {
        if (taskIds.Length != tokens.Length || exampleIds.Length != tokens.Length
            || (!targets.IsEmpty && targets.Length != tokens.Length) || (!byteLengths.IsEmpty && byteLengths.Length != tokens.Length))
        {
            throw new ArgumentException($"All spans must have one entry per token: {tokens.Length} tokens, {taskIds.Length} task ids, {exampleIds.Length} example ids, {targets.Length} targets, {byteLengths.Length} byte lengths.", nameof(taskIds));
        }

        for (int i = 0; i < tokens.Length; i++)
        {
            long position = NextPosition;
            ref readonly TokenStatistics token = ref tokens[i];
            int task = taskIds[i];
            if ((uint)task >= (uint)_tasks.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(taskIds), task, $"The token at position {position} has task id {task}, outside [0, {_tasks.Length}).");
            }

            ExampleState example = ExampleFor(task, exampleIds[i], position);
            NextPosition++;
            if (token.IsIgnored)
            {
                continue;
            }

            long target = targets.IsEmpty ? -1 : targets[i];
            example.AddToken(token, position, target);
            TaskState state = _tasks[task];
            if (float.IsNaN(token.Loss))
            {
                state.NaNLosses++;
                continue;
            }

            state.AddToken(token, Options.TopK, byteLengths.IsEmpty ? null : byteLengths[i]);
            double confidence = TaskState.Confidence(token);
            if (confidence >= Options.LabelErrorConfidence && token.TargetRank >= Options.LabelErrorMinimumRank)
            {
                var entry = new PossibleLabelError(Options.TaskNames[task], example.ExampleId, position, token.Loss, target, token.TargetRank, token.ArgMax, confidence);
                BoundedList.Insert(state.LabelErrors, entry, Options.WorstExamples, LabelErrorOrder.Instance);
            }
        }
    }

    private ExampleState ExampleFor(int task, long exampleId, long position)
    {
        if (_current is not null && _current.Task == task && _current.ExampleId == exampleId)
        {
            return _current;
        }

        _maxExampleId = Math.Max(_maxExampleId ?? long.MinValue, exampleId);

        if (!Options.ExamplesUnordered)
        {
            if (_lastExampleId is long last && exampleId <= last)
            {
                throw new ArgumentException(
                    $"Example id {exampleId} (task {task}) at position {position} follows example {last} (ended at position {position - 1}); in ordered mode each example's tokens are contiguous and ids increase. Examples whose tokens interleave need unordered aggregation (ExamplesUnordered).",
                    "exampleIds");
            }

            // The running example is finished; the stream's first one stays open in case it continues a previous shard.
            if (_current is not null && !ReferenceEquals(_current, _firstOfStream))
            {
                _open.Remove(_current.Key);
                _tasks[_current.Task].AddExample(_current, Options.TaskNames[_current.Task], Options.WorstExamples);
            }

            _lastExampleId = exampleId;
        }

        if (!_open.TryGetValue((task, exampleId), out ExampleState? example))
        {
            example = new ExampleState { Task = task, ExampleId = exampleId };
            _open.Add(example.Key, example);
        }

        _firstOfStream ??= example;
        _current = example;
        return example;
    }

    /// <summary>Adds another aggregator's state (another shard, thread or file). Commutative and associative: merged
    /// shards report exactly what one pass over all tokens reports. Examples open at the shards' edges with the same
    /// (task, example id) are joined.</summary>
    /// <exception cref="ArgumentException">The aggregators were made with different task names or report settings.</exception>
    public void Merge(LossAggregator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        CheckMergeable(other);
        try
        {
            // Every count is checked before any is changed, so a refused merge leaves this aggregator as it was.
            for (int task = 0; task < _tasks.Length; task++)
            {
                _tasks[task].CheckCountsAdd(other._tasks[task]);
            }
        }
        catch (OverflowException error)
        {
            throw new ArgumentException("Merging would overflow a count past 2^63: the states cannot be of real data.", nameof(other), error);
        }

        if (other._maxExampleId is long otherMax)
        {
            _maxExampleId = Math.Max(_maxExampleId ?? long.MinValue, otherMax);
        }

        for (int task = 0; task < _tasks.Length; task++)
        {
            _tasks[task].Merge(other._tasks[task], Options.WorstExamples);
        }

        foreach (ExampleState part in other._open.Values)
        {
            if (_open.TryGetValue(part.Key, out ExampleState? mine))
            {
                mine.Merge(part);
            }
            else
            {
                _open.Add(part.Key, part.Clone());
            }
        }
    }

    /// <summary>
    /// Adds the next shard of a dataset that was aggregated on its own, with its positions and example ids counted from
    /// its own start: its positions are moved to follow this aggregator's last position, and its example ids to follow
    /// this aggregator's largest example id, exactly as if one stream had seen this shard's tokens and then the next's
    /// with those ids (what the <c>lossengine</c> tool does with several files). Order matters; no example is joined
    /// across the edge. Use <see cref="Merge"/> instead for shards that already carry global positions and ids.
    /// </summary>
    /// <exception cref="ArgumentException">The aggregators were made with different task names or report settings.</exception>
    public void Append(LossAggregator next)
    {
        ArgumentNullException.ThrowIfNull(next);
        CheckMergeable(next);
        long positionShift = NextPosition - next.Options.FirstPosition;
        long exampleShift = _maxExampleId is long max ? max + 1 : 0;
        LossAggregator shifted = FromJson(next.ToJson()); // a copy: the argument is left as it was
        foreach (TaskState task in shifted._tasks)
        {
            task.Shift(positionShift, exampleShift);
        }

        var open = shifted._open.Values.ToList();
        shifted._open.Clear();
        foreach (ExampleState example in open)
        {
            example.Shift(positionShift, exampleShift);
            shifted._open.Add(example.Key, example);
        }

        Merge(shifted);
        NextPosition = next.NextPosition + positionShift;
        if (next._maxExampleId is long nextMax)
        {
            _maxExampleId = nextMax + exampleShift;
            _lastExampleId = next._lastExampleId + exampleShift;
        }
    }

    private void CheckMergeable(LossAggregator other)
    {
        if (ReferenceEquals(other, this))
        {
            throw new ArgumentException("An aggregator cannot be merged with or appended to itself: every token would count twice.", nameof(other));
        }

        if (Options.Vocabulary is int v && other.Options.Vocabulary is int w && v != w)
        {
            throw new ArgumentException($"Only aggregators of the same vocabulary merge: V = {v} and V = {w}.", nameof(other));
        }

        if (Options.LogitType is { } a && other.Options.LogitType is { } b && a != b)
        {
            throw new ArgumentException($"Only aggregators of the same logit type merge: {a} and {b}.", nameof(other));
        }

        if (!Options.TaskNames.SequenceEqual(other.Options.TaskNames) || Options.TopK != other.Options.TopK
            || Options.WorstExamples != other.Options.WorstExamples || Options.LabelErrorConfidence != other.Options.LabelErrorConfidence
            || Options.LabelErrorMinimumRank != other.Options.LabelErrorMinimumRank)
        {
            throw new ArgumentException("Only aggregators with the same task names, top-k, worst-example count and label-error thresholds can be merged.", nameof(other));
        }
    }

    /// <summary>Computes the report from the current state, closing open examples on a copy (the aggregator can keep
    /// streaming and merging afterwards).</summary>
    public AggregateReport Report()
    {
        TaskState[] tasks = [.. _tasks.Select(t => t.Clone())];
        foreach (ExampleState example in _open.Values.OrderBy(e => e.Task).ThenBy(e => e.ExampleId))
        {
            tasks[example.Task].AddExample(example, Options.TaskNames[example.Task], Options.WorstExamples);
        }

        return MetricsCalculator.Report(tasks, Options);
    }

    /// <summary>The full mergeable state as JSON (System.Text.Json source generation; exact sums as integer limbs).</summary>
    public string ToJson() => AggregatorJson.Serialize(CaptureState());

    /// <summary>Restores an aggregator from <see cref="ToJson"/>'s output. The result merges and reports exactly like
    /// the original.</summary>
    /// <exception cref="FormatException">The JSON is not an aggregator state of this version, or its counts, lists or
    /// open examples are inconsistent (the message names the task and field).</exception>
    public static LossAggregator FromJson(string json)
    {
        AggregatorStateDocument state = AggregatorJson.Deserialize(json);
        LossAggregator aggregator;
        try
        {
            aggregator = new LossAggregator(state.Options.ToOptions()) { NextPosition = state.NextPosition };
        }
        catch (ArgumentException error)
        {
            throw new FormatException($"The state's options are invalid: {error.Message}", error);
        }

        if (state.Tasks.Count != aggregator._tasks.Length)
        {
            throw new FormatException($"The state has {state.Tasks.Count} task states for {aggregator._tasks.Length} task names.");
        }

        for (int task = 0; task < aggregator._tasks.Length; task++)
        {
            string name = aggregator.Options.TaskNames[task];
            aggregator._tasks[task] = state.Tasks[task] ?? throw new FormatException($"Task '{name}' has no state.");
            aggregator._tasks[task].Validate($"task '{name}'");
        }

        foreach (ExampleState example in state.OpenExamples)
        {
            if (example is null)
            {
                throw new FormatException("An open example is null.");
            }

            example.Validate(aggregator._tasks.Length);
            if (!aggregator._open.TryAdd(example.Key, example))
            {
                throw new FormatException($"Open example {example.ExampleId} of task {example.Task} appears twice.");
            }
        }

        if (state.NextPosition < aggregator.Options.FirstPosition)
        {
            throw new FormatException($"The next position {state.NextPosition} is before the first position {aggregator.Options.FirstPosition}.");
        }

        aggregator._lastExampleId = state.LastExampleId;
        // States written before max_example_id was stored: the last id of an ordered stream is its largest, and in
        // unordered mode every example is still open.
        aggregator._maxExampleId = state.MaxExampleId
            ?? state.OpenExamples.Select(e => (long?)e.ExampleId).Append(state.LastExampleId).Max();
        return aggregator;
    }

    private AggregatorStateDocument CaptureState() => new()
    {
        Schema = AggregatorJson.Schema,
        Version = AggregatorJson.CurrentVersion,
        Options = OptionsDocument.From(Options),
        NextPosition = NextPosition,
        LastExampleId = _lastExampleId,
        MaxExampleId = _maxExampleId,
        Tasks = [.. _tasks],
        OpenExamples = [.. _open.Values.OrderBy(e => e.Task).ThenBy(e => e.ExampleId)],
    };
}
