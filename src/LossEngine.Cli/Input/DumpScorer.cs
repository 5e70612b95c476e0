using System.Diagnostics;
using System.Runtime.InteropServices;
using LossEngine.Aggregation;
using LossEngine.Formats;

namespace LossEngine.Cli.Input;

/// <summary>Streams every row of the dumps through the batch statistics kernel and into an aggregator.</summary>
internal static class DumpScorer
{
    /// <summary>Rows per batch: about 16 MiB of logits. Each batch is scored by one worker, so batches are small
    /// enough that the last ones do not leave a core idle for long, and large enough that handing them over is free.</summary>
    public const long DefaultBatchBytes = 16L << 20;

    public sealed record Result(LossAggregator Aggregator, long Bytes, long Rows, TimeSpan Elapsed);

    public static Result Score(IReadOnlyList<EvalDump> dumps, AggregatorOptions aggregatorOptions, ScoringOptions scoringOptions, Stream? tokenLosses, Progress progress, long batchBytes = DefaultBatchBytes)
    {
        var aggregator = new LossAggregator(aggregatorOptions);
        var clock = Stopwatch.StartNew();
        long exampleOffset = 0;
        long totalBytes = dumps.Sum(d => d.LogitBytes);
        long doneBytes = 0, doneRows = 0;
        foreach (EvalDump dump in dumps)
        {
            long examplesInDump = dump.LogitType switch
            {
                TensorDataType.Float32 => ScoreDump<float>(dump, aggregator, aggregatorOptions, scoringOptions, tokenLosses, exampleOffset, progress, totalBytes, ref doneBytes, ref doneRows, clock, batchBytes),
                TensorDataType.Float16 => ScoreDump<Half>(dump, aggregator, aggregatorOptions, scoringOptions, tokenLosses, exampleOffset, progress, totalBytes, ref doneBytes, ref doneRows, clock, batchBytes),
                _ => ScoreDump<BFloat16>(dump, aggregator, aggregatorOptions, scoringOptions, tokenLosses, exampleOffset, progress, totalBytes, ref doneBytes, ref doneRows, clock, batchBytes),
            };
            exampleOffset += examplesInDump;
        }

        progress.Finish();
        return new Result(aggregator, totalBytes, doneRows, clock.Elapsed);
    }

    private static unsafe long ScoreDump<T>(EvalDump dump, LossAggregator aggregator, AggregatorOptions aggregatorOptions, ScoringOptions scoringOptions, Stream? tokenLosses, long exampleOffset, Progress progress, long totalBytes, ref long doneBytes, ref long doneRows, Stopwatch clock, long batchBytes)
        where T : unmanaged
    {
        int rowBytes = dump.Vocabulary * sizeof(T);
        int batchRows = (int)Math.Clamp(batchBytes / rowBytes, 1, 1 << 16);
        long maxExample = -1;
        float[] lossBuffer = tokenLosses is null ? [] : new float[batchRows];
        int taskCount = aggregatorOptions.TaskNames.Count;
        ScoringOptions singleThreaded = scoringOptions with { MaxDegreeOfParallelism = 1 };
        using var pipeline = new BatchPipeline<ScoredBatch>(dump.Rows, batchRows, scoringOptions.MaxDegreeOfParallelism, (row, maxRows) => dump.Run(row, maxRows).Rows,
            () => new ScoredBatch(batchRows), (batch, firstRow, rows) => batch.Score<T>(dump, firstRow, rows, taskCount, exampleOffset, singleThreaded));
        while (pipeline.Next() is ({ } batch, long firstRow, int rows))
        {
            maxExample = Math.Max(maxExample, batch.MaxExample);
            try
            {
                aggregator.Add(batch.Statistics.AsSpan(0, rows), batch.TaskIds.AsSpan(0, rows), batch.ExampleIds.AsSpan(0, rows), batch.TargetIds.AsSpan(0, rows));
            }
            catch (ArgumentException error)
            {
                throw new DumpFormatException($"{dump.File}, rows {firstRow}–{firstRow + rows - 1}: {error.Message}", error);
            }

            if (tokenLosses is not null)
            {
                for (int i = 0; i < rows; i++)
                {
                    lossBuffer[i] = batch.Statistics[i].IsIgnored ? float.NaN : batch.Statistics[i].Loss;
                }

                tokenLosses.Write(MemoryMarshal.AsBytes(lossBuffer.AsSpan(0, rows)));
            }

            doneRows += rows;
            doneBytes += (long)rows * rowBytes;
            progress.Report(doneBytes, totalBytes, doneRows, clock.Elapsed);
        }

        return maxExample + 1;
    }
}
