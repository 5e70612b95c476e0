using LossEngine.Aggregation;

namespace LossEngine.Tests.Aggregation;

/// <summary>The metrics computed directly from a list of every token, written independently of the library.</summary>
public static class NaiveAggregation
{
    public sealed record Token(int Task, long Example, long Position, TokenStatistics Stats, long Target, int? Bytes);

    public static List<Token> Tokens(TokenStatistics[] tokens, int[] taskIds, long[] exampleIds, long[] targets, int[] bytes) =>
        [.. tokens.Select((t, i) => new Token(taskIds[i], exampleIds[i], i, t, targets[i], bytes.Length == 0 ? null : bytes[i]))
            .Where(t => !t.Stats.IsIgnored)];

    public static TaskMetrics Metrics(IReadOnlyList<Token> all, string name, int topK)
    {
        var scored = all.Where(t => !float.IsNaN(t.Stats.Loss)).ToList();
        double n = scored.Count;
        double loss = scored.Sum(t => (double)t.Stats.Loss) / n;
        double accuracy = scored.Count(t => t.Stats.TargetRank == 0) / n;
        var examples = scored.GroupBy(t => (t.Task, t.Example)).ToList();
        double g = examples.Count;
        double ClusterError(Func<Token, double> value, double mean) =>
            g < 2 ? double.NaN : Math.Sqrt(examples.Sum(e => Math.Pow(e.Sum(value) - (e.Count() * mean), 2)) * g / (g - 1)) / n;

        double lossError = ClusterError(t => t.Stats.Loss, loss);
        double exact = examples.Count(e => e.All(t => t.Stats.TargetRank == 0)) / g;
        var exampleLogLikelihood = examples.Select(e => -e.Sum(t => (double)t.Stats.Loss)).ToList();
        double meanLl = exampleLogLikelihood.Average();
        double ece = 0;
        for (int bin = 0; bin < 15; bin++)
        {
            var inBin = scored.Where(t => Math.Clamp((int)(Confidence(t) * 15), 0, 14) == bin).ToList();
            if (inBin.Count > 0)
            {
                ece += inBin.Count / n * Math.Abs((inBin.Count(t => t.Stats.TargetRank == 0) / (double)inBin.Count) - inBin.Average(Confidence));
            }
        }

        return new TaskMetrics
        {
            Task = name,
            Tokens = scored.Count,
            Examples = examples.Count,
            NaNLosses = all.Count(t => float.IsNaN(t.Stats.Loss)),
            Loss = loss,
            LossStandardError = lossError,
            Perplexity = Math.Exp(loss),
            PerplexityLow = Math.Exp(loss - (1.959963984540054 * lossError)),
            PerplexityHigh = Math.Exp(loss + (1.959963984540054 * lossError)),
            TargetProbability = Math.Exp(-loss),
            BitsPerToken = loss / Math.Log(2),
            BitsPerByte = scored.All(t => t.Bytes is not null) && scored.Count > 0 ? scored.Sum(t => (double)t.Stats.Loss) / (Math.Log(2) * scored.Sum(t => t.Bytes!.Value)) : double.NaN,
            Accuracy = accuracy,
            AccuracyStandardError = ClusterError(t => t.Stats.TargetRank == 0 ? 1 : 0, accuracy),
            TopKAccuracy = scored.Count(t => t.Stats.TargetRank < topK) / n,
            MeanReciprocalRank = scored.Average(t => 1.0 / (t.Stats.TargetRank + 1)),
            ExactMatch = exact,
            ExactMatchStandardError = g > 1 ? Math.Sqrt(exampleLogLikelihood.Count * exact * (1 - exact) / (g - 1) / g) : double.NaN,
            MeanExampleLogLikelihood = meanLl,
            MeanExampleLogLikelihoodStandardError = g > 1 ? Math.Sqrt(exampleLogLikelihood.Sum(x => (x - meanLl) * (x - meanLl)) / (g - 1) / g) : double.NaN,
            MeanEntropy = scored.Average(t => (double)t.Stats.Entropy),
            ExpectedCalibrationError = ece,
        };
    }

    public static double Confidence(Token t) => Math.Exp((double)t.Stats.MaxLogit - t.Stats.LogSumExp);
}
