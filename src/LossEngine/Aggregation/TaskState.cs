using System.Text.Json.Serialization;

namespace LossEngine.Aggregation;

/// <summary>
/// Everything a task's metrics are computed from: counts, exact sums and the bounded worst lists. Adding tokens and
/// merging states only add exact quantities, so the state, and every number reported from it, is the same whatever the
/// order, sharding or thread count that produced it.
/// </summary>
internal sealed class TaskState
{
    public const int CalibrationBins = 15;

    public long Tokens { get; set; }

    public long NaNLosses { get; set; }

    public long Correct { get; set; }

    public long TopKCorrect { get; set; }

    public long TokensWithBytes { get; set; }

    public long Bytes { get; set; }

    public ExactSum Loss { get; set; } = new();

    public ExactSum Entropy { get; set; } = new();

    public ExactSum ReciprocalRank { get; set; } = new();

    public long[] BinCount { get; set; } = new long[CalibrationBins];

    public long[] BinCorrect { get; set; } = new long[CalibrationBins];

    public ExactSum[] BinConfidence { get; set; } = [.. Enumerable.Range(0, CalibrationBins).Select(_ => new ExactSum())];

    public long Examples { get; set; }

    public long ExactMatches { get; set; }

    /// <summary>Σ_e S_e, Σ_e S_e², Σ_e S_e·n_e, Σ_e n_e², Σ_e C_e², Σ_e C_e·n_e, with S_e an example's loss sum, n_e its
    /// token count and C_e its correct count: what the cluster-robust standard errors need.</summary>
    public ExactSum ExampleLoss { get; set; } = new();

    public ExactSum ExampleLossSquared { get; set; } = new();

    public ExactSum ExampleLossTimesTokens { get; set; } = new();

    public ExactSum ExampleTokensSquared { get; set; } = new();

    public ExactSum ExampleCorrectSquared { get; set; } = new();

    public ExactSum ExampleCorrectTimesTokens { get; set; } = new();

    public List<WorstExample> WorstExamples { get; set; } = [];

    public List<PossibleLabelError> LabelErrors { get; set; } = [];

    public void AddToken(in TokenStatistics token, int topK, int? byteLength)
    {
        Tokens++;
        Loss.Add(token.Loss);
        Entropy.Add(token.Entropy);
        ReciprocalRank.Add(1.0 / (token.TargetRank + 1.0));
        bool correct = token.TargetRank == 0;
        Correct += correct ? 1 : 0;
        TopKCorrect += token.TargetRank < topK ? 1 : 0;

        double confidence = Confidence(token);
        int bin = Math.Clamp((int)(confidence * CalibrationBins), 0, CalibrationBins - 1);
        BinCount[bin]++;
        BinCorrect[bin] += correct ? 1 : 0;
        BinConfidence[bin].Add(confidence);

        if (byteLength is int bytes)
        {
            TokensWithBytes++;
            Bytes += bytes;
        }
    }

    /// <summary>The model's top-1 probability, e^(max − LSE).</summary>
    public static double Confidence(in TokenStatistics token) => Math.Exp((double)token.MaxLogit - token.LogSumExp);

    public void AddExample(ExampleState example, string taskName, int keep)
    {
        if (example.Tokens == 0)
        {
            return;
        }

        Examples++;
        ExactMatches += example.AllCorrect ? 1 : 0;
        double loss = example.Loss.ToDouble();
        double tokens = example.Tokens;
        double correct = example.Correct;
        ExampleLoss.Add(loss);
        ExampleLossSquared.Add(loss * loss);
        ExampleLossTimesTokens.Add(loss * tokens);
        ExampleTokensSquared.Add(tokens * tokens);
        ExampleCorrectSquared.Add(correct * correct);
        ExampleCorrectTimesTokens.Add(correct * tokens);
        if (keep > 0)
        {
            var entry = new WorstExample(taskName, example.ExampleId, example.FirstPosition, example.LastPosition, example.Tokens, loss / tokens,
                example.WorstPosition, example.WorstLoss, example.WorstTarget, example.WorstArgMax, example.WorstArgMaxProbability);
            BoundedList.Insert(WorstExamples, entry, keep, WorstExampleOrder.Instance);
        }
    }

    public void Merge(TaskState other, int keep)
    {
        Tokens += other.Tokens;
        NaNLosses += other.NaNLosses;
        Correct += other.Correct;
        TopKCorrect += other.TopKCorrect;
        TokensWithBytes += other.TokensWithBytes;
        Bytes += other.Bytes;
        Loss.Add(other.Loss);
        Entropy.Add(other.Entropy);
        ReciprocalRank.Add(other.ReciprocalRank);
        for (int bin = 0; bin < CalibrationBins; bin++)
        {
            BinCount[bin] += other.BinCount[bin];
            BinCorrect[bin] += other.BinCorrect[bin];
            BinConfidence[bin].Add(other.BinConfidence[bin]);
        }

        Examples += other.Examples;
        ExactMatches += other.ExactMatches;
        ExampleLoss.Add(other.ExampleLoss);
        ExampleLossSquared.Add(other.ExampleLossSquared);
        ExampleLossTimesTokens.Add(other.ExampleLossTimesTokens);
        ExampleTokensSquared.Add(other.ExampleTokensSquared);
        ExampleCorrectSquared.Add(other.ExampleCorrectSquared);
        ExampleCorrectTimesTokens.Add(other.ExampleCorrectTimesTokens);
        foreach (WorstExample entry in other.WorstExamples)
        {
            BoundedList.Insert(WorstExamples, entry, keep, WorstExampleOrder.Instance);
        }

        foreach (PossibleLabelError entry in other.LabelErrors)
        {
            BoundedList.Insert(LabelErrors, entry, keep, LabelErrorOrder.Instance);
        }
    }

    public TaskState Clone()
    {
        var copy = new TaskState();
        copy.Merge(this, int.MaxValue);
        return copy;
    }

    /// <summary>Moves the listed examples and tokens by whole positions and example ids (see
    /// <see cref="LossAggregator.Append"/>); sums and counts do not depend on either.</summary>
    public void Shift(long positions, long exampleIds)
    {
        WorstExamples = [.. WorstExamples.Select(w => w with
        {
            ExampleId = w.ExampleId + exampleIds,
            FirstPosition = w.FirstPosition + positions,
            LastPosition = w.LastPosition + positions,
            WorstPosition = w.WorstPosition >= 0 ? w.WorstPosition + positions : w.WorstPosition,
        })];
        LabelErrors = [.. LabelErrors.Select(e => e with { ExampleId = e.ExampleId + exampleIds, Position = e.Position + positions })];
    }
}

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

    public int WorstTarget { get; set; } = -1;

    public int WorstArgMax { get; set; } = -1;

    public double WorstArgMaxProbability { get; set; } = double.NaN;

    [JsonIgnore]
    public (int Task, long ExampleId) Key => (Task, ExampleId);

    public void AddToken(in TokenStatistics token, long position, int target)
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

/// <summary>Keeps the first k of a list under a total order (ties fully broken, so the result is deterministic).</summary>
internal static class BoundedList
{
    public static void Insert<TEntry>(List<TEntry> list, TEntry entry, int keep, IComparer<TEntry> order)
    {
        if (keep <= 0)
        {
            return;
        }

        int index = list.BinarySearch(entry, order);
        if (index >= 0)
        {
            return; // the same entry (a merge of a state with itself is not meaningful, but must not duplicate)
        }

        index = ~index;
        if (index >= keep)
        {
            return;
        }

        list.Insert(index, entry);
        if (list.Count > keep)
        {
            list.RemoveAt(list.Count - 1);
        }
    }
}

/// <summary>Highest mean loss first; then lower example id, then earlier position.</summary>
internal sealed class WorstExampleOrder : IComparer<WorstExample>
{
    public static readonly WorstExampleOrder Instance = new();

    public int Compare(WorstExample? x, WorstExample? y)
    {
        int byLoss = y!.MeanLoss.CompareTo(x!.MeanLoss);
        if (byLoss != 0)
        {
            return byLoss;
        }

        int byId = x.ExampleId.CompareTo(y.ExampleId);
        return byId != 0 ? byId : x.FirstPosition.CompareTo(y.FirstPosition);
    }
}

/// <summary>Highest loss first; then earlier position.</summary>
internal sealed class LabelErrorOrder : IComparer<PossibleLabelError>
{
    public static readonly LabelErrorOrder Instance = new();

    public int Compare(PossibleLabelError? x, PossibleLabelError? y)
    {
        int byLoss = y!.Loss.CompareTo(x!.Loss);
        return byLoss != 0 ? byLoss : x.Position.CompareTo(y.Position);
    }
}
