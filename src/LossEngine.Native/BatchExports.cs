using System.Runtime.InteropServices;
using CommunityToolkit.HighPerformance;
using LossEngine.Formats;

namespace LossEngine.Native;

/// <summary>The batch kernels over [rows, vocab] matrices with a row pitch, as C functions.</summary>
internal static unsafe class BatchExports
{
    [UnmanagedCallersOnly(EntryPoint = "lossengine_cross_entropy")]
    public static int CrossEntropy(void* logits, long rows, long vocab, long rowPitch, int dtype, long* targets, CrossEntropyOptionsC* options, float* losses, double* reduced) => NativeErrors.Guard(() =>
    {
        CrossEntropyOptionsC settings = default;
        if (options == null)
        {
            settings = new CrossEntropyOptionsC { IgnoreIndex = -100, Temperature = 1f, Reduction = (int)Reduction.Mean };
        }
        else
        {
            settings = *options;
        }

        (int height, int width, int pitch) = Shape(logits, rows, vocab, rowPitch, targets);
        var matrix = new Matrix(logits, null, height, width, pitch, targets);
        double value = TensorDataTypes.Dispatch<CrossEntropyBatch, double>(NativeDataType.Of(dtype), new CrossEntropyBatch(matrix, losses, settings.ToOptions()));
        if (reduced != null)
        {
            *reduced = value;
        }

        return 0;
    });

    [UnmanagedCallersOnly(EntryPoint = "lossengine_statistics")]
    public static int TokenStatisticsBatch(void* logits, long rows, long vocab, long rowPitch, int dtype, long* targets, ScoringOptionsC* options, TokenStatistics* statistics) => NativeErrors.Guard(() =>
    {
        NativeErrors.NotNull(statistics, "statistics");
        (int height, int width, int pitch) = Shape(logits, rows, vocab, rowPitch, targets);
        var matrix = new Matrix(logits, null, height, width, pitch, targets);
        return TensorDataTypes.Dispatch<StatisticsBatch, int>(NativeDataType.Of(dtype), new StatisticsBatch(matrix, statistics, Options(options)));
    });

    [UnmanagedCallersOnly(EntryPoint = "lossengine_compare")]
    public static int Compare(void* reference, void* candidate, long rows, long vocab, long rowPitch, int dtype, long* targets, ScoringOptionsC* options, ComparisonStatistics* results) => NativeErrors.Guard(() =>
    {
        NativeErrors.NotNull(candidate, "candidate");
        NativeErrors.NotNull(results, "results");
        (int height, int width, int pitch) = Shape(reference, rows, vocab, rowPitch, targets);
        var matrices = new Matrix(reference, candidate, height, width, pitch, targets);
        return TensorDataTypes.Dispatch<CompareBatch, int>(NativeDataType.Of(dtype), new CompareBatch(matrices, results, Options(options)));
    });

    /// <summary>C's logits (and a candidate's, for compare) with their shape and targets.</summary>
    private readonly struct Matrix(void* logits, void* candidate, int rows, int vocab, int pitch, long* targets)
    {
        public int Rows => rows;

        public ReadOnlySpan2D<T> Logits<T>()
            where T : unmanaged => new(logits, rows, vocab, pitch);

        public ReadOnlySpan2D<T> Candidate<T>()
            where T : unmanaged => new(candidate, rows, vocab, pitch);

        public ReadOnlySpan<long> Targets => new(targets, rows);
    }

    private readonly struct CrossEntropyBatch(Matrix matrix, float* losses, CrossEntropyOptions options) : ILogitTypeAction<double>
    {
        public double Invoke<T>()
            where T : unmanaged => LossEngine.Logits.CrossEntropy(matrix.Logits<T>(), matrix.Targets, losses == null ? Span<float>.Empty : new Span<float>(losses, matrix.Rows), options);
    }

    private readonly struct StatisticsBatch(Matrix matrix, TokenStatistics* statistics, ScoringOptions options) : ILogitTypeAction<int>
    {
        public int Invoke<T>()
            where T : unmanaged
        {
            LossEngine.Logits.Statistics(matrix.Logits<T>(), matrix.Targets, new Span<TokenStatistics>(statistics, matrix.Rows), options);
            return 0;
        }
    }

    private readonly struct CompareBatch(Matrix matrices, ComparisonStatistics* results, ScoringOptions options) : ILogitTypeAction<int>
    {
        public int Invoke<T>()
            where T : unmanaged
        {
            LossEngine.Logits.Compare(matrices.Logits<T>(), matrices.Candidate<T>(), matrices.Targets, new Span<ComparisonStatistics>(results, matrices.Rows), options);
            return 0;
        }
    }

    private static ScoringOptions Options(ScoringOptionsC* options) =>
        options == null ? new ScoringOptions() : options->ToOptions();

    /// <summary>Checks pointers and the shape; the pitch handed to ReadOnlySpan2D is the gap after each row.</summary>
    private static (int Rows, int Vocab, int Pitch) Shape(void* logits, long rows, long vocab, long rowPitch, long* targets)
    {
        NativeErrors.NotNull(logits, "logits");
        NativeErrors.NotNull(targets, "targets");
        int height = NativeErrors.Length(rows, "rows");
        int width = NativeErrors.Length(vocab, "vocab");
        if (rowPitch < vocab || rowPitch > int.MaxValue)
        {
            throw new NativeArgumentException(Status.BadShape, $"row_pitch {rowPitch} must be at least vocab ({vocab}) elements.");
        }

        if (rows * rowPitch > int.MaxValue * 4L * 1024)
        {
            throw new NativeArgumentException(Status.BadShape, $"{rows} rows × pitch {rowPitch} is too large for one call; split the batch.");
        }

        return (height, width, (int)(rowPitch - vocab));
    }
}
