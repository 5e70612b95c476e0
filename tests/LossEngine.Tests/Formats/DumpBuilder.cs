using System.Runtime.InteropServices;
using LossEngine.Formats;

namespace LossEngine.Tests.Formats;

/// <summary>Writes small dumps with the project's writers, into a per-test temporary folder.</summary>
public sealed class DumpBuilder : IDisposable
{
    public DumpBuilder() => Directory.CreateDirectory(Folder);

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "lossengine-tests", Guid.NewGuid().ToString("N"));

    public string PathOf(string name) => Path.Combine(Folder, name);

    public static byte[] Bytes<T>(T[] values)
        where T : unmanaged => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    /// <summary>Random logits [rows, vocab] (f32), labels, and task/example ids.</summary>
    public static (float[] Logits, long[] Labels, int[] Tasks, long[] Examples) Random(int rows, int vocab, int tasks, int seed)
    {
        var random = new Random(seed);
        float[] logits = [.. Enumerable.Range(0, rows * vocab).Select(_ => (float)((random.NextDouble() * 8) - 4))];
        long[] labels = [.. Enumerable.Range(0, rows).Select(_ => (long)random.Next(vocab))];
        int[] taskIds = [.. Enumerable.Range(0, rows).Select(r => r * tasks / rows)];
        // Four tokens per example; callers choose row counts so that tasks change only at example boundaries.
        long[] examples = [.. Enumerable.Range(0, rows).Select(r => (long)(r / 4))];
        return (logits, labels, taskIds, examples);
    }

    public string WriteSafetensors(string name, float[] logits, long[] labels, int[] tasks, long[] examples, int vocab, TensorDataType dtype = TensorDataType.Float32, string[]? taskNames = null)
    {
        int rows = labels.Length;
        byte[] logitBytes = dtype switch
        {
            TensorDataType.Float32 => Bytes(logits),
            TensorDataType.Float16 => Bytes(logits.Select(v => (Half)v).ToArray()),
            _ => Bytes(logits.Select(v => (BFloat16)v).ToArray()),
        };
        var metadata = taskNames is null ? null : new Dictionary<string, string> { ["task_names"] = System.Text.Json.JsonSerializer.Serialize(taskNames) };
        string path = PathOf(name);
        SafetensorsFile.Write(path,
        [
            ("logits", dtype, [rows, vocab], logitBytes),
            ("labels", TensorDataType.Int64, [rows], Bytes(labels)),
            ("task_ids", TensorDataType.Int32, [rows], Bytes(tasks)),
            ("example_ids", TensorDataType.Int64, [rows], Bytes(examples)),
        ], metadata);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
