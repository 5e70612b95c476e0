using System.Runtime.ExceptionServices;

namespace LossEngine.Pipeline;

/// <summary>
/// Works through a dump's rows in batches on worker threads and hands the finished batches to the calling thread in
/// row order.
/// </summary>
/// <remarks>
/// Each worker takes the next run of rows as soon as a slot is free and fills a batch from it alone, so no thread ever
/// waits for another at a barrier: a core slowed by page faults or by a neighbour on a shared machine costs only its
/// own share. The calling thread consumes batch k (aggregates it) while the workers fill the batches after it. A fixed
/// ring of slots bounds memory; a worker waits only when it has run a whole ring ahead of the consumer. An exception
/// thrown while filling a batch is raised by <see cref="Next"/> when that batch's turn comes, so the first error in
/// row order is the one reported. With one thread nothing is started and each batch is filled inline.
/// <para>This is one of the library's two schedulers, and the reason there are two is what the caller holds. Here the
/// input is a stream larger than memory, consumed in order by a caller that cannot share its state (an aggregator):
/// batches must be handed over one by one in row order, through bounded buffers, while workers read ahead. The batch
/// kernels' <see cref="Scoring.RowBlockScheduler"/> instead splits rows the caller already holds into blocks whose results
/// land in the caller's own output span: a fork and join on the thread pool with no ordering, buffers or hand-over,
/// which costs microseconds per call where this pipeline starts dedicated threads.</para>
/// </remarks>
/// <typeparam name="TBatch">Reusable per-slot buffers.</typeparam>
internal sealed class BatchPipeline<TBatch> : IDisposable
    where TBatch : class
{
    /// <summary>Fills <paramref name="batch"/> from <paramref name="rows"/> rows starting at <paramref name="firstRow"/>.</summary>
    public delegate void Fill(TBatch batch, long firstRow, int rows);

    /// <summary>How many rows from <paramref name="row"/> (at most <paramref name="maxRows"/>, at least one) form one
    /// batch: a run that the kernels can take as one strided view.</summary>
    public delegate int RunLength(long row, int maxRows);

    private readonly long _totalRows;
    private readonly int _batchRows;
    private readonly RunLength _runLength;
    private readonly Fill _fill;
    private readonly TBatch[] _slots;
    private readonly (long FirstRow, int Rows, ExceptionDispatchInfo? Error, bool Ready)[] _state;
    private readonly Thread[] _workers;
    private readonly object _gate = new(); // a monitor, for Wait and PulseAll
    private long _claimed;      // batches handed out so far
    private long _claimedRows;  // the first row of the next batch to hand out
    private long _released;     // batches the calling thread has finished with
    private bool _outstanding;  // whether the calling thread holds a batch
    private bool _stopping;

    /// <param name="totalRows">Rows to work through, from row 0.</param>
    /// <param name="batchRows">The most rows per batch.</param>
    /// <param name="maxDegreeOfParallelism">As in <see cref="ScoringOptions.MaxDegreeOfParallelism"/>: −1 for every
    /// core, 1 to fill each batch inline on the calling thread.</param>
    /// <param name="runLength">How many rows from a row form one batch.</param>
    /// <param name="createBatch">Makes one slot's reusable buffers.</param>
    /// <param name="fill">Fills a batch; runs on a worker.</param>
    public BatchPipeline(long totalRows, int batchRows, int maxDegreeOfParallelism, RunLength runLength, Func<TBatch> createBatch, Fill fill)
    {
        int threads = maxDegreeOfParallelism > 0 ? maxDegreeOfParallelism : Environment.ProcessorCount;
        _totalRows = totalRows;
        _batchRows = batchRows;
        _runLength = runLength;
        _fill = fill;
        int workers = threads <= 1 ? 0 : (int)Math.Min(threads, (totalRows + batchRows - 1) / batchRows);
        _slots = [.. Enumerable.Range(0, Math.Max(1, 2 * workers)).Select(_ => createBatch())];
        _state = new (long, int, ExceptionDispatchInfo?, bool)[_slots.Length];
        _workers = [.. Enumerable.Range(0, workers).Select(i => new Thread(Work) { IsBackground = true, Name = $"lossengine batch {i}" })];
        foreach (Thread worker in _workers)
        {
            worker.Start();
        }
    }

    /// <summary>The next batch in row order with its first row and row count, or null after the last; the batch stays
    /// valid until the next call. Rethrows an exception that filling this batch raised.</summary>
    public (TBatch Batch, long FirstRow, int Rows)? Next()
    {
        lock (_gate)
        {
            if (_outstanding)
            {
                _state[_released % _slots.Length].Ready = false;
                _released++;
                _outstanding = false;
                Monitor.PulseAll(_gate);
            }
        }

        if (_workers.Length == 0 && ClaimAndFill() is false)
        {
            return null;
        }

        int slot;
        lock (_gate)
        {
            slot = (int)(_released % _slots.Length);
            while (!_state[slot].Ready)
            {
                if (_claimedRows >= _totalRows && _claimed == _released)
                {
                    return null;
                }

                Monitor.Wait(_gate);
            }

            _outstanding = true;
        }

        _state[slot].Error?.Throw();
        return (_slots[slot], _state[slot].FirstRow, _state[slot].Rows);
    }

    private void Work()
    {
        while (ClaimAndFill())
        {
        }
    }

    /// <summary>Claims the next run of rows, waits until its slot is free, fills it and marks it ready; false when
    /// every row has been claimed or the pipeline is stopping.</summary>
    private bool ClaimAndFill()
    {
        long index, firstRow;
        int rows;
        lock (_gate)
        {
            if (_stopping || _claimedRows >= _totalRows)
            {
                Monitor.PulseAll(_gate); // the calling thread may be waiting to learn that nothing more comes
                return false;
            }

            index = _claimed++;
            firstRow = _claimedRows;
            rows = _runLength(firstRow, (int)Math.Min(_batchRows, _totalRows - firstRow));
            _claimedRows += rows;
            while (index - _released >= _slots.Length && !_stopping)
            {
                Monitor.Wait(_gate);
            }

            if (_stopping)
            {
                return false;
            }
        }

        int slot = (int)(index % _slots.Length);
        ExceptionDispatchInfo? error = null;
        try
        {
            _fill(_slots[slot], firstRow, rows);
        }
        catch (Exception exception)
        {
            // Kept for the calling thread to raise in row order; an exception escaping a worker would end the process.
            error = ExceptionDispatchInfo.Capture(exception);
        }

        lock (_gate)
        {
            _state[slot] = (firstRow, rows, error, true);
            Monitor.PulseAll(_gate);
        }

        return true;
    }

    /// <summary>Stops the workers and waits for them, so that no thread reads a mapping after its dump is closed.</summary>
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
