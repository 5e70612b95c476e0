using System.Text.Json;

namespace LossEngine.Aggregation;

/// <summary>
/// Streams per-token comparisons of a candidate model against a reference (<see cref="ComparisonStatistics"/>) into
/// llama.cpp's KL-divergence statistics, overall and per task, and merges exactly: an aggregator built from shards and
/// merged in any order reports the same numbers, to the last bit, as one built in a single pass.
/// </summary>
/// <remarks>
/// <para>Means, errors, RMS, correlations, maxima and minima come from exact sums. Percentiles are exact while a task has
/// at most <see cref="ExactPercentileLimit"/> tokens (every per-token KL and Δp is kept as a float, 8 bytes per token);
/// past that the values move into mergeable quantile sketches with a relative error of 0.5% (DDSketch's log-spaced
/// buckets). Exact percentiles interpolate linearly between closest ranks at position p·(n−1).</para>
/// <para>Not thread-safe: use one aggregator per thread or shard and <see cref="Merge"/> them.</para>
/// </remarks>
public sealed class ComparisonAggregator
{
    /// <summary>Tokens per task (and overall) up to which percentiles are exact: 10 million, 80 MB of kept values.</summary>
    public const int DefaultExactPercentileLimit = 10_000_000;

    /// <summary>The schema name of the serialised state.</summary>
    public const string StateSchema = "lossengine.compare-state/1";

    private const int StateVersion = 2;

    private readonly ComparisonTaskState _overall = new();
    private readonly ComparisonTaskState[] _tasks;

    /// <summary>Creates an empty aggregator.</summary>
    /// <param name="taskNames">The task names, indexed by task id.</param>
    /// <param name="exactPercentileLimit">Tokens per task up to which percentiles are exact.</param>
    /// <exception cref="ArgumentException">No task names, or a null name.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The limit is negative.</exception>
    public ComparisonAggregator(IReadOnlyList<string> taskNames, int exactPercentileLimit = DefaultExactPercentileLimit)
    {
        ArgumentNullException.ThrowIfNull(taskNames);
        if (taskNames.Count == 0 || taskNames.Any(n => n is null))
        {
            throw new ArgumentException("At least one task name is needed, and none may be null.", nameof(taskNames));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(exactPercentileLimit);
        TaskNames = [.. taskNames];
        ExactPercentileLimit = exactPercentileLimit;
        _tasks = [.. taskNames.Select(_ => new ComparisonTaskState())];
    }

    /// <summary>The KL percentile levels, as llama.cpp prints them: 99.9, 99, 95, 90, 50 (the median), 10, 5, 1 and 0.1%.</summary>
    public static IReadOnlyList<double> PercentileLevels { get; } = [0.999, 0.99, 0.95, 0.90, 0.50, 0.10, 0.05, 0.01, 0.001];

    /// <summary>The Δp percentile levels, as llama.cpp prints them: the KL levels and also 75 and 25%.</summary>
    public static IReadOnlyList<double> DeltaPPercentileLevels { get; } = [0.999, 0.99, 0.95, 0.90, 0.75, 0.50, 0.25, 0.10, 0.05, 0.01, 0.001];

    /// <summary>The task names, indexed by task id.</summary>
    public IReadOnlyList<string> TaskNames { get; }

    /// <summary>Tokens per task up to which percentiles are exact.</summary>
    public int ExactPercentileLimit { get; }

    /// <summary>Tokens counted so far, over all tasks.</summary>
    public long Tokens => _overall.Tokens;

    /// <summary>Tokens left out because their KL or a loss was NaN.</summary>
    public long NaNTokens { get; private set; }

    /// <summary>Adds a batch of compared tokens.</summary>
    /// <param name="tokens">Per-token comparisons from <see cref="Logits.Compare{T}(CommunityToolkit.HighPerformance.ReadOnlySpan2D{T}, CommunityToolkit.HighPerformance.ReadOnlySpan2D{T}, ReadOnlySpan{long}, Span{ComparisonStatistics}, ScoringOptions?)"/>.</param>
    /// <param name="taskIds">Each token's task id; −1 leaves the token out (an ignored target).</param>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A task id is outside [−1, number of tasks); nothing is added.</exception>
    public void Add(ReadOnlySpan<ComparisonStatistics> tokens, ReadOnlySpan<int> taskIds)
    {
        if (taskIds.Length != tokens.Length)
        {
            throw new ArgumentException($"One task id per token is needed: {tokens.Length} tokens, {taskIds.Length} task ids.", nameof(taskIds));
        }

        for (int i = 0; i < taskIds.Length; i++)
        {
            if (taskIds[i] < -1 || taskIds[i] >= _tasks.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(taskIds), taskIds[i], $"Token {i} of the batch has task id {taskIds[i]}, outside [0, {_tasks.Length}) and not −1.");
            }
        }

        for (int i = 0; i < tokens.Length; i++)
        {
            ref readonly ComparisonStatistics c = ref tokens[i];
            if (taskIds[i] < 0)
            {
                continue;
            }

            if (float.IsNaN(c.KlDivergence) || float.IsNaN(c.ReferenceLoss) || float.IsNaN(c.CandidateLoss))
            {
                NaNTokens++;
                continue;
            }

            _overall.Add(c, ExactPercentileLimit);
            _tasks[taskIds[i]].Add(c, ExactPercentileLimit);
        }
    }

    /// <summary>Adds another aggregator's tokens: the same tasks in the same order, and the same exact limit.
    /// Commutative and associative to the last bit.</summary>
    /// <exception cref="ArgumentException">The task names or limits differ, or <paramref name="other"/> is this
    /// aggregator (its tokens would count twice).</exception>
    public void Merge(ComparisonAggregator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (ReferenceEquals(other, this))
        {
            throw new ArgumentException("An aggregator cannot be merged with itself: every token would count twice.", nameof(other));
        }

        if (!other.TaskNames.SequenceEqual(TaskNames, StringComparer.Ordinal) || other.ExactPercentileLimit != ExactPercentileLimit)
        {
            throw new ArgumentException($"Only comparisons of the same tasks and exact limit merge: [{string.Join(", ", TaskNames)}] (limit {ExactPercentileLimit}) and [{string.Join(", ", other.TaskNames)}] (limit {other.ExactPercentileLimit}).", nameof(other));
        }

        try
        {
            // Check every count first, so that a refused merge leaves this aggregator as it was.
            foreach ((ComparisonTaskState mine, ComparisonTaskState theirs) in _tasks.Zip(other._tasks).Append((_overall, other._overall)))
            {
                _ = checked(mine.Tokens + theirs.Tokens);
                _ = checked(mine.SameTop + theirs.SameTop);
            }

            _ = checked(NaNTokens + other.NaNTokens);
        }
        catch (OverflowException error)
        {
            throw new ArgumentException("Merging would overflow a count past 2^63: the states cannot be of real data.", nameof(other), error);
        }

        _overall.Merge(other._overall, ExactPercentileLimit);
        for (int t = 0; t < _tasks.Length; t++)
        {
            _tasks[t].Merge(other._tasks[t], ExactPercentileLimit);
        }

        NaNTokens = checked(NaNTokens + other.NaNTokens);
    }

    /// <summary>Adds the tokens of the next shard in order. Comparison statistics do not depend on positions, so this is
    /// <see cref="Merge"/>; it exists so that shards are joined the same way as <see cref="LossAggregator.Append"/>.</summary>
    /// <inheritdoc cref="Merge" path="/exception"/>
    public void Append(ComparisonAggregator next) => Merge(next);

    /// <summary>The statistics so far.</summary>
    public ComparisonReport Report()
    {
        var summaries = new List<ComparisonSummary> { Summarize("overall", _overall) };
        for (int t = 0; t < _tasks.Length; t++)
        {
            if (_tasks[t].Tokens > 0)
            {
                summaries.Add(Summarize(TaskNames[t], _tasks[t]));
            }
        }

        return new ComparisonReport(summaries, NaNTokens);
    }

    private static ComparisonSummary Summarize(string task, ComparisonTaskState s)
    {
        long count = s.Tokens;
        double n = count;

        // llama.cpp's mean_and_uncertainty: the mean and √(population variance / (n−1)), or 0 when n ≤ 10 or the variance
        // is not positive. The variance is centred on the exact sums rather than taken as mean x² − (mean x)².
        (double Mean, double Error) MeanAndError(ExactSum sum, ExactSum squares)
        {
            double total = sum.ToDouble(), mean = total / n;
            double variance = (squares.ToDouble() - (total * mean)) / n;
            return (mean, variance > 0 && count > 10 ? Math.Sqrt(variance / (n - 1)) : 0);
        }

        (double candidateLog, double candidateError) = MeanAndError(s.CandidateLoss, s.CandidateLossSquares);
        (double referenceLog, double referenceError) = MeanAndError(s.ReferenceLoss, s.ReferenceLossSquares);

        // llama.cpp's covariance of the mean losses: (mean ab − mean a · mean b) / (n−1), and 0 below 10 tokens.
        double covariance = count < 10 ? 0 : (s.LossProducts.ToDouble() - (s.CandidateLoss.ToDouble() * referenceLog)) / n / (n - 1);
        (double logRatio, double logRatioError) = MeanAndError(s.LossDifference, s.LossDifferenceSquares);
        double candidatePpl = Math.Exp(candidateLog), referencePpl = Math.Exp(referenceLog);
        double candidatePplError = candidatePpl * candidateError, referencePplError = referencePpl * referenceError;
        double difference = candidatePpl - referencePpl;
        double differenceError = Math.Sqrt((candidatePplError * candidatePplError) + (referencePplError * referencePplError) - (2 * candidatePpl * referencePpl * covariance));

        (double[] klPercentiles, double[] dpPercentiles) = s.Percentiles(PercentileLevels, DeltaPPercentileLevels);
        (double meanKl, double meanKlError) = MeanAndError(s.Kl, s.KlSquares);
        (double meanDp, double meanDpError) = MeanAndError(s.DeltaP, s.DeltaPSquares);
        (double meanSquareDp, double meanSquareDpError) = MeanAndError(s.DeltaPSquares, s.DeltaPFourthPowers);
        double rms = Math.Sqrt(meanSquareDp);
        double same = s.SameTop / n;
        return new ComparisonSummary(task, count, s.KlValues is not null,
            candidatePpl, candidatePplError, referencePpl, referencePplError, covariance / (candidateError * referenceError),
            logRatio, logRatioError, Math.Exp(logRatio), Math.Exp(logRatio) * logRatioError, difference, differenceError,
            meanKl, meanKlError, s.MaxKl, klPercentiles, s.MinKl,
            meanDp, meanDpError, s.MaxDeltaP, dpPercentiles, s.MinDeltaP,
            rms, 0.5 / rms * meanSquareDpError, same, Math.Sqrt(same * (1 - same) / (n - 1)));
    }

    /// <summary>Linear interpolation between closest ranks on sorted values: position p·(n−1); NaN for no values.</summary>
    internal static double Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        double position = p * (sorted.Length - 1);
        int low = (int)Math.Floor(position);
        int high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + ((position - low) * (sorted[high] - sorted[low]));
    }

    /// <summary>The mergeable state as JSON (schema <see cref="StateSchema"/>): task names, the exact limit, exact sums,
    /// and the kept values (base64 float32) or sketches.</summary>
    public string ToJson()
    {
        var document = new ComparisonStateDocument
        {
            Version = StateVersion,
            TaskNames = [.. TaskNames],
            ExactPercentileLimit = ExactPercentileLimit,
            NaNTokens = NaNTokens,
            Overall = ComparisonTaskDocument.From(_overall),
            Tasks = [.. _tasks.Select(ComparisonTaskDocument.From)],
        };
        return JsonSerializer.Serialize(document, ComparisonJsonContext.Default.ComparisonStateDocument);
    }

    /// <summary>An aggregator from a state written by <see cref="ToJson"/>.</summary>
    /// <exception cref="FormatException">The text is not such a state: wrong schema or version, inconsistent counts,
    /// or a field missing; the message says which.</exception>
    public static ComparisonAggregator FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        ComparisonStateDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(json, ComparisonJsonContext.Default.ComparisonStateDocument);
        }
        catch (JsonException error)
        {
            throw new FormatException($"Not a LossEngine comparison state: {error.Message}", error);
        }

        if (document is { Version: 1 } && document.Schema == StateSchema)
        {
            throw new FormatException("This comparison state is of version 1, which lacks the sum of Δp⁴ that the error of RMS Δp needs; run compare again to write a version 2 state.");
        }

        if (document is null || document.Schema != StateSchema || document.Version != StateVersion)
        {
            throw new FormatException($"Not a LossEngine comparison state of version {StateVersion} (schema '{document?.Schema}', version {document?.Version}).");
        }

        if (document.TaskNames is null || document.TaskNames.Count == 0 || document.TaskNames.Any(n => n is null) || document.Tasks is null || document.Tasks.Count != document.TaskNames.Count || document.Overall is null || document.NaNTokens < 0)
        {
            throw new FormatException("A comparison state needs task names, one task state per name, an overall state and a non-negative NaN count.");
        }

        if (document.ExactPercentileLimit < 0)
        {
            throw new FormatException($"The exact percentile limit is {document.ExactPercentileLimit}; it cannot be negative.");
        }

        var aggregator = new ComparisonAggregator(document.TaskNames, document.ExactPercentileLimit) { NaNTokens = document.NaNTokens };
        CopyState(document.Overall.ToState("overall"), aggregator._overall);
        for (int t = 0; t < aggregator._tasks.Length; t++)
        {
            CopyState(document.Tasks[t]?.ToState($"task '{document.TaskNames[t]}'") ?? throw new FormatException($"Task '{document.TaskNames[t]}' has no state."), aggregator._tasks[t]);
        }

        if (aggregator._tasks.Sum(t => t.Tokens) != aggregator._overall.Tokens)
        {
            throw new FormatException($"The tasks' token counts add up to {aggregator._tasks.Sum(t => t.Tokens)}, not the overall {aggregator._overall.Tokens}.");
        }

        return aggregator;
    }

    private static void CopyState(ComparisonTaskState from, ComparisonTaskState to)
    {
        to.Tokens = 0;
        to.Merge(from, int.MaxValue);
    }
}
