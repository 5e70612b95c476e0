using System.Globalization;

namespace LossEngine.Scaling;

/// <summary>Collects observations from every reader and groups them into series, checking what no single reader can:
/// a model twice in a series, two models at one scale, a series with fewer than two points, a requested metric that no
/// input has.</summary>
internal sealed class SeriesBuilder(ScalingReadOptions options)
{
    private readonly Dictionary<(string Task, string Metric), List<Observation>> _groups = [];
    private readonly List<(string Task, string Metric)> _order = [];
    private readonly HashSet<string> _seenMetrics = new(StringComparer.Ordinal);

    public ScalingReadOptions Options { get; } = options;

    /// <summary>Notes a metric seen in an input (whether or not it is read), for the message about a missing one.</summary>
    public bool Wants(string metric)
    {
        _seenMetrics.Add(metric);
        return Options.Metrics is null || Options.Metrics.Any(m => m == metric || m == MetricCatalog.BaseName(metric));
    }

    /// <summary>The metric's direction: the options' first, then the catalog's.</summary>
    /// <exception cref="ScalingInputException">Neither knows it.</exception>
    public MetricDirection Direction(string metric, string file, string field)
    {
        if (Options.Directions.TryGetValue(metric, out MetricDirection direction)
            || Options.Directions.TryGetValue(MetricCatalog.BaseName(metric), out direction)
            || MetricCatalog.TryGetDirection(metric, out direction))
        {
            return direction;
        }

        string name = MetricCatalog.BaseName(metric);
        throw new ScalingInputException(file, field,
            $"unknown metric '{metric}': its direction is not known. Say which way is better (on the command line --direction {name}=lower or --direction {name}=higher; in the library ScalingReadOptions.Directions), or leave it out by naming the metrics to read with --metric.");
    }

    public double? Chance(string task, double? fromInput)
    {
        if (fromInput is not null)
        {
            return fromInput;
        }

        return Options.ChanceLevels.TryGetValue(task, out double chance) || Options.ChanceLevels.TryGetValue("*", out chance) ? chance : null;
    }

    public void Add(Observation observation)
    {
        var key = (observation.Task, observation.Metric);
        if (!_groups.TryGetValue(key, out List<Observation>? group))
        {
            _groups[key] = group = [];
            _order.Add(key);
        }

        group.Add(observation);
    }

    /// <exception cref="ScalingInputException">See the class summary.</exception>
    public IReadOnlyList<ScalingSeries> Build()
    {
        if (Options.Metrics is not null)
        {
            foreach (string wanted in Options.Metrics)
            {
                if (!_seenMetrics.Any(m => m == wanted || MetricCatalog.BaseName(m) == wanted))
                {
                    string found = _seenMetrics.Count == 0 ? "none" : string.Join(", ", _seenMetrics.Order(StringComparer.Ordinal));
                    throw new ScalingInputException(string.Empty, string.Empty, $"unknown metric '{wanted}': no input has it (metrics found: {found}).");
                }
            }
        }

        if (_order.Count == 0)
        {
            throw new ScalingInputException(string.Empty, string.Empty, "the inputs hold no metric values to analyse.");
        }

        var series = new List<ScalingSeries>(_order.Count);
        string axis = ScalingNames.Of(Options.Axis);
        foreach ((string task, string metric) in _order)
        {
            List<Observation> group = _groups[(task, metric)];
            var byModel = new Dictionary<string, Observation>(StringComparer.Ordinal);
            foreach (Observation o in group)
            {
                if (byModel.TryGetValue(o.Model, out Observation? earlier))
                {
                    throw new ScalingInputException(o.File, o.Field,
                        $"duplicate model '{o.Model}': task '{task}' metric '{metric}' already has a value for it (from {earlier.File}, {earlier.Field}).");
                }

                byModel[o.Model] = o;
            }

            List<Observation> sorted = [.. group.OrderBy(o => o.X)];
            for (int i = 1; i < sorted.Count; i++)
            {
                if (sorted[i].X == sorted[i - 1].X)
                {
                    throw new ScalingInputException(sorted[i].File, sorted[i].Field,
                        string.Create(CultureInfo.InvariantCulture, $"models '{sorted[i - 1].Model}' and '{sorted[i].Model}' are both at {axis} = {sorted[i].X:G6} in task '{task}' metric '{metric}'; a series needs one model per scale (choose another axis with --x, or keep one of them)."));
                }
            }

            if (sorted.Count < 2)
            {
                Observation only = sorted[0];
                throw new ScalingInputException(only.File, only.Field,
                    $"task '{task}' metric '{metric}' has fewer than 2 points (only model '{only.Model}'); a series needs at least 2 models. Add models, or name the metrics to read with --metric.");
            }

            series.Add(new ScalingSeries
            {
                Task = task,
                Metric = metric,
                Direction = sorted[0].Direction,
                Axis = Options.Axis,
                ChanceLevel = sorted.Select(o => o.ChanceLevel).FirstOrDefault(c => c is not null),
                Points = [.. sorted.Select(o => new ScalingPoint { Model = o.Model, X = o.X, Y = o.Y, StandardError = o.StandardError, Count = o.Count, TokensPerExample = o.TokensPerExample })],
            });
        }

        return series;
    }
}
