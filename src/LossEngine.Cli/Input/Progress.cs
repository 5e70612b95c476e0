namespace LossEngine.Cli.Input;

/// <summary>A one-line progress bar with throughput and ETA on stderr, drawn only when stderr is a terminal.</summary>
internal sealed class Progress(TextWriter error, bool enabled)
{
    private TimeSpan _lastDrawn;
    private bool _drawn;

    public void Report(long doneBytes, long totalBytes, long rows, TimeSpan elapsed)
    {
        // At most five redraws a second; the first report always draws.
        if (!enabled || (_drawn && (elapsed - _lastDrawn).TotalMilliseconds < 200))
        {
            return;
        }

        _lastDrawn = elapsed;
        double fraction = totalBytes == 0 ? 1 : (double)doneBytes / totalBytes;
        double seconds = Math.Max(elapsed.TotalSeconds, 1e-9);
        double eta = fraction > 0 ? seconds * (1 - fraction) / fraction : double.NaN;
        int filled = (int)(fraction * 30);
        error.Write(FormattableString.Invariant(
            $"\r[{new string('#', filled)}{new string('.', 30 - filled)}] {fraction,6:P1}  {doneBytes / seconds / 1e9:F2} GB/s  {rows / seconds:N0} tokens/s  ETA {eta:F0}s "));
        _drawn = true;
    }

    public void Finish()
    {
        if (_drawn)
        {
            error.Write("\r" + new string(' ', 100) + "\r");
        }
    }
}
