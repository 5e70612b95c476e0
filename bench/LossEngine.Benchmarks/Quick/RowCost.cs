using System.Diagnostics;
using System.Globalization;

namespace LossEngine.Benchmarks.Quick;

/// <summary>
/// The per-row cost of a kernel (dispatch, the row's setup and finish, the records of its first vectors), as the rate
/// on rows of one length against the rate on rows of another. Rows of both lengths are measured in one process in
/// alternating slices of at least <see cref="SliceSeconds"/>, and each slice of the second length is set against the
/// mean of the slices of the first before and after it: the hosts these run on drift by tens of percent between runs
/// and within one, which separate runs at each length cannot resolve to the 5 % the per-row cost is held to.
/// </summary>
internal static class RowCost
{
    /// <summary>Long enough for a stopwatch and to amortize the slice's first row; short against the host's drift.</summary>
    private const double SliceSeconds = 0.02;

    /// <summary>One JSON line: both lengths' element rates (medians of their slices) and the median ratio of the second's
    /// rate to the first's over the rounds. With <paramref name="rows"/>, each buffer holds about as many bytes as that
    /// many rows of <paramref name="vocab"/> (cache-resident); without it, <paramref name="totalBytes"/> each (streamed).</summary>
    public static string Measure(string dtype, string kernel, int vocab, int versusVocab, int threads, long totalBytes, int? rows, int offsetBytes, double seconds)
    {
        // In cache the second buffer holds at least as many bytes as the first, in a whole number of rows for each thread:
        // with an odd number of rows on two threads one thread takes a row more, and the slice waits for it.
        int? versusRows = rows is int r ? RoundUpToMultiple((int)Math.Max(1, (((long)r * vocab) + versusVocab - 1) / versusVocab), threads) : null;
        using var first = new LogitBuffers(dtype, vocab, totalBytes, rows, offsetBytes: offsetBytes);
        using var second = new LogitBuffers(dtype, versusVocab, totalBytes, versusRows, offsetBytes: offsetBytes);
        foreach (LogitBuffers b in (LogitBuffers[])[first, second])
        {
            QuickMode.Pass(b, kernel, threads, Math.Min(b.Rows, 4 * threads)); // warm-up: JIT and page mapping of code
        }

        var firstRates = new List<double>();
        var secondRates = new List<double>();
        var total = Stopwatch.StartNew();
        while (total.Elapsed.TotalSeconds < seconds || secondRates.Count < 3)
        {
            firstRates.Add(Slice(first, kernel, threads));
            secondRates.Add(Slice(second, kernel, threads));
        }

        firstRates.Add(Slice(first, kernel, threads));
        var ratios = secondRates.Select((rate, i) => rate / ((firstRates[i] + firstRates[i + 1]) / 2)).ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"{{\"kernel\":\"{kernel}\",\"dtype\":\"{dtype}\",\"vocab\":{vocab},\"versus_vocab\":{versusVocab},\"rows\":{first.Rows},\"versus_rows\":{second.Rows},\"threads\":{threads},\"residency\":\"{(rows is null ? "streamed" : "cached")}\",\"gelems\":{Median(firstRates) / first.ElementSize / 1e9:F3},\"versus_gelems\":{Median(secondRates) / second.ElementSize / 1e9:F3},\"rate_ratio\":{Median(ratios):F3},\"rate_ratio_p25\":{Quantile(ratios, 0.25):F3},\"rate_ratio_p75\":{Quantile(ratios, 0.75):F3},\"rounds\":{ratios.Count},\"simd_bits\":{Logits.VectorWidthInBits}}}");
    }

    /// <summary>Bytes per second over whole passes of every row, until the slice's time is spent.</summary>
    private static double Slice(LogitBuffers buffers, string kernel, int threads)
    {
        int rowsRead = kernel == "compare" ? 2 : 1;
        long bytes = 0;
        var clock = Stopwatch.StartNew();
        do
        {
            QuickMode.Pass(buffers, kernel, threads, buffers.Rows);
            bytes += buffers.Bytes * rowsRead;
        }
        while (clock.Elapsed.TotalSeconds < SliceSeconds);
        return bytes / clock.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values) => Quantile(values, 0.5);

    private static double Quantile(List<double> values, double q)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Round(q * (sorted.Count - 1))];
    }

    private static int RoundUpToMultiple(int value, int factor) => (value + factor - 1) / factor * factor;
}
