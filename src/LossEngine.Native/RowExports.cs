using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LossEngine.Formats;

namespace LossEngine.Native;

/// <summary>The single-row kernels and the library's identity, as C functions.</summary>
internal static unsafe class RowExports
{
    // The package version from Directory.Build.props, without SourceLink's "+commit" suffix.
    private static readonly byte* s_version = Utf8(
        (typeof(RowExports).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "")
        .Split('+')[0]);

    private static byte* Utf8(string text)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(text + "\0");
        byte* copy = (byte*)NativeMemory.Alloc((nuint)bytes.Length);
        bytes.CopyTo(new Span<byte>(copy, bytes.Length));
        return copy;
    }

    [UnmanagedCallersOnly(EntryPoint = "lossengine_version")]
    public static byte* Version() => s_version;

    [UnmanagedCallersOnly(EntryPoint = "lossengine_last_error")]
    public static byte* LastError() => NativeErrors.LastMessage;

    [UnmanagedCallersOnly(EntryPoint = "lossengine_vector_bits")]
    public static int VectorBits() => Logits.VectorWidthInBits;

    [UnmanagedCallersOnly(EntryPoint = "lossengine_logsumexp")]
    public static int LogSumExp(void* row, long length, int dtype, float* result) => NativeErrors.Guard(() =>
    {
        NativeErrors.NotNull(row, "row");
        NativeErrors.NotNull(result, "result");
        int n = NativeErrors.Length(length, "length");
        *result = TensorDataTypes.Dispatch<LogSumExpRow, float>(NativeDataType.Of(dtype), new LogSumExpRow(row, n));
        return 0;
    });

    private readonly struct LogSumExpRow(void* row, int length) : ILogitTypeAction<float>
    {
        public float Invoke<T>()
            where T : unmanaged => Logits.LogSumExp(new ReadOnlySpan<T>(row, length));
    }

    [UnmanagedCallersOnly(EntryPoint = "lossengine_softmax")]
    public static int Softmax(void* row, long length, int dtype, float* probabilities) =>
        Map(row, length, dtype, probabilities, logarithm: false);

    [UnmanagedCallersOnly(EntryPoint = "lossengine_log_softmax")]
    public static int LogSoftmax(void* row, long length, int dtype, float* logProbabilities) =>
        Map(row, length, dtype, logProbabilities, logarithm: true);

    private static int Map(void* row, long length, int dtype, float* output, bool logarithm) => NativeErrors.Guard(() =>
    {
        NativeErrors.NotNull(row, "row");
        NativeErrors.NotNull(output, "output");
        int n = NativeErrors.Length(length, "length");
        return TensorDataTypes.Dispatch<MapRow, int>(NativeDataType.Of(dtype), new MapRow(row, n, output, logarithm));
    });

    private readonly struct MapRow(void* row, int length, float* output, bool logarithm) : ILogitTypeAction<int>
    {
        public int Invoke<T>()
            where T : unmanaged
        {
            if (logarithm)
            {
                Logits.LogSoftmax(new ReadOnlySpan<T>(row, length), new Span<float>(output, length));
            }
            else
            {
                Logits.Softmax(new ReadOnlySpan<T>(row, length), new Span<float>(output, length));
            }

            return 0;
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "lossengine_scoring_options_init")]
    public static void InitScoringOptions(ScoringOptionsC* options)
    {
        if (options != null)
        {
            *options = new ScoringOptionsC { IgnoreIndex = -100, Temperature = 1f, Threads = 0 };
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "lossengine_cross_entropy_options_init")]
    public static void InitCrossEntropyOptions(CrossEntropyOptionsC* options)
    {
        if (options != null)
        {
            *options = new CrossEntropyOptionsC { IgnoreIndex = -100, Temperature = 1f, Threads = 0, Reduction = (int)Reduction.Mean };
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "lossengine_file_options_init")]
    public static void InitFileOptions(FileOptionsC* options)
    {
        if (options != null)
        {
            *options = FileOptionsC.Defaults;
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "lossengine_struct_sizes")]
    public static void StructSizes(long* sizes)
    {
        if (sizes != null)
        {
            sizes[0] = Unsafe.SizeOf<TokenStatistics>();
            sizes[1] = Unsafe.SizeOf<ComparisonStatistics>();
            sizes[2] = Unsafe.SizeOf<ScoringOptionsC>();
            sizes[3] = Unsafe.SizeOf<CrossEntropyOptionsC>();
            sizes[4] = Unsafe.SizeOf<FileOptionsC>();
        }
    }
}
