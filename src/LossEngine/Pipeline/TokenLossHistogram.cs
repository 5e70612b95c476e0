using LossEngine.Formats;

namespace LossEngine.Pipeline;

/// <summary>
/// Per-task counts of token losses in fixed bins of <see cref="BinWidth"/> nats from 0 up to <see cref="Limit"/>; the
/// last bin also holds every larger loss. Fixed edges keep histograms of different runs and shards comparable and let
/// them be added. Ignored rows and NaN losses are not counted (the report counts the NaN ones).
/// </summary>
public sealed class TokenLossHistogram
{
    /// <summary>The width of a bin, nats.</summary>
    public const double BinWidth = 0.25;

    /// <summary>The lower edge of the last bin, which is open above: losses past 20 nats (p &lt; 2·10⁻⁹) are rare and
    /// all alike to a reader.</summary>
    public const double Limit = 20;

    /// <summary>The number of bins.</summary>
    public const int Bins = (int)(Limit / BinWidth) + 1;

    private readonly long[][] _counts;

    /// <summary>An empty histogram for task ids 0 … <paramref name="taskCount"/> − 1.</summary>
    /// <param name="taskCount">The number of task ids (the scoring's maximum number of tasks will do).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is not positive.</exception>
    public TokenLossHistogram(int taskCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(taskCount);
        // A task's bins are allocated when its first token arrives: the count is often a generous maximum.
        _counts = new long[taskCount][];
    }

    /// <summary>The number of task ids.</summary>
    public int TaskCount => _counts.Length;

    /// <summary>The bin a loss falls in: ⌊loss / <see cref="BinWidth"/>⌋, clamped to the first and last bins.</summary>
    public static int BinOf(double loss) => loss >= Limit ? Bins - 1 : Math.Max(0, (int)(loss / BinWidth));

    /// <summary>The counts of task <paramref name="taskId"/>, bin by bin.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskId"/> is not below <see cref="TaskCount"/>.</exception>
    public IReadOnlyList<long> Counts(int taskId)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)taskId, (uint)_counts.Length, nameof(taskId));
        return _counts[taskId] ?? new long[Bins];
    }

    /// <summary>Counts one row's loss for a task; ignored rows and NaN losses are skipped.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskId"/> is not below <see cref="TaskCount"/>.</exception>
    public void Add(int taskId, in TokenStatistics row)
    {
        if ((uint)taskId >= (uint)_counts.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(taskId), taskId, $"Task ids run from 0 to {_counts.Length - 1}.");
        }

        if (!row.IsIgnored && !float.IsNaN(row.Loss))
        {
            (_counts[taskId] ??= new long[Bins])[BinOf(row.Loss)]++;
        }
    }

    /// <summary>A handler for <see cref="DumpScorer.Score(IReadOnlyList{EvalDump}, DumpScoringOptions?, IProgress{ScoringProgress}?, ScoredRowsHandler?, CancellationToken)"/>
    /// that counts every scored row under its dump's task id, then passes the batch on to <paramref name="next"/>.</summary>
    /// <param name="dumps">The dumps being scored, in the same order.</param>
    /// <param name="next">Another handler to call with each batch, or null.</param>
    public ScoredRowsHandler Observe(IReadOnlyList<EvalDump> dumps, ScoredRowsHandler? next = null)
    {
        ArgumentNullException.ThrowIfNull(dumps);
        long[] starts = new long[dumps.Count + 1];
        for (int i = 0; i < dumps.Count; i++)
        {
            starts[i + 1] = starts[i] + dumps[i].Rows;
        }

        return (firstRow, rows) =>
        {
            // A batch lies within one dump; find it from the row index counted over all dumps.
            int dump = Array.BinarySearch(starts, firstRow);
            dump = dump >= 0 ? dump : ~dump - 1;
            while (firstRow - starts[dump] >= dumps[dump].Rows)
            {
                dump++; // past dumps with no rows, which share their start with the next
            }

            long local = firstRow - starts[dump];
            for (int i = 0; i < rows.Length; i++)
            {
                Add((int)dumps[dump].TaskId(local + i), rows[i]);
            }

            next?.Invoke(firstRow, rows);
        };
    }
}
