using System.Numerics;

namespace LossEngine.Aggregation;

/// <summary>Turns task states into metrics. Pure arithmetic on exact sums rounded once, so it is deterministic.</summary>
internal static class MetricsCalculator
{
    private const double Z95 = 1.959963984540054;

    public static AggregateReport Report(TaskState[] tasks, AggregatorOptions options)
    {
        var overallState = new TaskState();
        foreach (TaskState task in tasks)
        {
            overallState.Merge(task, options.WorstExamples);
        }

        var present = Enumerable.Range(0, tasks.Length).Where(t => tasks[t].Tokens > 0).ToArray();
        double totalTokens = overallState.Tokens;
        double weightTotal = options.TaskWeights is null ? 0 : present.Sum(t => options.TaskWeights[t]);
        double[] weights = new double[tasks.Length];
        double[] losses = new double[tasks.Length];
        foreach (int t in present)
        {
            weights[t] = options.TaskWeights is null ? tasks[t].Tokens / totalTokens : options.TaskWeights[t] / weightTotal;
            losses[t] = tasks[t].Loss.ToDouble() / tasks[t].Tokens;
        }

        double weighted = present.Sum(t => weights[t] * losses[t]);
        var metrics = present
            .Select(t => Compute(tasks[t], options.TaskNames[t]) with
            {
                Weight = weights[t],
                Contribution = weights[t] * losses[t],
                ShareOfLoss = weights[t] * losses[t] / weighted,
            })
            .ToArray();

        double examples = present.Sum(t => (double)tasks[t].Examples);
        return new AggregateReport
        {
            Overall = Compute(overallState, "overall") with { Weight = 1, Contribution = weighted, ShareOfLoss = 1 },
            Tasks = metrics,
            MacroLoss = present.Length == 0 ? double.NaN : present.Average(t => losses[t]),
            WeightedLoss = present.Length == 0 ? double.NaN : weighted,
            LmEvalGroupLoss = metrics.Sum(m => m.Examples * m.Loss) / examples,
            LmEvalGroupAccuracy = metrics.Sum(m => m.Examples * m.Accuracy) / examples,
            LmEvalGroupLossStandardError = PooledSampleStandardError([.. metrics.Select(m => (m.LossStandardError, m.Examples))]),
            LmEvalGroupAccuracyStandardError = PooledSampleStandardError([.. metrics.Select(m => (m.AccuracyStandardError, m.Examples))]),
            TopK = options.TopK,
        };
    }

    public static TaskMetrics Compute(TaskState state, string name)
    {
        double n = state.Tokens;
        double g = state.Examples;
        double lossSum = state.Loss.ToDouble();
        double loss = lossSum / n;
        double accuracy = state.Correct / n;
        double lossError = ClusterStandardError(state.ExampleLoss, state.ExampleLossSquared, state.ExampleLossTimesTokens, state.ExampleTokensSquared, state.Tokens, g);
        var correct = new ExactSum();
        correct.Add(state.Correct);
        double accuracyError = ClusterStandardError(correct, state.ExampleCorrectSquared, state.ExampleCorrectTimesTokens, state.ExampleTokensSquared, state.Tokens, g);

        double exactMatch = state.ExactMatches / g;
        double meanExampleLoss = state.ExampleLoss.ToDouble() / g;
        double exampleLossVariance = (state.ExampleLossSquared.ToDouble() - (g * meanExampleLoss * meanExampleLoss)) / (g - 1);

        double calibrationGap = 0;
        for (int bin = 0; bin < TaskState.CalibrationBins; bin++)
        {
            calibrationGap += Math.Abs(state.BinCorrect[bin] - state.BinConfidence[bin].ToDouble());
        }

        return new TaskMetrics
        {
            Task = name,
            Tokens = state.Tokens,
            Examples = state.Examples,
            NaNLosses = state.NaNLosses,
            Loss = loss,
            LossStandardError = lossError,
            Perplexity = Math.Exp(loss),
            PerplexityLow = Math.Exp(loss - (Z95 * lossError)),
            PerplexityHigh = Math.Exp(loss + (Z95 * lossError)),
            TargetProbability = Math.Exp(-loss),
            BitsPerToken = loss / Math.Log(2),
            BitsPerByte = state.TokensWithBytes == state.Tokens && state.Bytes > 0 ? lossSum / (Math.Log(2) * state.Bytes) : double.NaN,
            Accuracy = accuracy,
            AccuracyStandardError = accuracyError,
            TopKAccuracy = state.TopKCorrect / n,
            MeanReciprocalRank = state.ReciprocalRank.ToDouble() / n,
            ExactMatch = exactMatch,
            ExactMatchStandardError = g > 1 ? Math.Sqrt(exactMatch * (1 - exactMatch) / (g - 1)) : double.NaN,
            MeanExampleLogLikelihood = -meanExampleLoss,
            MeanExampleLogLikelihoodStandardError = g > 1 ? Math.Sqrt(Math.Max(exampleLossVariance, 0) / g) : double.NaN,
            MeanEntropy = state.Tokens > state.NaNEntropies ? state.Entropy.ToDouble() / (state.Tokens - state.NaNEntropies) : double.NaN,
            ExpectedCalibrationError = state.Tokens > state.Uncalibrated ? calibrationGap / (state.Tokens - state.Uncalibrated) : double.NaN,
            Calibration = [.. Enumerable.Range(0, TaskState.CalibrationBins).Select(bin => new CalibrationBin(
                (double)bin / TaskState.CalibrationBins, (bin + 1.0) / TaskState.CalibrationBins, state.BinCount[bin], state.BinCorrect[bin],
                state.BinCount[bin] > 0 ? state.BinConfidence[bin].ToDouble() / state.BinCount[bin] : double.NaN))],
            WorstExamples = [.. state.WorstExamples],
            PossibleLabelErrors = [.. state.LabelErrors],
        };
    }

    /// <summary>lm-evaluation-harness's <c>pooled_sample_stderr</c>: √(Σ (n−1)·s²·n / (Σn − k) / Σn) over k subtasks of
    /// sizes n and standard errors s. Tasks whose standard error is undefined (one example) add nothing, as their
    /// n − 1 = 0 factor makes them add nothing in lm-eval.</summary>
    internal static double PooledSampleStandardError(IReadOnlyList<(double StandardError, long Size)> tasks)
    {
        double sizes = tasks.Sum(t => (double)t.Size);
        double pooled = tasks.Where(t => t.Size > 1).Sum(t => (t.Size - 1) * t.StandardError * t.StandardError * t.Size);
        double degrees = sizes - tasks.Count;
        return degrees > 0 ? Math.Sqrt(pooled / degrees / sizes) : double.NaN;
    }

    /// <summary>√(G/(G−1) · Σ_e (S_e − n_e·μ)²) / N with μ = ΣS/N.</summary>
    /// <remarks>Expanded as (N²·ΣS² − 2N·ΣS·ΣSn + (ΣS)²·Σn²) / N² so that it streams, and evaluated exactly in integers
    /// from the exact sums: the expansion cancels catastrophically in floating point when the residuals are small.</remarks>
    private static double ClusterStandardError(ExactSum sums, ExactSum squares, ExactSum timesTokens, ExactSum tokensSquared, long tokens, double examples)
    {
        if (examples < 2 || sums.HasSpecialValues || squares.HasSpecialValues || timesTokens.HasSpecialValues)
        {
            return examples < 2 ? double.NaN : double.PositiveInfinity;
        }

        // Each exact sum is an integer times 2^−1074; bring the three terms to the common scale 2^−3222.
        BigInteger n = tokens;
        BigInteger first = n * n * squares.ToScaledInteger() << 2148;
        BigInteger second = 2 * n * sums.ToScaledInteger() * timesTokens.ToScaledInteger() << 1074;
        BigInteger sumScaled = sums.ToScaledInteger();
        BigInteger third = sumScaled * sumScaled * tokensSquared.ToScaledInteger();
        BigInteger residual = first - second + third;
        if (residual.Sign <= 0)
        {
            return 0;
        }

        // residual·2^−3222 = N²·Σ(S_e − n_eμ)²; take logs to stay in range.
        double logResidual = BigInteger.Log(residual) - (3222 * Math.Log(2));
        double logVariance = logResidual + Math.Log(examples / (examples - 1)) - (4 * Math.Log(tokens));
        return Math.Exp(0.5 * logVariance);
    }
}
