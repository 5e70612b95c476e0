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

    /// <summary>Tokens with a loss but a NaN entropy (a row with +∞ logits): left out of the mean entropy.</summary>
    public long NaNEntropies { get; set; }

    /// <summary>Tokens whose top-1 probability is undefined (a row with +∞ logits): left out of the calibration bins.</summary>
    public long Uncalibrated { get; set; }

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
        if (float.IsNaN(token.Entropy))
        {
            NaNEntropies++;
        }
        else
        {
            Entropy.Add(token.Entropy);
        }

        ReciprocalRank.Add(1.0 / (token.TargetRank + 1.0));
        bool correct = token.TargetRank == 0;
        Correct += correct ? 1 : 0;
        TopKCorrect += token.TargetRank < topK ? 1 : 0;

        double confidence = Confidence(token);
        if (double.IsNaN(confidence))
        {
            Uncalibrated++;
        }
        else
        {
            int bin = Math.Clamp((int)(confidence * CalibrationBins), 0, CalibrationBins - 1);
            BinCount[bin]++;
            BinCorrect[bin] += correct ? 1 : 0;
            BinConfidence[bin].Add(confidence);
        }

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

    /// <summary>Adds every count of <paramref name="other"/> to this one's, in checked arithmetic, without storing the
    /// sums: the check a merge makes before it changes anything.</summary>
    /// <exception cref="OverflowException">A sum would pass 2^63.</exception>
    public void CheckCountsAdd(TaskState other)
    {
        long[] mine = [Tokens, NaNLosses, NaNEntropies, Uncalibrated, Correct, TopKCorrect, TokensWithBytes, Bytes, Examples, ExactMatches, .. BinCount, .. BinCorrect];
        long[] theirs = [other.Tokens, other.NaNLosses, other.NaNEntropies, other.Uncalibrated, other.Correct, other.TopKCorrect, other.TokensWithBytes, other.Bytes,
            other.Examples, other.ExactMatches, .. other.BinCount, .. other.BinCorrect];
        for (int i = 0; i < mine.Length; i++)
        {
            _ = checked(mine[i] + theirs[i]);
        }
    }

    public void Merge(TaskState other, int keep)
    {
        // Counts of real data cannot reach 2^63; a sum that would is a tampered or corrupt state.
        checked
        {
            Tokens += other.Tokens;
            NaNLosses += other.NaNLosses;
            NaNEntropies += other.NaNEntropies;
            Uncalibrated += other.Uncalibrated;
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
    }

    /// <summary>Checks a state read from JSON: lists present and of the right length, counts non-negative and
    /// consistent with one another.</summary>
    /// <exception cref="FormatException">Something is wrong; the message names <paramref name="what"/> and the field.</exception>
    public void Validate(string what)
    {
        if (BinCount?.Length != CalibrationBins || BinCorrect?.Length != CalibrationBins || BinConfidence?.Length != CalibrationBins || BinConfidence.Any(b => b is null))
        {
            throw new FormatException($"{what}: the calibration bins must be {CalibrationBins} counts, correct counts and sums.");
        }

        if (WorstExamples is null || LabelErrors is null || WorstExamples.Any(w => w is null || w.Task is null) || LabelErrors.Any(e => e is null || e.Task is null))
        {
            throw new FormatException($"{what}: the worst-example and label-error lists must be present, with no null entries.");
        }

        if (Loss is null || Entropy is null || ReciprocalRank is null || ExampleLoss is null || ExampleLossSquared is null || ExampleLossTimesTokens is null
            || ExampleTokensSquared is null || ExampleCorrectSquared is null || ExampleCorrectTimesTokens is null)
        {
            throw new FormatException($"{what}: an exact sum is missing.");
        }

        (string Name, long Value)[] counts =
        [
            ("tokens", Tokens), ("nan_losses", NaNLosses), ("nan_entropies", NaNEntropies), ("uncalibrated", Uncalibrated), ("correct", Correct),
            ("top_k_correct", TopKCorrect), ("tokens_with_bytes", TokensWithBytes), ("bytes", Bytes), ("examples", Examples), ("exact_matches", ExactMatches),
        ];
        foreach ((string name, long value) in counts)
        {
            if (value < 0)
            {
                throw new FormatException($"{what}: {name} is {value}; counts cannot be negative.");
            }
        }

        if (Correct > Tokens || TopKCorrect > Tokens || TokensWithBytes > Tokens || NaNEntropies > Tokens || Uncalibrated > Tokens || ExactMatches > Examples)
        {
            throw new FormatException($"{what}: a part is larger than its whole (tokens {Tokens}, correct {Correct}, top-k {TopKCorrect}, with bytes {TokensWithBytes}, examples {Examples}, exact matches {ExactMatches}).");
        }

        if (BinCount.Any(c => c < 0) || BinCorrect.Zip(BinCount).Any(p => p.First < 0 || p.First > p.Second) || BinCount.Aggregate(Int128.Zero, (sum, count) => sum + count) != Tokens - Uncalibrated)
        {
            throw new FormatException($"{what}: the calibration bin counts are negative, have more correct than tokens, or do not add up to the {Tokens - Uncalibrated} calibrated tokens.");
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
