using System.Globalization;

namespace LossEngine.Scaling;

/// <summary>
/// Reads a tidy CSV: one value per row, with the columns <c>model, params, tokens, compute, step, task, metric, value,
/// stderr</c> in any order. Required: <c>model</c>, <c>task</c>, <c>metric</c>, <c>value</c> and the column of the
/// chosen axis; optional: the other scales, <c>stderr</c>, <c>n</c>, <c>chance</c> and <c>direction</c>
/// (<c>lower</c> or <c>higher</c>, for metrics the catalog does not know). A model's scale must be the same on all its
/// rows.
/// </summary>
internal static class TidyCsvReader
{
    public static void Read(string path, SeriesBuilder builder)
    {
        CsvTable table = CsvTable.Read(path);
        ScaleAxis axis = builder.Options.Axis;
        string axisName = ScalingNames.Of(axis);
        int model = Required("model"), task = Required("task"), metric = Required("metric"), value = Required("value"), scale = Required(axisName);
        int error = table.Column("stderr"), count = table.Column("n"), chance = table.Column("chance"), direction = table.Column("direction");
        var scales = new Dictionary<string, (double X, int Line)>(StringComparer.Ordinal);
        foreach (CsvRecord record in table.Records)
        {
            string where = $"line {record.Line}";
            string modelName = record[model];
            if (modelName.Length == 0)
            {
                throw new ScalingInputException(path, $"{where}, column model", "empty.");
            }

            string scaleCell = record[scale];
            if (scaleCell.Length == 0)
            {
                throw new ScalingInputException(path, $"{where}, column {axisName}", $"missing scale: model '{modelName}' has no {axisName}, the axis the series run along.");
            }

            double x = Number(scaleCell, $"{where}, column {axisName}");
            if (!(x > 0) || !double.IsFinite(x))
            {
                throw new ScalingInputException(path, $"{where}, column {axisName}", $"{scaleCell} is not a positive number; scales are fitted in log x.");
            }

            if (scales.TryGetValue(modelName, out (double X, int Line) known) && known.X != x)
            {
                throw new ScalingInputException(path, $"{where}, column {axisName}",
                    string.Create(CultureInfo.InvariantCulture, $"model '{modelName}' has {axisName} {x:G6} here but {known.X:G6} on line {known.Line}."));
            }

            scales[modelName] = (x, record.Line);
            string metricName = record[metric];
            string taskName = record[task];
            if (metricName.Length == 0 || taskName.Length == 0)
            {
                throw new ScalingInputException(path, $"{where}, column {(taskName.Length == 0 ? "task" : "metric")}", "empty.");
            }

            if (!builder.Wants(metricName))
            {
                continue;
            }

            string valueCell = record[value];
            if (valueCell.Length == 0)
            {
                throw new ScalingInputException(path, $"{where}, column value", "empty.");
            }

            string directionCell = record[direction];
            MetricDirection metricDirection;
            if (directionCell.Length > 0)
            {
                if (!ScalingNames.TryParseDirection(directionCell, out metricDirection))
                {
                    throw new ScalingInputException(path, $"{where}, column direction", $"'{directionCell}' is neither lower nor higher.");
                }
            }
            else
            {
                metricDirection = builder.Direction(metricName, path, $"{where}, column metric");
            }

            string errorCell = record[error], countCell = record[count], chanceCell = record[chance];
            builder.Add(new Observation(taskName, metricName, metricDirection, modelName, x, Number(valueCell, $"{where}, column value"),
                errorCell.Length == 0 ? double.NaN : Number(errorCell, $"{where}, column stderr"),
                countCell.Length == 0 ? 0 : (long)Number(countCell, $"{where}, column n"), double.NaN,
                builder.Chance(taskName, chanceCell.Length == 0 ? null : Number(chanceCell, $"{where}, column chance")), path, where));
        }

        int Required(string name)
        {
            int column = table.Column(name);
            return column >= 0 ? column : throw new ScalingInputException(path, "header",
                $"no '{name}' column (found: {string.Join(", ", table.Header)}); a tidy CSV has model, params, tokens, compute, step, task, metric, value, stderr{(name == axisName ? $", and needs the '{name}' column for the series' axis" : string.Empty)}.");
        }

        // A spelled-out infinity is a value; digits that parse to one (1e400) overflowed a double.
        double Number(string cell, string field) =>
            !CsvTable.TryParseNumber(cell, out double number) ? throw new ScalingInputException(path, field, $"'{cell}' is not a number.")
            : double.IsInfinity(number) && cell.Any(char.IsAsciiDigit) ? throw new ScalingInputException(path, field, $"{cell} is out of the range of a double (about ±1.8e308).")
            : number;
    }
}
