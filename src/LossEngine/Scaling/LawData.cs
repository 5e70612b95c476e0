using System.Globalization;

namespace LossEngine.Scaling;

/// <summary>Training runs for a two-variable law: parameters N, tokens D and final loss L per run.</summary>
public sealed record LawData
{
    /// <summary>Parameters N of each run.</summary>
    public required IReadOnlyList<double> Parameters { get; init; }

    /// <summary>Training tokens D of each run.</summary>
    public required IReadOnlyList<double> Tokens { get; init; }

    /// <summary>Final loss L of each run.</summary>
    public required IReadOnlyList<double> Loss { get; init; }

    /// <summary>How many runs <see cref="DropHighestLoss"/> removed.</summary>
    public int Dropped { get; init; }

    /// <summary>The number of runs.</summary>
    public int Count => Loss.Count;

    /// <summary>Runs from arrays of equal length.</summary>
    /// <exception cref="ArgumentException">The lengths differ, or a value is not positive and finite.</exception>
    public static LawData Create(IReadOnlyList<double> parameters, IReadOnlyList<double> tokens, IReadOnlyList<double> loss)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(loss);
        if (parameters.Count != tokens.Count || parameters.Count != loss.Count)
        {
            throw new ArgumentException($"N, D and L have {parameters.Count}, {tokens.Count} and {loss.Count} values; they must match.", nameof(loss));
        }

        if (parameters.Concat(tokens).Concat(loss).Any(v => !(v > 0) || !double.IsFinite(v)))
        {
            throw new ArgumentException("N, D and L are positive and finite (the law is fitted in logs).", nameof(loss));
        }

        return new LawData { Parameters = [.. parameters], Tokens = [.. tokens], Loss = [.. loss] };
    }

    /// <summary>Reads runs from a CSV with a header row. Column names are matched trimmed and case-insensitively and may
    /// contain spaces ("Model Size"). Give the tokens column, or the compute column, from which D = C / (6·N).</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="parametersColumn">The column of N.</param>
    /// <param name="tokensColumn">The column of D, or null when <paramref name="computeColumn"/> is given.</param>
    /// <param name="computeColumn">The column of the training compute C in FLOP, or null when <paramref name="tokensColumn"/> is given.</param>
    /// <param name="lossColumn">The column of L.</param>
    /// <exception cref="ArgumentException">Both or neither of the tokens and compute columns are given.</exception>
    /// <exception cref="ScalingInputException">No such file or column, a cell that is not a positive number, no rows. The
    /// message names the file, the line and the column.</exception>
    public static LawData ReadCsv(string path, string parametersColumn, string? tokensColumn, string? computeColumn, string lossColumn)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(parametersColumn);
        ArgumentNullException.ThrowIfNull(lossColumn);
        if ((tokensColumn is null) == (computeColumn is null))
        {
            throw new ArgumentException("Give the tokens column or the compute column, not both or neither.", nameof(tokensColumn));
        }

        CsvTable table = CsvTable.Read(path);
        int n = Column(parametersColumn), l = Column(lossColumn);
        int d = tokensColumn is null ? -1 : Column(tokensColumn);
        int c = computeColumn is null ? -1 : Column(computeColumn);
        var parameters = new List<double>();
        var tokens = new List<double>();
        var loss = new List<double>();
        foreach (CsvRecord record in table.Records)
        {
            double size = Positive(record, n, parametersColumn);
            parameters.Add(size);
            tokens.Add(d >= 0 ? Positive(record, d, tokensColumn!) : Positive(record, c, computeColumn!) / (6 * size));
            loss.Add(Positive(record, l, lossColumn));
        }

        if (loss.Count == 0)
        {
            throw new ScalingInputException(path, string.Empty, "no rows after the header.");
        }

        return new LawData { Parameters = parameters, Tokens = tokens, Loss = loss };

        int Column(string name) => table.Column(name) is int index and >= 0 ? index
            : throw new ScalingInputException(path, "header", $"no column '{name}' (found: {string.Join(", ", table.Header.Select(h => $"'{h}'"))}).");

        double Positive(CsvRecord record, int column, string name)
        {
            string cell = record[column];
            if (!CsvTable.TryParseNumber(cell, out double value) || !(value > 0) || !double.IsFinite(value))
            {
                throw new ScalingInputException(path, string.Create(CultureInfo.InvariantCulture, $"line {record.Line}, column '{name}'"),
                    cell.Length == 0 ? "empty." : $"'{cell}' is not a positive number.");
            }

            return value;
        }
    }

    /// <summary>These runs without the <paramref name="count"/> with the highest loss (the earliest-listed kept among
    /// equal losses), as Besiroglu et al. drop the five worst-fitting small runs of Hoffmann et al.'s figure.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or leaves fewer than 6 runs (5
    /// parameters need more points than that).</exception>
    public LawData DropHighestLoss(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (Count - count < 6)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Dropping {count} of {Count} runs leaves fewer than 6 for 5 parameters.");
        }

        HashSet<int> dropped = [.. Enumerable.Range(0, Count).OrderByDescending(i => Loss[i]).ThenBy(i => i).Take(count)];
        int[] kept = [.. Enumerable.Range(0, Count).Where(i => !dropped.Contains(i))];
        return new LawData
        {
            Parameters = [.. kept.Select(i => Parameters[i])],
            Tokens = [.. kept.Select(i => Tokens[i])],
            Loss = [.. kept.Select(i => Loss[i])],
            Dropped = Dropped + count,
        };
    }
}
