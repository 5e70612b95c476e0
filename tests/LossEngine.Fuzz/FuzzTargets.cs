using System.Runtime.InteropServices;
using LossEngine.Aggregation;
using LossEngine.Formats;
using LossEngine.Kernels;
using LossEngine.Pipeline;
using LossEngine.Scaling;

namespace LossEngine.Fuzz;

/// <summary>
/// The fuzz targets: each reads one untrusted file through the library's public entry point, then uses what it read
/// (every tensor byte, every row accessor, the report and a JSON round trip), so that a parse that succeeds but
/// describes memory it does not own, or a state that cannot be reported, is found too. A target returns normally when
/// the input is accepted or is refused with the documented exception type of that entry point; any other exception,
/// a hang or a fault is a finding. The same code runs under afl-fuzz and in the corpus replay tests.
/// </summary>
public static class FuzzTargets
{
    /// <summary>The targets, by the name used on the command line and as the corpus folder under tests/fuzz/.</summary>
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("safetensors", ".safetensors", Safetensors),
        new("npy", ".npy", Npy),
        new("score-report", ".json", ScoreReport),
        new("compare-report", ".json", CompareReport),
        new("scaling-json", ".json", ScalingJson),
        new("tidy-csv", ".csv", TidyCsv),
        new("manifest", ".csv", Manifest),
        new("logits", ".bin", LogitRow),
    ];

    /// <summary>The target named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No target has that name.</exception>
    public static FuzzTarget Find(string name) =>
        All.FirstOrDefault(t => t.Name == name)
        ?? throw new ArgumentException($"no fuzz target '{name}'; the targets are {string.Join(", ", All.Select(t => t.Name))}.", nameof(name));

    /// <summary>Opens a safetensors dump and reads every tensor byte and every row's ids.</summary>
    private static FuzzOutcome Safetensors(string path)
    {
        try
        {
            using (SafetensorsFile file = SafetensorsFile.Open(path))
            {
                foreach (TensorView tensor in file.Tensors.Values)
                {
                    TouchEveryByte(tensor);
                }
            }

            using (EvalDump dump = EvalDump.OpenSafetensors(path))
            {
                ReadRows(dump);
            }
        }
        catch (DumpFormatException)
        {
            return FuzzOutcome.Refused;
        }

        // Shifted rows index the labels one further along; only [B, S, V] logits can be shifted.
        try
        {
            using EvalDump shifted = EvalDump.OpenSafetensors(path, new DumpOptions { Shift = true });
            ReadRows(shifted);
        }
        catch (DumpFormatException)
        {
        }

        return FuzzOutcome.Accepted;
    }

    /// <summary>Opens a .npy file as it is, and again with 2-byte data read as bf16, and reads every byte.</summary>
    private static FuzzOutcome Npy(string path)
    {
        try
        {
            using (NpyFile file = NpyFile.Open(path))
            {
                TouchEveryByte(file.Tensor);
            }

            return FuzzOutcome.Accepted;
        }
        catch (DumpFormatException)
        {
            // A 2-byte dtype is refused without a declared float type; read it as bf16 too, so its path is fuzzed.
            try
            {
                using NpyFile file = NpyFile.Open(path, TensorDataType.BFloat16);
                TouchEveryByte(file.Tensor);
            }
            catch (DumpFormatException)
            {
            }

            return FuzzOutcome.Refused;
        }
    }

    /// <summary>Merges a score report as the merge command does, reports it and checks that its state round-trips.</summary>
    private static FuzzOutcome ScoreReport(string path)
    {
        LossAggregator merged;
        try
        {
            _ = ShardReports.SchemaOf(path);
            merged = ShardReports.AppendScores([path]);
        }
        catch (DumpFormatException)
        {
            return FuzzOutcome.Refused;
        }

        _ = merged.Report();
        string json = merged.ToJson();
        RequireRoundTrip(json, LossAggregator.FromJson(json).ToJson(), path);
        _ = ReportJson.Write(merged.Report(), merged, [path]);
        return FuzzOutcome.Accepted;
    }

    /// <summary>Merges a comparison report as the merge command does, reports it and checks the state round-trips.</summary>
    private static FuzzOutcome CompareReport(string path)
    {
        ComparisonAggregator merged;
        try
        {
            merged = ShardReports.AppendComparisons([path]);
        }
        catch (DumpFormatException)
        {
            return FuzzOutcome.Refused;
        }

        _ = merged.Report();
        string json = merged.ToJson();
        RequireRoundTrip(json, ComparisonAggregator.FromJson(json).ToJson(), path);
        _ = ComparisonReportJson.Write(merged, [path], [path]);
        return FuzzOutcome.Accepted;
    }

    /// <summary>Reads a JSON input of the scaling analysis (a score report or lm-evaluation-harness results) as two
    /// models of a manifest, at two scales, so that a valid input gives series of two points and is accepted.</summary>
    private static FuzzOutcome ScalingJson(string path)
    {
        try
        {
            string folder = Path.GetDirectoryName(path)!;
            string twin = Path.Combine(folder, "twin" + Path.GetExtension(path));
            File.Copy(path, twin, overwrite: true);
            string manifestText = $"file,params\n{Path.GetFileName(path)},160M\n{Path.GetFileName(twin)},1.4B\n";
            ModelManifest manifest = ModelManifest.Parse(manifestText, Path.Combine(folder, "manifest.csv"));
            _ = ScalingInputs.Read([], manifest, new ScalingReadOptions());
            return FuzzOutcome.Accepted;
        }
        catch (ScalingInputException)
        {
            return FuzzOutcome.Refused;
        }
    }

    /// <summary>Reads a tidy CSV of the scaling analysis into series.</summary>
    private static FuzzOutcome TidyCsv(string path)
    {
        try
        {
            _ = ScalingInputs.Read([path], null, new ScalingReadOptions());
            return FuzzOutcome.Accepted;
        }
        catch (ScalingInputException)
        {
            return FuzzOutcome.Refused;
        }
    }

    /// <summary>Reads a model manifest (CSV or JSON, chosen by its first character) and looks up every entry.</summary>
    private static FuzzOutcome Manifest(string path)
    {
        try
        {
            ModelManifest manifest = ModelManifest.Read(path);
            foreach (ModelEntry entry in manifest.Entries)
            {
                _ = entry.File.Length + entry.Model.Length;
            }

            return FuzzOutcome.Accepted;
        }
        catch (ScalingInputException)
        {
            return FuzzOutcome.Refused;
        }
    }

    /// <summary>Runs one row of logits of any bits through the row kernels: byte 0 picks the element type (f32, bf16 or
    /// fp16, modulo 3), bytes 1–2 the target (little-endian, modulo the row's length), and the rest is the row. Every
    /// kernel must return (a hang is a finding), and on a row of finite values the log-sum-exp must lie between the
    /// maximum and the maximum plus ln V, and the statistics' argmax must be the first index of the maximum. An input
    /// without a whole element is an empty row, which log-sum-exp refuses with its documented ArgumentException.</summary>
    private static FuzzOutcome LogitRow(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 3)
        {
            return RunRow(ReadOnlySpan<float>.Empty, 0, path);
        }

        int target = bytes[1] | (bytes[2] << 8);
        ReadOnlySpan<byte> data = bytes.AsSpan(3);
        return (bytes[0] % 3) switch
        {
            0 => RunRow(MemoryMarshal.Cast<byte, float>(data), target, path),
            1 => RunRow(MemoryMarshal.Cast<byte, BFloat16>(data), target, path),
            _ => RunRow(MemoryMarshal.Cast<byte, Half>(data), target, path),
        };
    }

    private static FuzzOutcome RunRow<T>(ReadOnlySpan<T> row, int target, string path)
        where T : unmanaged
    {
        float logSumExp;
        try
        {
            logSumExp = Logits.LogSumExp(row);
        }
        catch (ArgumentException) when (row.IsEmpty)
        {
            return FuzzOutcome.Refused;
        }

        target %= row.Length;
        float loss = Logits.CrossEntropy(row, target);
        TokenStatistics statistics = Logits.Statistics(row, target);
        T[] reversed = row.ToArray();
        Array.Reverse(reversed);
        ComparisonStatistics comparison = Logits.Compare(row, reversed, target);
        GC.KeepAlive(loss + comparison.KlDivergence);

        float max = float.NegativeInfinity;
        int first = -1;
        for (int i = 0; i < row.Length; i++)
        {
            float value = ElementConversion.ToSingle(row[i]);
            if (!float.IsFinite(value))
            {
                return FuzzOutcome.Accepted;
            }

            if (value > max)
            {
                (max, first) = (value, i);
            }
        }

        // The kernels' error is far below these margins; a wrong maximum or a lost term is far outside them.
        double upper = max + Math.Log(row.Length);
        double slack = 1e-5 * Math.Max(1, Math.Abs(max));
        if (!(logSumExp >= max - slack && logSumExp <= upper + slack))
        {
            throw new InvalidOperationException($"{path}: log-sum-exp {logSumExp:R} outside [{max:R}, {upper:R}] for a row of {row.Length} finite {typeof(T).Name} values");
        }

        if (statistics.ArgMax != first)
        {
            throw new InvalidOperationException($"{path}: argmax {statistics.ArgMax}, first index of the maximum {first}, in a row of {row.Length} finite {typeof(T).Name} values");
        }

        return FuzzOutcome.Accepted;
    }

    /// <summary>Reads every byte a tensor view claims, so a view past the mapping faults here.</summary>
    private static unsafe void TouchEveryByte(TensorView tensor)
    {
        byte* data = tensor.Data;
        int sum = 0;
        for (long i = 0; i < tensor.ByteLength; i++)
        {
            sum += data[i];
        }

        GC.KeepAlive(sum);
    }

    /// <summary>Reads the ids and logits of the first rows through the public row accessors.</summary>
    private static void ReadRows(EvalDump dump)
    {
        long rows = Math.Min(dump.Rows, 64);
        for (long row = 0; row < rows; row += dump.RunLength(row, 64))
        {
            _ = dump.Target(row) + dump.TaskId(row) + dump.ExampleId(row) + dump.ByteLength(row);
            _ = dump.DescribeRow(row);
            int run = dump.RunLength(row, 64);
            float first = dump.LogitType switch
            {
                TensorDataType.Float32 => dump.LogitView<float>(row, run)[run - 1, dump.Vocabulary - 1],
                TensorDataType.Float16 => (float)dump.LogitView<Half>(row, run)[run - 1, dump.Vocabulary - 1],
                _ => (float)dump.LogitView<BFloat16>(row, run)[run - 1, dump.Vocabulary - 1],
            };
            GC.KeepAlive(first);
        }

        dump.CheckFilesUnchanged();
    }

    /// <summary>A state read back must write the same JSON: anything else means the reader kept something the writer
    /// cannot express, which a later merge would lose.</summary>
    private static void RequireRoundTrip(string written, string rewritten, string path)
    {
        if (written != rewritten)
        {
            throw new InvalidOperationException($"{path}: the state read back writes different JSON.\nfirst:  {written}\nsecond: {rewritten}");
        }
    }
}

/// <summary>What a target did with an input.</summary>
public enum FuzzOutcome
{
    /// <summary>The input was read and used.</summary>
    Accepted,

    /// <summary>The input was refused with the entry point's documented exception.</summary>
    Refused,
}

/// <summary>A fuzz target: its name, the file extension its input is written with (some readers choose the format by
/// it), and the code that reads a file.</summary>
/// <param name="Name">The name on the command line and the corpus folder.</param>
/// <param name="Extension">The extension of the file the input is written to.</param>
/// <param name="Read">Reads the file; throws only on a finding.</param>
public sealed record FuzzTarget(string Name, string Extension, Func<string, FuzzOutcome> Read);
