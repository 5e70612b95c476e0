using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using CommunityToolkit.HighPerformance;
using LossEngine.Formats;

namespace LossEngine.Benchmarks.Quick;

/// <summary>
/// <c>quick [--threads N] [--vocab V] [--dtype f32|bf16|f16] [--kernel NAME] [--buffer-mib M] [--rows R] [--seconds S] [--offset-bytes B] [--masked] [--stack-sweep] [--versus-vocab V2] [--smoke]</c>:
/// one JSON line per kernel with its throughput, the read ceiling measured just before on the same buffers, and the
/// kernel's max error against float64 on a sample of rows. Kernels: lse, cross_entropy, statistics, tensorprimitives
/// (f32), naive (scalar double), c_peer (f32, when bench/native is built), compare (the fused KL of each row against a
/// row of another buffer; GB/s counts both rows). The buffers start on a 64-byte boundary, or B bytes past one.
/// <c>--masked</c> puts a −∞ in every row (lse and compare call the single-row API a row at a time; cross_entropy and
/// statistics the batch API).
/// <c>--stack-sweep</c> instead runs each kernel on one thread from frames moved down the stack 16 bytes at a time over
/// more than a page, and reports the spread of its rate (<see cref="StackSweep"/>).
/// <c>--versus-vocab V2</c> instead measures the per-row cost: rows of V and of V2 alternate in one process
/// (<see cref="RowCost"/>).
/// </summary>
internal static unsafe class QuickMode
{
    private static readonly string[] AllKernels = ["lse", "cross_entropy", "statistics", "compare", "tensorprimitives", "naive", "c_peer"];

    public static int Run(string[] args)
    {
        int threads = Environment.ProcessorCount;
        int vocab = 128256;
        string dtype = "f32";
        string? kernel = null;
        long bufferMib = 1024;
        double seconds = 3;
        int? rows = null;
        int offsetBytes = 0;
        bool stackSweep = false;
        bool masked = false;
        int? versusVocab = null;
        for (int i = 0; i < args.Length; i++)
        {
            string value = i + 1 < args.Length ? args[i + 1] : string.Empty;
            switch (args[i])
            {
                case "--threads": threads = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--vocab": vocab = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--dtype": dtype = value; i++; break;
                case "--kernel": kernel = value; i++; break;
                case "--buffer-mib": bufferMib = long.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--rows": rows = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--offset-bytes": offsetBytes = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--seconds": seconds = double.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--stack-sweep": stackSweep = true; break;
                case "--masked": masked = true; break;
                case "--versus-vocab": versusVocab = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--smoke": bufferMib = 4; seconds = 0; vocab = Math.Min(vocab, 4099); break;
                default: Console.Error.WriteLine($"quick: unknown argument {args[i]}"); return 2;
            }
        }

        if (dtype is not ("f32" or "f16" or "bf16") || threads < 1 || vocab < 1 || versusVocab < 1 || offsetBytes is < 0 or > 63)
        {
            Console.Error.WriteLine("quick: --dtype f32|bf16|f16, --threads ≥ 1, --vocab ≥ 1, --versus-vocab ≥ 1, --offset-bytes 0 to 63");
            return 2;
        }

        if (versusVocab is int otherVocab)
        {
            if (kernel is null or "tensorprimitives" or "naive" or "c_peer" || stackSweep || masked)
            {
                Console.Error.WriteLine("quick: --versus-vocab takes one --kernel of lse, cross_entropy, statistics or compare, without --stack-sweep or --masked");
                return 2;
            }

            Console.WriteLine(RowCost.Measure(dtype, kernel, vocab, otherVocab, threads, bufferMib << 20, rows, offsetBytes, Math.Max(seconds, 0.2)));
            return 0;
        }

        using var buffers = new LogitBuffers(dtype, vocab, bufferMib << 20, rows, offsetBytes: offsetBytes, masked: masked);
        foreach (string name in kernel is null ? AllKernels : [kernel])
        {
            if ((name is "tensorprimitives" or "c_peer") && dtype != "f32")
            {
                continue;
            }

            if (name == "c_peer" && !NativePeer.IsAvailable)
            {
                Console.Error.WriteLine("quick: c_peer skipped: build bench/native first (cmake -S bench/native -B bench/native/build && cmake --build bench/native/build)");
                continue;
            }

            if (stackSweep)
            {
                Console.WriteLine(StackSweep(buffers, name, Math.Max(seconds, 0.01)));
                continue;
            }

            double ceiling = Measure(buffers, "ceiling", threads, seconds);
            double rate = Measure(buffers, name, threads, name == "naive" ? Math.Min(seconds, 2) : seconds);
            double error = MaxError(buffers, name);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"kernel\":\"{name}\",\"dtype\":\"{dtype}\",\"vocab\":{vocab},\"rows\":{buffers.Rows},\"threads\":{threads},\"gbps\":{rate / 1e9:F3},\"gelems\":{rate / buffers.ElementSize / 1e9:F3},\"ceiling_gbps\":{ceiling / 1e9:F3},\"ratio_to_ceiling\":{rate / ceiling:F3},\"max_abs_error\":{error:E2},\"simd_bits\":{Logits.VectorWidthInBits}{(offsetBytes == 0 ? string.Empty : $",\"offset_bytes\":{offsetBytes}")}{(masked ? ",\"masked\":true" : string.Empty)}}}"));
        }

        return 0;
    }

    /// <summary>Bytes per second: whole passes over every row until the time is spent (at least one), median pass.</summary>
    private static double Measure(LogitBuffers buffers, string kernel, int threads, double seconds)
    {
        var passes = new List<double>();
        var total = Stopwatch.StartNew();
        int rowsPerPass = kernel == "naive" ? Math.Min(buffers.Rows, Math.Max(threads, 64)) : buffers.Rows;
        Pass(buffers, kernel, threads, Math.Min(rowsPerPass, 4 * threads)); // warm-up: JIT and page mapping of code
        do
        {
            var clock = Stopwatch.StartNew();
            Pass(buffers, kernel, threads, rowsPerPass);
            int rowsRead = kernel == "compare" ? 2 : 1;
            passes.Add((double)rowsPerPass * rowsRead * buffers.Vocabulary * buffers.ElementSize / clock.Elapsed.TotalSeconds);
        }
        while (total.Elapsed.TotalSeconds < seconds || passes.Count < 3);

        passes.Sort();
        return passes[passes.Count / 2];
    }

    private static double s_sink;

    /// <summary>
    /// One thread runs the kernel over the first rows (at most 8) from frames moved down the stack by 0 to 4400 bytes, 16
    /// at a time: every alignment of the kernel's frames to cache lines and to a page boundary. Where a thread's stack
    /// stands must not decide a kernel's speed; the line gives the slowest, median and fastest rate, and the shift of the
    /// slowest. <paramref name="seconds"/> is the time at each shift in each of two sweeps.
    /// </summary>
    private static string StackSweep(LogitBuffers buffers, string kernel, double seconds)
    {
        int rows = Math.Min(buffers.Rows, 8);
        int rowsRead = kernel == "compare" ? 2 : 1;
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed.TotalSeconds < 1)
        {
            s_sink += RunRows(buffers, kernel, 0, rows);
        }

        // Two sweeps, each shift's faster one kept: the machine's noise only ever slows a measurement, and it seldom
        // hits the same shift twice.
        const int shiftStep = 16, lastShift = 4400;
        double[] best = new double[(lastShift / shiftStep) + 1];
        for (int sweep = 0; sweep < 2; sweep++)
        {
            for (int index = 0; index < best.Length; index++)
            {
                var clock = Stopwatch.StartNew();
                long elements = 0;
                do
                {
                    s_sink += RunRowsBelow(index * shiftStep, buffers, kernel, rows);
                    elements += (long)rows * rowsRead * buffers.Vocabulary;
                }
                while (clock.Elapsed.TotalSeconds < seconds);
                best[index] = Math.Max(best[index], elements / clock.Elapsed.TotalSeconds);
            }
        }

        var rates = best.Select((rate, index) => (Shift: index * shiftStep, Rate: rate)).ToList();
        rates.Sort((x, y) => x.Rate.CompareTo(y.Rate));
        return string.Create(CultureInfo.InvariantCulture,
            $"{{\"kernel\":\"{kernel}\",\"dtype\":\"{buffers.DataType}\",\"vocab\":{buffers.Vocabulary},\"rows\":{rows},\"threads\":1,\"stack_shifts\":{rates.Count},\"gelems_slowest\":{rates[0].Rate / 1e9:F3},\"gelems_median\":{rates[rates.Count / 2].Rate / 1e9:F3},\"gelems_fastest\":{rates[^1].Rate / 1e9:F3},\"slowest_shift_bytes\":{rates[0].Shift},\"simd_bits\":{Logits.VectorWidthInBits}}}");
    }

    /// <summary>The rows, run from a frame <paramref name="shift"/> bytes further down the stack.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    [SkipLocalsInit]
    private static double RunRowsBelow(int shift, LogitBuffers buffers, string kernel, int rows)
    {
        byte* pad = stackalloc byte[shift + 16];
        pad[0] = 0;
        return RunRows(buffers, kernel, 0, rows) + pad[0];
    }

    /// <summary>The first <paramref name="rows"/> rows on <paramref name="threads"/> threads, each a contiguous range.</summary>
    internal static void Pass(LogitBuffers buffers, string kernel, int threads, int rows)
    {
        int perThread = (rows + threads - 1) / threads;
        double[] sinks = new double[threads];
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            int start = t * perThread, end = Math.Min(rows, start + perThread);
            sinks[t] = RunRows(buffers, kernel, start, end);
        });
        s_sink += sinks.Sum();
    }

    /// <summary>Each thread runs a contiguous row range on its own; the batch kernels are called single-threaded per
    /// range so that every kernel sees the same partitioning.</summary>
    private static double RunRows(LogitBuffers buffers, string kernel, int start, int end)
    {
        if (start >= end)
        {
            return 0;
        }

        return TensorDataTypes.Dispatch<RowRange, double>(buffers.ElementType, new RowRange(buffers, kernel, start, end));
    }

    /// <summary>One thread's rows, run with the buffers' element type.</summary>
    private readonly struct RowRange(LogitBuffers buffers, string kernel, int start, int end) : ILogitTypeAction<double>
    {
        public double Invoke<T>()
            where T : unmanaged => RunRows<T>(buffers, kernel, start, end);
    }

    /// <summary>The KL of a row against its candidate row, or the loss of its target, with the buffers' element type.</summary>
    private readonly unsafe struct RowCheck(LogitBuffers buffers, int row, bool compare) : ILogitTypeAction<double>
    {
        public double Invoke<T>()
            where T : unmanaged => compare
            ? Logits.Compare(new ReadOnlySpan<T>(buffers.Row(row), buffers.Vocabulary), new ReadOnlySpan<T>(buffers.Row(CandidateRow(buffers, row)), buffers.Vocabulary), 0).KlDivergence
            : Logits.CrossEntropy(new ReadOnlySpan<T>(buffers.Row(row), buffers.Vocabulary), (int)buffers.Targets[row]);
    }

    private static double RunRows<T>(LogitBuffers buffers, string kernel, int start, int end)
        where T : unmanaged
    {
        int vocab = buffers.Vocabulary;
        double sink = 0;
        var single = new ScoringOptions { MaxDegreeOfParallelism = 1 };
        var singleCe = new CrossEntropyOptions { MaxDegreeOfParallelism = 1, Reduction = Reduction.None };
        float[]? scratch = kernel == "tensorprimitives" ? new float[vocab] : null;
        int row = start;
        while (row < end)
        {
            // Batch kernels get the longest run of rows inside one buffer.
            int inBuffer = buffers.RowsPerBuffer - (row % buffers.RowsPerBuffer);
            int count = Math.Min(end - row, inBuffer);
            void* origin = buffers.Row(row);
            switch (kernel)
            {
                case "ceiling":
                    sink += ReadCeiling((byte*)origin, (long)count * vocab * sizeof(T));
                    break;
                case "lse":
                    for (int r = 0; r < count; r++)
                    {
                        sink += Logits.LogSumExp(new ReadOnlySpan<T>((T*)origin + ((long)r * vocab), vocab));
                    }

                    break;
                case "cross_entropy":
                {
                    var losses = new float[count];
                    Logits.CrossEntropy(new ReadOnlySpan2D<T>(origin, count, vocab, 0), buffers.Targets.AsSpan(row, count), losses, singleCe);
                    sink += losses[0];
                    break;
                }

                case "statistics":
                {
                    var stats = new TokenStatistics[count];
                    Logits.Statistics(new ReadOnlySpan2D<T>(origin, count, vocab, 0), buffers.Targets.AsSpan(row, count), stats, single);
                    sink += stats[0].Entropy;
                    break;
                }

                case "compare":
                    for (int r = 0; r < count; r++)
                    {
                        var reference = new ReadOnlySpan<T>((T*)origin + ((long)r * vocab), vocab);
                        var candidate = new ReadOnlySpan<T>(buffers.Row(CandidateRow(buffers, row + r)), vocab);
                        sink += Logits.Compare(reference, candidate, (int)buffers.Targets[row + r]).KlDivergence;
                    }

                    break;
                case "tensorprimitives":
                    for (int r = 0; r < count; r++)
                    {
                        var x = new ReadOnlySpan<float>((float*)origin + ((long)r * vocab), vocab);
                        float max = TensorPrimitives.Max(x);
                        TensorPrimitives.Subtract(x, max, scratch);
                        TensorPrimitives.Exp(scratch, scratch);
                        sink += max + MathF.Log(TensorPrimitives.Sum<float>(scratch!));
                    }

                    break;
                case "naive":
                    for (int r = 0; r < count; r++)
                    {
                        sink += NaiveLogSumExp(buffers, row + r);
                    }

                    break;
                case "c_peer":
                    for (int r = 0; r < count; r++)
                    {
                        sink += NativePeer.LseNll((float*)origin + ((long)r * vocab), vocab, buffers.Targets[row + r], out _);
                    }

                    break;
                default:
                    throw new ArgumentException($"unknown kernel '{kernel}'; one of {string.Join(", ", AllKernels)}");
            }

            row += count;
        }

        return sink;
    }

    /// <summary>The candidate row compared with a row: the same position in the next buffer (other data, also streamed).</summary>
    private static int CandidateRow(LogitBuffers buffers, int row) => (row + buffers.RowsPerBuffer) % buffers.Rows;

    /// <summary>KL(softmax(a) ‖ softmax(b)) in double, for the compare kernel's error.</summary>
    private static double NaiveKlDivergence(LogitBuffers buffers, int row)
    {
        int other = CandidateRow(buffers, row);
        double lseA = NaiveLogSumExp(buffers, row), lseB = NaiveLogSumExp(buffers, other), kl = 0;
        for (int v = 0; v < buffers.Vocabulary; v++)
        {
            double logP = buffers.Widened(row, v) - lseA;
            kl += Math.Exp(logP) * (logP - (buffers.Widened(other, v) - lseB));
        }

        return kl;
    }

    /// <summary>The bandwidth ceiling: a 4-accumulator vector sum that only reads the same bytes.</summary>
    private static double ReadCeiling(byte* data, long bytes)
    {
        Vector512<float> a = default, b = default, c = default, d = default;
        long i = 0;
        for (; i + 256 <= bytes; i += 256)
        {
            a += Vector512.Load((float*)(data + i));
            b += Vector512.Load((float*)(data + i + 64));
            c += Vector512.Load((float*)(data + i + 128));
            d += Vector512.Load((float*)(data + i + 192));
        }

        return Vector512.Sum(a + b + c + d);
    }

    private static double NaiveLogSumExp(LogitBuffers buffers, int row)
    {
        double max = double.NegativeInfinity, sum = 0;
        for (int v = 0; v < buffers.Vocabulary; v++)
        {
            max = Math.Max(max, buffers.Widened(row, v));
        }

        for (int v = 0; v < buffers.Vocabulary; v++)
        {
            sum += Math.Exp(buffers.Widened(row, v) - max);
        }

        return max + Math.Log(sum);
    }

    /// <summary>Max |LSE (or the LSE implied by the loss) − float64 reference| over a sample of rows.</summary>
    private static double MaxError(LogitBuffers buffers, string kernel)
    {
        double worst = 0;
        int sample = Math.Min(buffers.Rows, 24);
        for (int i = 0; i < sample; i++)
        {
            int row = (int)((long)i * buffers.Rows / sample);
            if (kernel == "compare")
            {
                double kl = TensorDataTypes.Dispatch<RowCheck, double>(buffers.ElementType, new RowCheck(buffers, row, compare: true));
                worst = Math.Max(worst, Math.Abs(kl - NaiveKlDivergence(buffers, row)));
                continue;
            }

            double reference = NaiveLogSumExp(buffers, row);
            double target = buffers.Widened(row, (int)buffers.Targets[row]);
            double value = kernel switch
            {
                "naive" => reference,
                "c_peer" => NativePeer.LseNll((float*)buffers.Row(row), buffers.Vocabulary, buffers.Targets[row], out _) + target,
                "tensorprimitives" => TensorPrimitivesLse(buffers, row),
                _ => TensorDataTypes.Dispatch<RowCheck, double>(buffers.ElementType, new RowCheck(buffers, row, compare: false)) + target,
            };
            worst = Math.Max(worst, Math.Abs(value - reference));
        }

        return worst;
    }

    private static double TensorPrimitivesLse(LogitBuffers buffers, int row)
    {
        var x = new ReadOnlySpan<float>(buffers.Row(row), buffers.Vocabulary);
        var scratch = new float[buffers.Vocabulary];
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, scratch);
        TensorPrimitives.Exp(scratch, scratch);
        return max + MathF.Log(TensorPrimitives.Sum<float>(scratch));
    }
}
