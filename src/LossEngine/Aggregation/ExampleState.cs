using System.Text.Json.Serialization;

namespace LossEngine.Aggregation;

/// <summary>An example still open: the current one, the first of a stream (it may continue a previous shard), or any
/// example when examples are unordered.</summary>
internal sealed class ExampleState
{
    public int Task { get; set; }

    public long ExampleId { get; set; }

    public long Tokens { get; set; }

    public long Correct { get; set; }

    public bool AllCorrect { get; set; } = true;

    public ExactSum Loss { get; set; } = new();

    public long FirstPosition { get; set; } = long.MaxValue;

    public long LastPosition { get; set; } = long.MinValue;

    public long WorstPosition { get; set; } = -1;

    public double WorstLoss { get; set; } = double.NegativeInfinity;

    public long WorstTarget { get; set; } = -1;

    public int WorstArgMax { get; set; } = -1;

    public double WorstArgMaxProbability { get; set; } = double.NaN;

    [JsonIgnore]
    public (int Task, long ExampleId) Key => (Task, ExampleId);

    /// <summary>Checks an open example read from JSON.</summary>
    /// <exception cref="FormatException">Its task is out of range, a count is negative, or its sum is missing.</exception>
    public void Validate(int taskCount)
    {
        if (Task < 0 || Task >= taskCount)
        {
            throw new FormatException($"Open example {ExampleId} has task {Task}, outside [0, {taskCount}).");
        }

        if (Tokens < 0 || Correct < 0 || Correct > Tokens || Loss is null || (Tokens > 0 && FirstPosition > LastPosition))
        {
            throw new FormatException($"Open example {ExampleId} of task {Task} has inconsistent counts or positions (tokens {Tokens}, correct {Correct}, positions {FirstPosition}–{LastPosition}).");
        }
    }

    public void AddToken(in TokenStatistics token, long position, long target)
    {
        FirstPosition = Math.Min(FirstPosition, position);
        LastPosition = Math.Max(LastPosition, position);
        if (float.IsNaN(token.Loss))
        {
            return;
        }

        Tokens++;
        Loss.Add(token.Loss);
        Correct += token.TargetRank == 0 ? 1 : 0;
        AllCorrect &= token.TargetRank == 0;
        if (token.Loss > WorstLoss || (token.Loss == WorstLoss && position < WorstPosition))
        {
            WorstLoss = token.Loss;
            WorstPosition = position;
            WorstTarget = target;
            WorstArgMax = token.ArgMax;
            WorstArgMaxProbability = TaskState.Confidence(token);
        }
    }

    /// <summary>Joins the part of the same example seen by another shard. Commutative and associative.</summary>
    public void Merge(ExampleState other)
    {
        Tokens += other.Tokens;
        Correct += other.Correct;
        AllCorrect &= other.AllCorrect;
        Loss.Add(other.Loss);
        FirstPosition = Math.Min(FirstPosition, other.FirstPosition);
        LastPosition = Math.Max(LastPosition, other.LastPosition);
        if (other.WorstLoss > WorstLoss || (other.WorstLoss == WorstLoss && other.WorstPosition < WorstPosition && other.WorstPosition >= 0))
        {
            (WorstLoss, WorstPosition, WorstTarget, WorstArgMax, WorstArgMaxProbability) =
                (other.WorstLoss, other.WorstPosition, other.WorstTarget, other.WorstArgMax, other.WorstArgMaxProbability);
        }
    }

    public ExampleState Clone()
    {
        var copy = new ExampleState { Task = Task, ExampleId = ExampleId, AllCorrect = true, WorstLoss = double.NegativeInfinity };
        copy.Merge(this);
        return copy;
    }

    /// <summary>Moves the example by whole positions and example ids; the sentinels of an example without tokens stay.</summary>
    public void Shift(long positions, long exampleIds)
    {
        ExampleId += exampleIds;
        if (Tokens > 0)
        {
            FirstPosition += positions;
            LastPosition += positions;
        }

        if (WorstPosition >= 0)
        {
            WorstPosition += positions;
        }
    }
}
