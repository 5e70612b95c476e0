using LossEngine.Formats;

namespace LossEngine.Cli.Input;

/// <summary>
/// Scores a dump's rows in batches on worker threads and hands the batches to the calling thread in row order.
/// </summary>
/// <remarks>
/// Each worker takes the next batch as soon as it is free and scores it alone, so no thread ever waits for another at a
/// barrier: a core slowed by page faults or by a neighbour on a shared machine costs only its own share. The calling
/// thread aggregates batch k while the workers score the batches after it. A fixed ring of slots bounds memory; a
/// worker waits only when it has run a whole ring ahead of the aggregation. With one thread nothing is started and
/// each batch is scored inline, on the calling thread.
/// </remarks>
internal sealed class BatchPipeline<T> : IDisposable
    where T : unmanaged
{
    private readonly EvalDump _dump;
    private readonly int _batchRows;
    private readonly int _taskCount;
    private readonly long _exampleOffset;
    private readonly ScoringOptions _singleThreaded;
    private readonly ScoredBatch[] _slots;
    private readonly bool[] _ready;
    private readonly Thread[] _workers;
    private readonly object _gate = new(); // a monitor, for Wait and PulseAll
    private long _claimed;      // batches handed out so far
    private long _claimedRows;  // the first row of the next batch to hand out
    private long _released;     // batches the calling thread has finished with
    private bool _outstanding;  // whether the calling thread holds a batch
    private bool _stopping;

    public BatchPipeline(EvalDump dump, int batchRows, int threads, int taskCount, long exampleOffset, ScoringOptions scoringOptions)
    {
        _dump = dump;
        _batchRows = batchRows;
        _taskCount = taskCount;
        _exampleOffset = exampleOffset;
        _singleThreaded = scoringOptions with { MaxDegreeOfParallelism = 1 };
        int workers = threads <= 1 ? 0 : (int)Math.Min(threads, (dump.Rows + batchRows - 1) / batchRows);
        _slots = [.. Enumerable.Range(0, Math.Max(1, 2 * workers)).Select(_ => new ScoredBatch(batchRows))];
        _ready = new bool[_slots.Length];
        _workers = [.. Enumerable.Range(0, workers).Select(i => new Thread(Work) { IsBackground = true, Name = $"lossengine score {i}" })];
        foreach (Thread worker in _workers)
        {
            worker.Start();
        }
    }

    /// <summary>The next batch in row order, or null after the last; the batch stays valid until the next call.</summary>
    public ScoredBatch? Next()
    {
        lock (_gate)
        {
            if (_outstanding)
            {
                _ready[_released % _slots.Length] = false;
                _released++;
                _outstanding = false;
                Monitor.PulseAll(_gate);
            }
        }

        if (_workers.Length == 0)
        {
            ScoredBatch? inline = ClaimAndScore();
            _outstanding = inline is not null;
            return inline;
        }

        lock (_gate)
        {
            while (!_ready[_released % _slots.Length])
            {
                if (_claimedRows >= _dump.Rows && _claimed == _released)
                {
                    return null;
                }

                Monitor.Wait(_gate);
            }

            _outstanding = true;
            return _slots[_released % _slots.Length];
        }
    }

    private void Work()
    {
        while (ClaimAndScore() is not null)
        {
        }
    }

    /// <summary>Claims the next run of rows, waits until its slot is free, scores it and marks it ready; null when
    /// every row has been claimed or the pipeline is stopping.</summary>
    private ScoredBatch? ClaimAndScore()
    {
        long index, firstRow;
        nint origin;
        int rows, pitch;
        lock (_gate)
        {
            if (_stopping || _claimedRows >= _dump.Rows)
            {
                Monitor.PulseAll(_gate); // the calling thread may be waiting to learn that nothing more comes
                return null;
            }

            index = _claimed++;
            firstRow = _claimedRows;
            (origin, rows, pitch) = _dump.Run(firstRow, _batchRows);
            _claimedRows += rows;
            while (index - _released >= _slots.Length && !_stopping)
            {
                Monitor.Wait(_gate);
            }

            if (_stopping)
            {
                return null;
            }
        }

        ScoredBatch batch = _slots[index % _slots.Length];
        batch.Score<T>(_dump, firstRow, origin, rows, pitch, _taskCount, _exampleOffset, _singleThreaded);
        lock (_gate)
        {
            _ready[index % _slots.Length] = true;
            Monitor.PulseAll(_gate);
        }

        return batch;
    }

    /// <summary>Stops the workers and waits for them, so that no thread reads the mapping after the dump is closed.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }

        foreach (Thread worker in _workers)
        {
            worker.Join();
        }
    }
}
