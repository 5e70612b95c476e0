using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using CommunityToolkit.HighPerformance;
using LossEngine.Cli;
using LossEngine.Formats;
using LossEngine.Synthetic;

namespace LossEngine.Benchmarks.EndToEnd;

/// <summary>
/// <c>endtoend [--file PATH] [--gib G] [--vocab V] [--threads 1,2] [--repeat R] [--reload]</c>: the tool's <c>score</c> command
/// on a float32 safetensors dump in the page cache, against the batch statistics kernel over the same memory-mapped
/// rows at the same thread count, measured alternately in one process so that the ratio survives a noisy machine.
/// The kernel is timed twice per repetition on a fresh mapping: the first pass pays for mapping the file's pages, as
/// the tool must; the second runs on pages already mapped, the kernel's best case. Writes the dump first when the file
/// does not exist (seeded f32 logits, labels, seven tasks, examples of 64 tokens).
/// </summary>
/// <remarks>
/// How the file got into the page cache matters on Linux: pages cached by a process writing the file sit in small
/// folios, which are mapped 4 KiB at a time on first touch (about 0.1 µs each); pages read from disk by readahead sit in
/// 2 MiB folios, which a mapping aligned to 2 MiB maps in one step. <c>--reload</c> evicts the file from the cache
/// (posix_fadvise DONTNEED) and reads it back, the state after an ordinary cold read; without it the cache is left
/// as it is, which for a file this benchmark has just written is the small-folio case.
/// </remarks>
internal static unsafe partial class EndToEndMode
{
    public static int Run(string[] args)
    {
        string file = Path.Combine(Path.GetTempPath(), "lossengine-endtoend.safetensors");
        double gib = 4;
        int vocab = 128256;
        int[] threadCounts = [1, Environment.ProcessorCount];
        int repeat = 3;
        bool reload = false;
        for (int i = 0; i < args.Length; i++)
        {
            string value = i + 1 < args.Length ? args[i + 1] : string.Empty;
            switch (args[i])
            {
                case "--file": file = value; i++; break;
                case "--gib": gib = double.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--vocab": vocab = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--threads": threadCounts = [.. value.Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture))]; i++; break;
                case "--repeat": repeat = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--reload": reload = true; break;
                default: Console.Error.WriteLine($"endtoend: unknown argument {args[i]}"); return 2;
            }
        }

        if (!File.Exists(file))
        {
            var writing = Stopwatch.StartNew();
            WriteDump(file, (long)(gib * (1L << 30)), vocab);
            Console.Error.WriteLine($"endtoend: wrote {file} ({new FileInfo(file).Length / 1e9:F2} GB) in {writing.Elapsed.TotalSeconds:F1} s");
        }

        if (reload)
        {
            Evict(file);
        }

        var warming = Stopwatch.StartNew();
        long fileBytes = ReadThrough(file);
        Console.Error.WriteLine($"endtoend: read {fileBytes / 1e9:F2} GB once to put it in the page cache ({fileBytes / warming.Elapsed.TotalSeconds / 1e9:F1} GB/s)");

        var results = new List<(int Threads, double Score, double Fresh, double Mapped)>();
        for (int r = 0; r < repeat; r++)
        {
            foreach (int threads in threadCounts)
            {
                (double score, long logitBytes) = TimeScore(file, threads);
                (double fresh, double mapped) = TimeKernel(file, threads);
                results.Add((threads, logitBytes / score, logitBytes / fresh, logitBytes / mapped));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{{\"threads\":{threads},\"logit_bytes\":{logitBytes},\"score_seconds\":{score:F3},\"score_gbps\":{logitBytes / score / 1e9:F2},\"kernel_fresh_gbps\":{logitBytes / fresh / 1e9:F2},\"kernel_mapped_gbps\":{logitBytes / mapped / 1e9:F2},\"ratio_to_fresh\":{fresh / score:F3},\"ratio_to_mapped\":{mapped / score:F3}}}"));
            }
        }

        Console.WriteLine();
        Console.WriteLine("| threads | score GB/s | kernel GB/s, first touch | kernel GB/s, mapped | score ÷ first touch | score ÷ mapped |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var group in results.GroupBy(r => r.Threads))
        {
            double Median(Func<(int Threads, double Score, double Fresh, double Mapped), double> pick)
            {
                double[] values = [.. group.Select(pick).Order()];
                return values[values.Length / 2];
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {group.Key} | {Median(r => r.Score) / 1e9:F1} | {Median(r => r.Fresh) / 1e9:F1} | {Median(r => r.Mapped) / 1e9:F1} | {Median(r => r.Score / r.Fresh):F2} | {Median(r => r.Score / r.Mapped):F2} |"));
        }

        Console.WriteLine($"(medians of {repeat} alternating runs; {Logits.VectorWidthInBits}-bit vectors; {Environment.ProcessorCount} cores)");
        return 0;
    }

    /// <summary>The whole <c>score</c> command in-process: open, validate, score, aggregate, format the report.</summary>
    private static (double Seconds, long LogitBytes) TimeScore(string file, int threads)
    {
        var clock = Stopwatch.StartNew();
        int exit = CliApplication.Run(["score", file, "--threads", threads.ToString(CultureInfo.InvariantCulture)], TextWriter.Null, TextWriter.Null);
        double seconds = clock.Elapsed.TotalSeconds;
        if (exit != 0)
        {
            throw new InvalidOperationException($"score exited with {exit} on {file}");
        }

        using EvalDump dump = EvalDump.OpenSafetensors(file);
        return (seconds, dump.LogitBytes);
    }

    /// <summary>The batch statistics kernel over every row of a fresh mapping: first pass, then a second pass.</summary>
    private static (double FirstTouch, double Mapped) TimeKernel(string file, int threads)
    {
        using EvalDump dump = EvalDump.OpenSafetensors(file);
        if (dump.LogitType != TensorDataType.Float32)
        {
            throw new InvalidOperationException($"{file}: the end-to-end benchmark expects float32 logits");
        }

        int rows = checked((int)dump.Rows);
        long[] targets = [.. Enumerable.Range(0, rows).Select(r => dump.Target(r))];
        var statistics = new TokenStatistics[rows];
        ReadOnlySpan2D<float> logits = dump.LogitView<float>(0, rows);
        var options = new ScoringOptions { MaxDegreeOfParallelism = threads };
        var clock = Stopwatch.StartNew();
        Logits.Statistics(logits, targets, statistics, options);
        double firstTouch = clock.Elapsed.TotalSeconds;
        clock.Restart();
        Logits.Statistics(logits, targets, statistics, options);
        return (firstTouch, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Drops the file's pages from the page cache (they are clean once written back), so the next read comes
    /// from disk through readahead.</summary>
    private static void Evict(string file)
    {
        if (!OperatingSystem.IsLinux())
        {
            Console.Error.WriteLine("endtoend: --reload works on Linux only; the page cache is left as it is");
            return;
        }

        using FileStream stream = new(file, FileMode.Open, FileAccess.Read);
        int fd = (int)stream.SafeFileHandle.DangerousGetHandle();
        if (FileDataSync(fd) != 0 || PosixFadvise(fd, 0, 0, PosixFadviseDontNeed) != 0)
        {
            Console.Error.WriteLine($"endtoend: could not evict {file} from the page cache; it is left as it is");
        }
    }

    private const int PosixFadviseDontNeed = 4;

    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int PosixFadvise(int fd, long offset, long length, int advice);

    [LibraryImport("libc", EntryPoint = "fdatasync")]
    private static partial int FileDataSync(int fd);

    /// <summary>Reads the file once with ordinary reads, as <c>cat</c> would, so it sits in the page cache.</summary>
    private static long ReadThrough(string file)
    {
        byte[] buffer = new byte[8 << 20];
        long total = 0;
        using FileStream stream = new(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            total += read;
        }

        return total;
    }

    /// <summary>Seeded f32 logits [N, V] with labels, seven tasks and examples of 64 tokens, streamed to disk.</summary>
    private static void WriteDump(string file, long logitBytes, int vocab)
    {
        const int tokensPerExample = 64;
        string[] taskNames = ["grammar", "lexical semantics", "world knowledge", "sentiment", "translation", "spatial reasoning", "arithmetic"];
        long rows = Math.Max(1, logitBytes / ((long)vocab * sizeof(float)));
        long[] labels = [.. Enumerable.Range(0, (int)rows).Select(r => (long)((r * 7919L) % vocab))];
        int[] taskIds = [.. Enumerable.Range(0, (int)rows).Select(r => r / tokensPerExample % taskNames.Length)];
        long[] exampleIds = [.. Enumerable.Range(0, (int)rows).Select(r => (long)(r / tokensPerExample))];
        void WriteLogits(Stream stream)
        {
            var noise = new SeededNoise(7);
            var row = new float[vocab];
            for (long r = 0; r < rows; r++)
            {
                for (int v = 0; v < vocab; v++)
                {
                    row[v] = noise.NextCentered() * 5.196f;
                }

                // The right token is favoured, more so for the "easier" tasks, so losses and accuracies vary by task.
                row[labels[r]] += 4f + (2f * taskIds[r]);
                stream.Write(MemoryMarshal.AsBytes(row.AsSpan()));
            }
        }

        SafetensorsFile.Write(file,
        [
            new TensorData("logits", TensorDataType.Float32, [rows, vocab], rows * vocab * sizeof(float), WriteLogits),
            new TensorData("labels", TensorDataType.Int64, [rows], rows * sizeof(long), stream => stream.Write(MemoryMarshal.AsBytes(labels.AsSpan()))),
            new TensorData("task_ids", TensorDataType.Int32, [rows], rows * sizeof(int), stream => stream.Write(MemoryMarshal.AsBytes(taskIds.AsSpan()))),
            new TensorData("example_ids", TensorDataType.Int64, [rows], rows * sizeof(long), stream => stream.Write(MemoryMarshal.AsBytes(exampleIds.AsSpan()))),
        ],
        new Dictionary<string, string> { ["task_names"] = JsonSerializer.Serialize(taskNames) });
    }
}
