using System.Runtime.InteropServices;
using System.Text.Json;
using LossEngine.Formats;

namespace LossEngine.Synthetic;

/// <summary>The safetensors layout shared by the synthetic dumps: bf16 logits [N, V], int64 labels, int32 task ids,
/// int64 example ids, and the task names in the metadata, as <c>lossengine score</c> reads a real dump.</summary>
internal static class SyntheticDumpFile
{
    public static void Write(string path, BFloat16[] logits, int vocabulary, long[] labels, int[] taskIds, long[] exampleIds, IReadOnlyList<string> taskNames)
    {
        int rows = labels.Length;
        string names = JsonSerializer.Serialize(taskNames.ToArray(), FormatsJsonContext.Default.StringArray);
        SafetensorsFile.Write(path,
        [
            TensorData.FromBytes("logits", TensorDataType.BFloat16, [rows, vocabulary], MemoryMarshal.AsBytes(logits.AsSpan()).ToArray()),
            TensorData.FromBytes("labels", TensorDataType.Int64, [rows], MemoryMarshal.AsBytes(labels.AsSpan()).ToArray()),
            TensorData.FromBytes("task_ids", TensorDataType.Int32, [rows], MemoryMarshal.AsBytes(taskIds.AsSpan()).ToArray()),
            TensorData.FromBytes("example_ids", TensorDataType.Int64, [rows], MemoryMarshal.AsBytes(exampleIds.AsSpan()).ToArray()),
        ],
        new Dictionary<string, string> { ["task_names"] = names });
    }
}
