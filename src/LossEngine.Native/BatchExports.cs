using System.Runtime.InteropServices;
using CommunityToolkit.HighPerformance;

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
        var targetSpan = new ReadOnlySpan<long>(targets, height);
        Span<float> lossSpan = losses == null ? Span<float>.Empty : new Span<float>(losses, height);
        double value = (DataType)dtype switch
        {
            DataType.Float32 => Logits.CrossEntropy(new ReadOnlySpan2D<float>(logits, height, width, pitch), targetSpan, lossSpan, settings.ToOptions()),
            DataType.Float16 => Logits.CrossEntropy(new ReadOnlySpan2D<Half>(logits, height, width, pitch), targetSpan, lossSpan, settings.ToOptions()),
            DataType.BFloat16 => Logits.CrossEntropy(new ReadOnlySpan2D<BFloat16>(logits, height, width, pitch), targetSpan, lossSpan, settings.ToOptions()),
            _ => throw RowExports.UnknownType(dtype),
        };
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
        ScoringOptions scoring = Options(options);
        var targetSpan = new ReadOnlySpan<long>(targets, height);
        var output = new Span<TokenStatistics>(statistics, height);
        switch ((DataType)dtype)
        {
            case DataType.Float32: Logits.Statistics(new ReadOnlySpan2D<float>(logits, height, width, pitch), targetSpan, output, scoring); break;
            case DataType.Float16: Logits.Statistics(new ReadOnlySpan2D<Half>(logits, height, width, pitch), targetSpan, output, scoring); break;
            case DataType.BFloat16: Logits.Statistics(new ReadOnlySpan2D<BFloat16>(logits, height, width, pitch), targetSpan, output, scoring); break;
            default: throw RowExports.UnknownType(dtype);
        }

        return 0;
    });

    [UnmanagedCallersOnly(EntryPoint = "lossengine_compare")]
    public static int Compare(void* reference, void* candidate, long rows, long vocab, long rowPitch, int dtype, long* targets, ScoringOptionsC* options, ComparisonStatistics* results) => NativeErrors.Guard(() =>
    {
        NativeErrors.NotNull(candidate, "candidate");
        NativeErrors.NotNull(results, "results");
        (int height, int width, int pitch) = Shape(reference, rows, vocab, rowPitch, targets);
        ScoringOptions scoring = Options(options);
        var targetSpan = new ReadOnlySpan<long>(targets, height);
        var output = new Span<ComparisonStatistics>(results, height);
        switch ((DataType)dtype)
        {
            case DataType.Float32: Logits.Compare(new ReadOnlySpan2D<float>(reference, height, width, pitch), new ReadOnlySpan2D<float>(candidate, height, width, pitch), targetSpan, output, scoring); break;
            case DataType.Float16: Logits.Compare(new ReadOnlySpan2D<Half>(reference, height, width, pitch), new ReadOnlySpan2D<Half>(candidate, height, width, pitch), targetSpan, output, scoring); break;
            case DataType.BFloat16: Logits.Compare(new ReadOnlySpan2D<BFloat16>(reference, height, width, pitch), new ReadOnlySpan2D<BFloat16>(candidate, height, width, pitch), targetSpan, output, scoring); break;
            default: throw RowExports.UnknownType(dtype);
        }

        return 0;
    });

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
