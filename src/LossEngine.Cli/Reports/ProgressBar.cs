using LossEngine.Pipeline;

namespace LossEngine.Cli.Reports;

/// <summary>A one-line progress bar with throughput and ETA on stderr, drawn only when stderr is a terminal.</summary>
internal sealed class ProgressBar(TextWriter error, bool enabled) : IProgress<ScoringProgress>
{
    private TimeSpan _lastDrawn;
    private bool _drawn;

    public void Report(ScoringProgress value)
    {
        // At most five redraws a second; the first report always draws.
        if (!enabled || (_drawn && (value.Elapsed - _lastDrawn).TotalMilliseconds < 200))
        {
            return;
        }

        _lastDrawn = value.Elapsed;
        double fraction = value.Fraction;
        double seconds = Math.Max(value.Elapsed.TotalSeconds, 1e-9);
        double eta = fraction > 0 ? seconds * (1 - fraction) / fraction : double.NaN;
        int filled = (int)(Math.Clamp(fraction, 0, 1) * 30);
        error.Write(FormattableString.Invariant(
            $"\r[{new string('#', filled)}{new string('.', 30 - filled)}] {fraction,6:P1}  {value.Bytes / seconds / 1e9:F2} GB/s  {value.Rows / seconds:N0} tokens/s  ETA {eta:F0}s "));
        _drawn = true;
    }

    /// <summary>Clears the bar, if one was drawn.</summary>
    public void Finish()
    {
        if (_drawn)
        {
            error.Write("\r" + new string(' ', 100) + "\r");
        }
    }
}
