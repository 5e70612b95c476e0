using System.Runtime.InteropServices;
using LossEngine.Formats;
using LossEngine.Synthetic;

namespace LossEngine.Benchmarks.Quick;

/// <summary>
/// Seeded logits in 64-byte-aligned native buffers, large enough (512 MiB and more in all) that rows stream from DRAM
/// rather than the 260 MiB L3. Each buffer holds whole rows.
/// </summary>
internal sealed unsafe class LogitBuffers : IDisposable
{
    private const long BufferBytes = 128L << 20;

    /// <param name="rows">When given, exactly this many rows in one buffer (for cache-resident measurements).</param>
    /// <param name="offsetBytes">Where each buffer's first row starts past a 64-byte boundary (0 to 63; numpy's large
    /// arrays start 16 bytes past one).</param>
    /// <param name="masked">Every row holds one −∞, just after its target (a vocabulary mask).</param>
    public LogitBuffers(string dtype, int vocab, long totalBytes, int? rows = null, int seed = 1234, int offsetBytes = 0, bool masked = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offsetBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offsetBytes, 63);
        OffsetBytes = offsetBytes;
        ElementSize = dtype == "f32" ? 4 : 2;
        DataType = dtype;
        ElementType = dtype switch { "f32" => TensorDataType.Float32, "f16" => TensorDataType.Float16, _ => TensorDataType.BFloat16 };
        Vocabulary = vocab;
        RowsPerBuffer = rows ?? (int)Math.Max(1, BufferBytes / ((long)vocab * ElementSize));
        int buffers = rows is null ? (int)Math.Max(1, totalBytes / ((long)RowsPerBuffer * vocab * ElementSize)) : 1;
        var noise = new SeededNoise(seed);
        for (int b = 0; b < buffers; b++)
        {
            long elements = (long)RowsPerBuffer * vocab;
            void* allocation = NativeMemory.AlignedAlloc((nuint)((elements * ElementSize) + offsetBytes), 64);
            void* memory = (byte*)allocation + offsetBytes;
            _buffers.Add((nint)memory);
            for (long i = 0; i < elements; i++)
            {
                // Standard deviation 3.
                float x = noise.NextCentered() * 5.196f;
                switch (dtype)
                {
                    case "f32": ((float*)memory)[i] = x; break;
                    case "f16": ((Half*)memory)[i] = (Half)x; break;
                    default: ((BFloat16*)memory)[i] = (BFloat16)x; break;
                }
            }
        }

        Targets = [.. Enumerable.Range(0, Rows).Select(r => (long)((r * 7919L) % vocab))];
        Masked = masked && vocab > 1;
        for (int row = 0; Masked && row < Rows; row++)
        {
            long column = (Targets[row] + 1) % vocab;
            switch (dtype)
            {
                case "f32": ((float*)Row(row))[column] = float.NegativeInfinity; break;
                case "f16": ((Half*)Row(row))[column] = Half.NegativeInfinity; break;
                default: ((BFloat16*)Row(row))[column] = BFloat16.NegativeInfinity; break;
            }
        }
    }

    /// <summary>Whether every row holds a −∞.</summary>
    public bool Masked { get; }

    private readonly List<nint> _buffers = [];

    public string DataType { get; }

    /// <summary>Where each buffer's first row starts past a 64-byte boundary.</summary>
    public int OffsetBytes { get; }

    /// <summary>The element type, for <see cref="TensorDataTypes.Dispatch{TAction, TResult}"/>.</summary>
    public TensorDataType ElementType { get; }

    public int ElementSize { get; }

    public int Vocabulary { get; }

    public int RowsPerBuffer { get; }

    public int Buffers => _buffers.Count;

    public int Rows => RowsPerBuffer * _buffers.Count;

    public long Bytes => (long)Rows * Vocabulary * ElementSize;

    public long[] Targets { get; }

    public void* Buffer(int index) => (void*)_buffers[index];

    public void* Row(int row) => (byte*)_buffers[row / RowsPerBuffer] + ((long)(row % RowsPerBuffer) * Vocabulary * ElementSize);

    public double Widened(int row, int column) => DataType switch
    {
        "f32" => ((float*)Row(row))[column],
        "f16" => (float)((Half*)Row(row))[column],
        _ => (float)((BFloat16*)Row(row))[column],
    };

    public void Dispose()
    {
        foreach (nint buffer in _buffers)
        {
            NativeMemory.AlignedFree((byte*)buffer - OffsetBytes);
        }

        _buffers.Clear();
    }
}
