using LossEngine.Aggregation;

namespace LossEngine.MultipleChoice;

/// <summary>
/// Streams multiple-choice questions into lm-evaluation-harness's metrics per task and overall: <c>acc</c>,
/// <c>acc_norm</c> (by characters), <c>acc_bytes</c>, <c>acc_mutual_info</c>, <c>brier_score</c> and the mean gold
/// probability, with standard errors, the worst questions and possible label errors. Memory is O(tasks + k);
/// aggregators of different shards merge exactly (sums are exact, so the order of questions and merges does not change a
/// bit of the report).
/// </summary>
/// <remarks>Not thread-safe: use one aggregator per thread or shard and <see cref="Merge"/> them.</remarks>
public sealed class MultipleChoiceAggregator
{
    private readonly MultipleChoiceTaskState[] _tasks;

    /// <summary>Creates an empty aggregator.</summary>
    /// <param name="taskNames">The task names, indexed by task id.</param>
    /// <param name="keep">How many worst questions and possible label errors each task keeps.</param>
    /// <param name="labelErrorConfidence">A wrong answer is a possible label error when the model gives its choice at
    /// least this probability (softmax over the choices' log-likelihoods).</param>
    /// <exception cref="ArgumentException">No task names, or a null name.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="keep"/> is negative or the confidence is not in [0, 1].</exception>
    public MultipleChoiceAggregator(IReadOnlyList<string> taskNames, int keep = 10, double labelErrorConfidence = 0.9)
    {
        ArgumentNullException.ThrowIfNull(taskNames);
        if (taskNames.Count == 0 || taskNames.Any(n => n is null))
        {
            throw new ArgumentException("At least one task name is needed, and none may be null.", nameof(taskNames));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(keep);
        if (!(labelErrorConfidence >= 0 && labelErrorConfidence <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(labelErrorConfidence), labelErrorConfidence, "A confidence threshold is a probability in [0, 1].");
        }

        TaskNames = [.. taskNames];
        Keep = keep;
        LabelErrorConfidence = labelErrorConfidence;
        _tasks = [.. taskNames.Select(_ => new MultipleChoiceTaskState())];
    }

    /// <summary>The task names, indexed by task id.</summary>
    public IReadOnlyList<string> TaskNames { get; }

    /// <summary>How many worst questions and label errors each task keeps.</summary>
    public int Keep { get; }

    /// <summary>The label-error confidence threshold.</summary>
    public double LabelErrorConfidence { get; }

    /// <summary>Questions added so far.</summary>
    public long Questions => _tasks.Sum(t => t.Questions);

    /// <summary>Scores a question (<see cref="MultipleChoiceQuestion.Score"/>) and adds it to a task.</summary>
    /// <returns>The question's outcome.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The task id is out of range.</exception>
    /// <exception cref="ArgumentException">The question is malformed; nothing is added.</exception>
    public MultipleChoiceOutcome Add(int task, MultipleChoiceQuestion question)
    {
        ArgumentNullException.ThrowIfNull(question);
        if ((uint)task >= (uint)_tasks.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(task), task, $"Question {question.QuestionId} has task id {task}, outside [0, {_tasks.Length}).");
        }

        MultipleChoiceOutcome outcome = question.Score();
        _tasks[task].Add(outcome, Keep, LabelErrorConfidence);
        return outcome;
    }

    /// <summary>Adds another aggregator's questions: the same tasks, list size and threshold. Commutative and
    /// associative.</summary>
    /// <exception cref="ArgumentException">The settings differ, or <paramref name="other"/> is this aggregator.</exception>
    public void Merge(MultipleChoiceAggregator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (ReferenceEquals(other, this))
        {
            throw new ArgumentException("An aggregator cannot be merged with itself: every question would count twice.", nameof(other));
        }

        if (!other.TaskNames.SequenceEqual(TaskNames, StringComparer.Ordinal) || other.Keep != Keep || other.LabelErrorConfidence != LabelErrorConfidence)
        {
            throw new ArgumentException("Only multiple-choice aggregators with the same tasks, list size and label-error threshold merge.", nameof(other));
        }

        for (int t = 0; t < _tasks.Length; t++)
        {
            _tasks[t].Merge(other._tasks[t], Keep);
        }
    }

    /// <summary>The metrics so far.</summary>
    public MultipleChoiceReport Report()
    {
        var overall = new MultipleChoiceTaskState();
        foreach (MultipleChoiceTaskState task in _tasks)
        {
            overall.Merge(task, 0);
        }

        long errors = overall.Questions - overall.Correct;
        List<MultipleChoiceMetrics> tasks = [.. _tasks.Select((s, t) => (s, t)).Where(x => x.s.Questions > 0).Select(x => Metrics(TaskNames[x.t], x.s, errors))];
        long questions = tasks.Sum(m => m.Questions);
        return new MultipleChoiceReport
        {
            Overall = Metrics("overall", overall, errors),
            Tasks = tasks,
            MacroAccuracy = tasks.Count == 0 ? double.NaN : tasks.Average(m => m.Accuracy),
            MacroBrierScore = tasks.Count == 0 ? double.NaN : tasks.Average(m => m.BrierScore),
            LmEvalGroupAccuracy = tasks.Sum(m => m.Questions * m.Accuracy) / questions,
            LmEvalGroupAccuracyStandardError = MetricsCalculator.PooledSampleStandardError([.. tasks.Select(m => (m.AccuracyStandardError, m.Questions))]),
        };
    }

    private static MultipleChoiceMetrics Metrics(string name, MultipleChoiceTaskState s, long allErrors)
    {
        double n = s.Questions;

        // lm-eval's mean_stderr of 0/1 values: sample standard deviation / √n = √(p(1−p)/(n−1)).
        (double Mean, double Error) Share(long correct, long scored) =>
            scored == s.Questions && scored > 0 ? ((double)correct / scored, Math.Sqrt((double)correct / scored * (1 - ((double)correct / scored)) / (scored - 1))) : (double.NaN, double.NaN);

        // The same formula over real values, from exact sums.
        (double Mean, double Error) Mean(ExactSum sum, ExactSum squares)
        {
            double total = sum.ToDouble(), mean = total / n;
            return (mean, Math.Sqrt(Math.Max(0, (squares.ToDouble() - (total * mean)) / (n - 1)) / n));
        }

        (double acc, double accError) = Share(s.Correct, s.Questions);
        (double norm, double normError) = Share(s.NormalizedCorrect, s.NormalizedScored);
        (double bytes, double bytesError) = Share(s.BytesCorrect, s.BytesScored);
        (double brier, double brierError) = Mean(s.Brier, s.BrierSquares);
        (double gold, double goldError) = Mean(s.GoldProbability, s.GoldProbabilitySquares);
        return new MultipleChoiceMetrics
        {
            Task = name,
            Questions = s.Questions,
            MeanChoices = s.Choices / n,
            Accuracy = acc,
            AccuracyStandardError = accError,
            NormalizedAccuracy = norm,
            NormalizedAccuracyStandardError = normError,
            ByteAccuracy = bytes,
            ByteAccuracyStandardError = bytesError,
            MutualInfoAccuracy = Share(s.MutualInfoCorrect, s.MutualInfoScored).Mean,
            BrierScore = brier,
            BrierScoreStandardError = brierError,
            GoldProbability = gold,
            GoldProbabilityStandardError = goldError,
            ShareOfErrors = allErrors > 0 ? (s.Questions - s.Correct) / (double)allErrors : 0,
            WorstQuestions = [.. s.Worst],
            PossibleLabelErrors = [.. s.LabelErrors],
        };
    }
}
