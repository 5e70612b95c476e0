using System.Globalization;
using System.Text;

namespace LossEngine.Cli.Reports;

/// <summary>
/// llama.cpp's KL-divergence statistics, overall and per task. Means, errors, RMS, correlations, maxima and minima are
/// exact (running sums in double). Percentiles are exact while a task has at most <see cref="ExactLimit"/> tokens (every
/// per-token KL and Δp is kept, 8 bytes per token); past that the values move into mergeable quantile sketches with a
/// relative error of 0.5% (<see cref="QuantileSketch"/>).
/// </summary>
internal sealed class ComparisonReport(IReadOnlyList<string> taskNames, int exactLimit = ComparisonReport.DefaultExactLimit)
{
    /// <summary>Tokens per task (and overall) up to which percentiles are exact: 10 million, 80 MB of samples.</summary>
    public const int DefaultExactLimit = 10_000_000;

    private readonly Accumulator _overall = new(exactLimit);
    private readonly Accumulator[] _byTask = [.. taskNames.Select(_ => new Accumulator(exactLimit))];

    public int ExactLimit { get; } = exactLimit;

    public long NaNTokens { get; private set; }

    public void Add(int task, in ComparisonStatistics c)
    {
        if (float.IsNaN(c.KlDivergence) || float.IsNaN(c.ReferenceLoss) || float.IsNaN(c.CandidateLoss))
        {
            NaNTokens++;
            return;
        }

        _overall.Add(c);
        _byTask[task].Add(c);
    }

    public sealed record Summary(string Task, long Tokens, bool ExactPercentiles, double MeanKl, double MeanKlError, double[] KlPercentiles, double MaxKl, double MinKl,
        double MeanDeltaP, double MeanDeltaPError, double RmsDeltaP, double[] DeltaPPercentiles, double SameTop, double SameTopError,
        double ReferencePerplexity, double CandidatePerplexity, double LogRatio, double LogRatioError, double Ratio, double RatioError, double Correlation);

    /// <summary>The percentile levels printed, as llama.cpp does: 99.9, 99, 95, 90, 50, 10, 5, 1, 0.1.</summary>
    public static readonly double[] Levels = [0.999, 0.99, 0.95, 0.90, 0.50, 0.10, 0.05, 0.01, 0.001];

    public IEnumerable<Summary> Summaries()
    {
        yield return _overall.Summarize("overall");
        for (int t = 0; t < _byTask.Length; t++)
        {
            if (_byTask[t].Count > 0)
            {
                yield return _byTask[t].Summarize(taskNames[t]);
            }
        }
    }

    /// <summary>Running sums for one task, plus the exact values or the sketches for percentiles.</summary>
    private sealed class Accumulator(int exactLimit)
    {
        private List<float>? _kl = [];
        private List<float>? _deltaP = [];
        private QuantileSketch? _klSketch;
        private QuantileSketch? _deltaPSketch;
        private double _klSum, _klSquares, _dpSum, _dpSquares, _refSum, _refSquares, _candSum, _candSquares, _cross, _diffSum, _diffSquares;
        private double _maxKl = double.NegativeInfinity, _minKl = double.PositiveInfinity;
        private long _same;

        public long Count { get; private set; }

        public void Add(in ComparisonStatistics c)
        {
            double kl = c.KlDivergence, dp = c.CandidateTargetProbability - c.ReferenceTargetProbability;
            double reference = c.ReferenceLoss, candidate = c.CandidateLoss, diff = candidate - reference;
            Count++;
            (_klSum, _klSquares, _dpSum, _dpSquares) = (_klSum + kl, _klSquares + (kl * kl), _dpSum + dp, _dpSquares + (dp * dp));
            (_refSum, _refSquares, _candSum, _candSquares) = (_refSum + reference, _refSquares + (reference * reference), _candSum + candidate, _candSquares + (candidate * candidate));
            (_cross, _diffSum, _diffSquares) = (_cross + (reference * candidate), _diffSum + diff, _diffSquares + (diff * diff));
            (_maxKl, _minKl) = (Math.Max(_maxKl, kl), Math.Min(_minKl, kl));
            _same += c.SameArgMax ? 1 : 0;
            if (_kl is not null && Count > exactLimit)
            {
                // Too many tokens to keep: from here on, percentiles come from sketches.
                (_klSketch, _deltaPSketch) = (new QuantileSketch(), new QuantileSketch());
                _kl.ForEach(v => _klSketch.Add(v));
                _deltaP!.ForEach(v => _deltaPSketch.Add(v));
                (_kl, _deltaP) = (null, null);
            }

            if (_kl is not null)
            {
                _kl.Add((float)kl);
                _deltaP!.Add((float)dp);
            }
            else
            {
                _klSketch!.Add(kl);
                _deltaPSketch!.Add(dp);
            }
        }

        public Summary Summarize(string task)
        {
            double n = Count;
            double[] klPercentiles, dpPercentiles;
            if (_kl is not null)
            {
                double[] kl = [.. _kl.Select(v => (double)v).Order()];
                double[] dp = [.. _deltaP!.Select(v => (double)v).Order()];
                klPercentiles = [.. Levels.Select(l => Percentile(kl, l))];
                dpPercentiles = [.. Levels.Select(l => Percentile(dp, l))];
            }
            else
            {
                klPercentiles = [.. Levels.Select(_klSketch!.Quantile)];
                dpPercentiles = [.. Levels.Select(_deltaPSketch!.Quantile)];
            }

            double Error(double sum, double squares) => n > 1 ? Math.Sqrt(Math.Max(0, (squares - (sum * sum / n)) / (n - 1)) / n) : double.NaN;
            double same = _same / n;
            double logRatio = _diffSum / n;
            double logRatioError = Error(_diffSum, _diffSquares);
            double covariance = _cross - (_refSum * _candSum / n);
            double correlation = covariance / Math.Sqrt((_refSquares - (_refSum * _refSum / n)) * (_candSquares - (_candSum * _candSum / n)));
            return new Summary(task, Count, _kl is not null, _klSum / n, Error(_klSum, _klSquares), klPercentiles, _maxKl, _minKl,
                _dpSum / n, Error(_dpSum, _dpSquares), Math.Sqrt(_dpSquares / n), dpPercentiles, same, n > 1 ? Math.Sqrt(same * (1 - same) / (n - 1)) : double.NaN,
                Math.Exp(_refSum / n), Math.Exp(_candSum / n), logRatio, logRatioError, Math.Exp(logRatio), Math.Exp(logRatio) * logRatioError, correlation);
        }
    }

    /// <summary>Linear interpolation between closest ranks on sorted values: position p·(n−1).</summary>
    public static double Percentile(double[] sorted, double p)
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

    public string Render()
    {
        var text = new StringBuilder();
        foreach (Summary s in Summaries())
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"====== {s.Task}: {s.Tokens} tokens ======{(s.ExactPercentiles ? string.Empty : " (percentiles from a sketch, ±0.5% relative)")}"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Mean PPL(Q)                   : {s.CandidatePerplexity:F6}"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Mean PPL(base)                : {s.ReferencePerplexity:F6}"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Cor(ln(PPL(Q)), ln(PPL(base))): {100 * s.Correlation:F2}%"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Mean ln(PPL(Q)/PPL(base))     : {s.LogRatio:F6} ± {s.LogRatioError:F6}"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Mean PPL(Q)/PPL(base)         : {s.Ratio:F6} ± {s.RatioError:F6}"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Mean    KLD: {s.MeanKl,10:F6} ± {s.MeanKlError:F6}"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Maximum KLD: {s.MaxKl,10:F6}"));
            for (int i = 0; i < Levels.Length; i++)
            {
                text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{Levels[i] * 100,5:0.#}%   KLD: {s.KlPercentiles[i],10:F6}"));
            }

            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Minimum KLD: {s.MinKl,10:F6}"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Mean    Δp: {100 * s.MeanDeltaP,8:F3} ± {100 * s.MeanDeltaPError:F3} %"));
            for (int i = 0; i < Levels.Length; i++)
            {
                text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{Levels[i] * 100,5:0.#}%   Δp: {100 * s.DeltaPPercentiles[i],8:F3}%"));
            }

            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"RMS Δp    : {100 * s.RmsDeltaP,8:F3} %"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Same top p: {100 * s.SameTop,7:F3} ± {100 * s.SameTopError:F3} %"));
            text.AppendLine();
        }

        if (NaNTokens > 0)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{NaNTokens} tokens had NaN logits or losses and were left out."));
        }

        return text.ToString();
    }
}
