using System.Diagnostics;
using CommunityToolkit.HighPerformance;
using LossEngine.Aggregation;
using LossEngine.Formats;

namespace LossEngine.Cli.Input;

/// <summary>Streams every row of the dumps through the batch statistics kernel and into an aggregator.</summary>
internal static class DumpScorer
{
    /// <summary>Rows per batch: about 64 MiB of logits, so the parallel kernel has work for every core.</summary>
    private const long BatchBytes = 64L << 20;

    public sealed record Result(LossAggregator Aggregator, List<float>? TokenLosses, long Bytes, long Rows, TimeSpan Elapsed);

    public static Result Score(IReadOnlyList<EvalDump> dumps, AggregatorOptions aggregatorOptions, ScoringOptions scoringOptions, bool keepTokenLosses, Progress progress)
    {
        var aggregator = new LossAggregator(aggregatorOptions);
        List<float>? tokenLosses = keepTokenLosses ? [] : null;
        var clock = Stopwatch.StartNew();
        long exampleOffset = 0;
        long totalBytes = dumps.Sum(d => d.LogitBytes);
        long doneBytes = 0, doneRows = 0;
        foreach (EvalDump dump in dumps)
        {
            long examplesInDump = dump.LogitType switch
            {
                TensorDataType.Float32 => ScoreDump<float>(dump, aggregator, aggregatorOptions, scoringOptions, tokenLosses, exampleOffset, progress, totalBytes, ref doneBytes, ref doneRows, clock),
                TensorDataType.Float16 => ScoreDump<Half>(dump, aggregator, aggregatorOptions, scoringOptions, tokenLosses, exampleOffset, progress, totalBytes, ref doneBytes, ref doneRows, clock),
                _ => ScoreDump<BFloat16>(dump, aggregator, aggregatorOptions, scoringOptions, tokenLosses, exampleOffset, progress, totalBytes, ref doneBytes, ref doneRows, clock),
            };
            exampleOffset += examplesInDump;
        }

        progress.Finish();
        return new Result(aggregator, tokenLosses, totalBytes, doneRows, clock.Elapsed);
    }

    private static unsafe long ScoreDump<T>(EvalDump dump, LossAggregator aggregator, AggregatorOptions aggregatorOptions, ScoringOptions scoringOptions, List<float>? tokenLosses, long exampleOffset, Progress progress, long totalBytes, ref long doneBytes, ref long doneRows, Stopwatch clock)
        where T : unmanaged
    {
        int rowBytes = dump.Vocabulary * sizeof(T);
        int batchRows = (int)Math.Clamp(BatchBytes / rowBytes, 16, 1 << 16);
        var targets = new long[batchRows];
        var targetIds = new int[batchRows];
        var taskIds = new int[batchRows];
        var exampleIds = new long[batchRows];
        var statistics = new TokenStatistics[batchRows];
        long maxExample = -1;
        for (long row = 0; row < dump.Rows;)
        {
            (nint origin, int rows, int pitch) = dump.Run(row, batchRows);
            for (int i = 0; i < rows; i++)
            {
                long r = row + i;
                targets[i] = dump.Target(r);
                targetIds[i] = (int)Math.Clamp(targets[i], int.MinValue, int.MaxValue);
                long task = dump.TaskId(r);
                if (task < 0 || task >= aggregatorOptions.TaskNames.Count)
                {
                    throw new DumpFormatException($"{dump.File}: tensor 'task_ids', {dump.DescribeRow(r)}: task id {task} is outside the {aggregatorOptions.TaskNames.Count} task names.");
                }

                taskIds[i] = (int)task;
                long example = dump.ExampleId(r);
                maxExample = Math.Max(maxExample, example);
                exampleIds[i] = example + exampleOffset;
            }

            var logits = new ReadOnlySpan2D<T>((void*)origin, rows, dump.Vocabulary, pitch);
            Logits.Statistics(logits, targets.AsSpan(0, rows), statistics.AsSpan(0, rows), scoringOptions);
            try
            {
                aggregator.Add(statistics.AsSpan(0, rows), taskIds.AsSpan(0, rows), exampleIds.AsSpan(0, rows), targetIds.AsSpan(0, rows));
            }
            catch (ArgumentException error)
            {
                throw new DumpFormatException($"{dump.File}, rows {row}–{row + rows - 1}: {error.Message}", error);
            }

            if (tokenLosses is not null)
            {
                foreach (TokenStatistics token in statistics.AsSpan(0, rows))
                {
                    tokenLosses.Add(token.IsIgnored ? float.NaN : token.Loss);
                }
            }

            row += rows;
            doneRows += rows;
            doneBytes += (long)rows * rowBytes;
            progress.Report(doneBytes, totalBytes, doneRows, clock.Elapsed);
        }

        return maxExample + 1;
    }
}
