namespace LossEngine.Scaling;

/// <summary>
/// Where a metric's total goes across scale: for each model, each task's share of the mean over tasks; for each pair of
/// neighbouring models, and for the smallest to the largest, each task's share of the improvement. Tasks count equally
/// (the macro mean): the models were evaluated on the same tasks, and token-count weights would differ between
/// tokenizers.
/// </summary>
public sealed record ScaleDecomposition
{
    /// <summary>The metric decomposed.</summary>
    public required string Metric { get; init; }

    /// <summary>Its direction, which sets the sign of an improvement.</summary>
    public required MetricDirection Direction { get; init; }

    /// <summary>The tasks, in series order.</summary>
    public required IReadOnlyList<string> Tasks { get; init; }

    /// <summary>Models left out because some task has no value for them.</summary>
    public required IReadOnlyList<string> ExcludedModels { get; init; }

    /// <summary>One entry per model, in increasing scale.</summary>
    public required IReadOnlyList<ModelDecomposition> Models { get; init; }

    /// <summary>Neighbouring steps in increasing scale, then (with 3 or more models) the step from smallest to largest.</summary>
    public required IReadOnlyList<StepDecomposition> Steps { get; init; }

    /// <summary>Decomposes <paramref name="metric"/> over the series that have it; null when fewer than 2 models have it in
    /// every task.</summary>
    public static ScaleDecomposition? Compute(IReadOnlyList<ScalingSeries> series, string metric)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(metric);
        ScalingSeries[] chosen = [.. series.Where(s => s.Metric == metric)];
        if (chosen.Length == 0)
        {
            return null;
        }

        HashSet<string> everywhere = [.. chosen[0].Points.Select(p => p.Model)];
        foreach (ScalingSeries s in chosen.Skip(1))
        {
            everywhere.IntersectWith(s.Points.Select(p => p.Model));
        }

        string[] all = [.. chosen.SelectMany(s => s.Points.Select(p => p.Model)).Distinct()];
        ScalingPoint[] order = [.. chosen[0].Points.Where(p => everywhere.Contains(p.Model))];
        if (order.Length < 2)
        {
            return null;
        }

        int tasks = chosen.Length;
        double Value(ScalingSeries s, string model) => s.Points.First(p => p.Model == model).Y / tasks;
        double sign = chosen[0].Direction == MetricDirection.LowerIsBetter ? 1 : -1;
        var models = new List<ModelDecomposition>();
        foreach (ScalingPoint point in order)
        {
            double[] values = [.. chosen.Select(s => Value(s, point.Model))];
            double total = values.Sum();
            models.Add(new ModelDecomposition
            {
                Model = point.Model,
                X = point.X,
                Total = total,
                Tasks = [.. chosen.Select((s, t) => new TaskShare(s.Task, values[t], total != 0 ? values[t] / total : double.NaN))],
            });
        }

        StepDecomposition Step(int from, int to)
        {
            double[] changes = [.. chosen.Select(s => sign * (Value(s, order[from].Model) - Value(s, order[to].Model)))];
            double total = changes.Sum();
            return new StepDecomposition
            {
                From = order[from].Model,
                To = order[to].Model,
                SpansAll = from == 0 && to == order.Length - 1 && order.Length > 2,
                Improvement = total,
                Tasks = [.. chosen.Select((s, t) => new TaskShare(s.Task, changes[t], total != 0 ? changes[t] / total : double.NaN))],
            };
        }

        var steps = new List<StepDecomposition>();
        for (int i = 0; i + 1 < order.Length; i++)
        {
            steps.Add(Step(i, i + 1));
        }

        if (order.Length > 2)
        {
            steps.Add(Step(0, order.Length - 1));
        }

        return new ScaleDecomposition
        {
            Metric = metric,
            Direction = chosen[0].Direction,
            Tasks = [.. chosen.Select(s => s.Task)],
            ExcludedModels = [.. all.Where(m => !everywhere.Contains(m))],
            Models = models,
            Steps = steps,
        };
    }
}
