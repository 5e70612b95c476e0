using System.Runtime.ExceptionServices;

namespace LossEngine.Scaling;

/// <summary>
/// The analysis across models: every series is classified (<see cref="ScalingClassifier"/>) and fitted
/// (<see cref="CurveFitter"/>), tasks with a pass/fail and a continuous metric are compared
/// (<see cref="MirageComparison"/>), and a metric is decomposed across scale (<see cref="ScaleDecomposition"/>).
/// </summary>
public static class ScalingAnalysis
{
    /// <summary>Analyses <paramref name="series"/> (series run in parallel; each has its own seeded bootstrap stream, so
    /// the report does not depend on the thread count).</summary>
    /// <exception cref="ArgumentException">The series do not all run along one axis.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static ScalingReport Run(IReadOnlyList<ScalingSeries> series, ScalingAnalysisOptions options)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(options);
        options.Fit.Validate();
        if (options.ExtrapolateTo is double target && (!(target > 0) || !double.IsFinite(target)))
        {
            throw new ArgumentOutOfRangeException(nameof(options), target, "The extrapolation scale is positive and finite.");
        }

        if (options.TokensPerExample is double tokens && !(tokens > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(options), tokens, "Tokens per example are positive.");
        }

        if (options.MaxDegreeOfParallelism == 0 || options.MaxDegreeOfParallelism < -1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxDegreeOfParallelism, "Use a positive thread count, or −1 for every core.");
        }

        ScaleAxis axis = series.Count > 0 ? series[0].Axis : ScaleAxis.Parameters;
        if (series.Any(s => s.Axis != axis))
        {
            throw new ArgumentException("The series run along different axes; analyse one axis at a time.", nameof(series));
        }

        var analyses = new SeriesAnalysis[series.Count];
        try
        {
            Parallel.For(0, series.Count, new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism }, i =>
                analyses[i] = Analyze(series[i], options));
        }
        catch (AggregateException error) when (error.InnerExceptions.Count == 1)
        {
            ExceptionDispatchInfo.Capture(error.InnerExceptions[0]).Throw();
        }

        // A decomposition of one task says nothing, so the automatic pick prefers the metrics that several tasks share.
        string[] shared = [.. series.GroupBy(s => s.Metric).Where(g => g.Count() > 1).Select(g => g.Key)];
        string[] candidates = shared.Length > 0 ? shared : [.. series.Select(s => s.Metric).Distinct()];
        string? metric = options.DecompositionMetric
            ?? candidates.FirstOrDefault(m => m == "loss")
            ?? candidates.FirstOrDefault(m => series.First(s => s.Metric == m).Direction == MetricDirection.LowerIsBetter)
            ?? candidates.FirstOrDefault();
        return new ScalingReport
        {
            Axis = axis,
            Options = options,
            Series = analyses,
            Mirage = Mirage(analyses, options.TokensPerExample),
            Decomposition = metric is null ? null : ScaleDecomposition.Compute(series, metric),
        };
    }

    /// <summary>Classifies and fits one series.</summary>
    public static SeriesAnalysis Analyze(ScalingSeries series, ScalingAnalysisOptions options)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(options);
        CurveFit? fit = CurveFitter.Fit(series, options.Fit);
        return new SeriesAnalysis
        {
            Series = series,
            Classification = ScalingClassifier.Classify(series),
            Fit = fit,
            FitNote = fit is null ? CurveFitter.NoFitReason(series) : null,
            Extrapolation = fit is not null && options.ExtrapolateTo is double x ? fit.Extrapolate(x) : null,
        };
    }

    /// <summary>For every task with a discontinuous metric (<see cref="MetricCatalog.IsDiscontinuous"/>) and a continuous
    /// one, one comparison per discontinuous metric, against the task's first continuous metric in
    /// <see cref="MetricCatalog.ContinuousRank"/>'s order.</summary>
    /// <param name="analyses">Classified series.</param>
    /// <param name="tokensPerExample">L for p_next^L; null uses each point's <see cref="ScalingPoint.TokensPerExample"/>.</param>
    public static IReadOnlyList<MirageComparison> Mirage(IReadOnlyList<SeriesAnalysis> analyses, double? tokensPerExample)
    {
        ArgumentNullException.ThrowIfNull(analyses);
        var comparisons = new List<MirageComparison>();
        foreach (IGrouping<string, SeriesAnalysis> task in analyses.GroupBy(a => a.Series.Task))
        {
            SeriesAnalysis? continuous = task.Where(a => MetricCatalog.ContinuousRank(a.Series.Metric) >= 0)
                .OrderBy(a => MetricCatalog.ContinuousRank(a.Series.Metric)).FirstOrDefault();
            if (continuous is null)
            {
                continue;
            }

            foreach (SeriesAnalysis discontinuous in task.Where(a => MetricCatalog.IsDiscontinuous(a.Series.Metric)))
            {
                ScalingClass d = discontinuous.Classification.Class, c = continuous.Classification.Class;
                bool flagged = d == ScalingClass.Emergent && c == ScalingClass.Smooth;
                comparisons.Add(new MirageComparison
                {
                    Task = task.Key,
                    DiscontinuousMetric = discontinuous.Series.Metric,
                    DiscontinuousClass = d,
                    ContinuousMetric = continuous.Series.Metric,
                    ContinuousClass = c,
                    Flagged = flagged,
                    Note = $"{ScalingNames.Of(d)} under {discontinuous.Series.Metric}, {ScalingNames.Of(c)} under {continuous.Series.Metric}",
                    Rows = [.. discontinuous.Series.Points.Select(p => new MirageRow(p.Model, p.X, p.Y,
                        MetricCatalog.IsExactMatch(discontinuous.Series.Metric) ? PredictedExactMatch([.. task], p.Model, tokensPerExample) : double.NaN))],
                });
            }
        }

        return comparisons;
    }

    /// <summary>p_next^L for <paramref name="model"/> in a task: e^(mean example log-likelihood) when the task has it
    /// (equal to p_next^L with L = tokens / examples, as p_next = e^(−Σloss/N)); else p_next^L; else e^(−loss·L).</summary>
    private static double PredictedExactMatch(IReadOnlyList<SeriesAnalysis> task, string model, double? tokensPerExample)
    {
        ScalingPoint? Find(string metric) =>
            task.FirstOrDefault(a => a.Series.Metric == metric)?.Series.Points.FirstOrDefault(p => p.Model == model);

        if (tokensPerExample is null && Find("mean_example_loglikelihood") is ScalingPoint likelihood)
        {
            return Math.Exp(likelihood.Y);
        }

        if (Find("p_next") is ScalingPoint probability)
        {
            double length = tokensPerExample ?? probability.TokensPerExample;
            return Math.Pow(probability.Y, length);
        }

        if (Find("loss") is ScalingPoint loss)
        {
            return Math.Exp(-loss.Y * (tokensPerExample ?? loss.TokensPerExample));
        }

        return double.NaN;
    }
}
