using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Environments;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using CommunityToolkit.HighPerformance;

namespace LossEngine.Benchmarks;

/// <summary>
/// Rows streamed from 1 GiB of seeded logits (four times the L3), one pass per operation, for each element type and V
/// (one of them odd). Side by side: the read ceiling (a vector sum over the same bytes), the TensorPrimitives
/// composition, a naive scalar reference and LossEngine's kernels; one job per instruction-set level. Run with
/// <c>dotnet run -c Release --project bench/LossEngine.Benchmarks -- --filter '*Streaming*'</c>.
/// </summary>
[Config(typeof(StreamingConfig))]
public abstract unsafe class StreamingBenchmarks<T>
    where T : unmanaged
{
    private const long TotalBytes = 1L << 30;
    private T* _data;
    private int _rows;
    private long[] _targets = [];
    private float[] _scratch = [];
    private TokenStatistics[] _statistics = [];
    private float[] _losses = [];

    [Params(32000, 128257, 262144)]
    public int Vocabulary { get; set; }

    public long BytesPerOperation => (long)_rows * Vocabulary * sizeof(T);

    [GlobalSetup]
    public void Setup()
    {
        _rows = (int)(TotalBytes / ((long)Vocabulary * sizeof(T)));
        _data = (T*)NativeMemory.AlignedAlloc((nuint)BytesPerOperation, 64);
        var random = new Random(42);
        for (long i = 0; i < (long)_rows * Vocabulary; i++)
        {
            float x = (float)((random.NextDouble() * 20) - 10);
            _data[i] = typeof(T) == typeof(float) ? (T)(object)x : typeof(T) == typeof(Half) ? (T)(object)(Half)x : (T)(object)(BFloat16)x;
        }

        _targets = [.. Enumerable.Range(0, _rows).Select(r => (long)(r % Vocabulary))];
        _scratch = new float[Vocabulary];
        _statistics = new TokenStatistics[_rows];
        _losses = new float[_rows];
    }

    [GlobalCleanup]
    public void Cleanup() => NativeMemory.AlignedFree(_data);

    private ReadOnlySpan2D<T> Matrix => new(_data, _rows, Vocabulary, 0);

    [Benchmark(Baseline = true, Description = "read ceiling (vector sum)")]
    public float ReadCeiling()
    {
        byte* bytes = (byte*)_data;
        Vector512<float> a = default, b = default;
        for (long i = 0; i + 128 <= BytesPerOperation; i += 128)
        {
            a += Vector512.Load((float*)(bytes + i));
            b += Vector512.Load((float*)(bytes + i + 64));
        }

        return Vector512.Sum(a + b);
    }

    [Benchmark(Description = "LossEngine CrossEntropy (batch)")]
    public double CrossEntropy() =>
        Logits.CrossEntropy(Matrix, _targets, _losses, new CrossEntropyOptions { MaxDegreeOfParallelism = 1, Reduction = Reduction.Sum });

    [Benchmark(Description = "LossEngine Statistics (batch)")]
    public float Statistics()
    {
        Logits.Statistics(Matrix, _targets, _statistics, new ScoringOptions { MaxDegreeOfParallelism = 1 });
        return _statistics[0].Entropy;
    }

    [Benchmark(Description = "TensorPrimitives Max→Exp→Sum")]
    public float TensorPrimitivesComposition()
    {
        float sink = 0;
        for (int r = 0; r < _rows; r++)
        {
            ReadOnlySpan<T> row = Matrix.GetRowSpan(r);
            ReadOnlySpan<float> x = typeof(T) == typeof(float) ? MemoryMarshal.Cast<T, float>(row) : Widen(row);
            float max = TensorPrimitives.Max(x);
            TensorPrimitives.Subtract(x, max, _scratch);
            TensorPrimitives.Exp(_scratch, _scratch);
            sink += max + MathF.Log(TensorPrimitives.Sum<float>(_scratch));
        }

        return sink;
    }

    [Benchmark(Description = "naive scalar (double, two passes), first 64 rows ×(rows/64)")]
    public double NaiveScalar()
    {
        double sink = 0;
        for (int r = 0; r < Math.Min(64, _rows); r++)
        {
            ReadOnlySpan<T> row = Matrix.GetRowSpan(r);
            double max = double.NegativeInfinity, sum = 0;
            foreach (T v in row)
            {
                max = Math.Max(max, ToDouble(v));
            }

            foreach (T v in row)
            {
                sum += Math.Exp(ToDouble(v) - max);
            }

            sink += max + Math.Log(sum);
        }

        return sink;
    }

    private ReadOnlySpan<float> Widen(ReadOnlySpan<T> row)
    {
        var widened = new float[row.Length];
        for (int i = 0; i < row.Length; i++)
        {
            widened[i] = (float)ToDouble(row[i]);
        }

        return widened;
    }

    private static double ToDouble(T value) => value switch
    {
        float f => f,
        Half h => (double)h,
        BFloat16 b => (float)b,
        _ => double.NaN,
    };
}

public class StreamingFloat32 : StreamingBenchmarks<float>;

public class StreamingBFloat16 : StreamingBenchmarks<BFloat16>;

public class StreamingFloat16 : StreamingBenchmarks<Half>;

/// <summary>Jobs per instruction-set level (the runtime switches as environment variables) and a GB/s column.</summary>
public sealed class StreamingConfig : ManualConfig
{
    public StreamingConfig()
    {
        Job baseJob = Job.Default.WithWarmupCount(1).WithIterationCount(5).WithLaunchCount(1).WithInvocationCount(1).WithUnrollFactor(1);
        AddJob(baseJob.WithId("AVX-512"));
        AddJob(baseJob.WithEnvironmentVariables(new EnvironmentVariable("DOTNET_EnableAVX512", "0")).WithId("AVX2"));
        AddJob(baseJob.WithEnvironmentVariables(new EnvironmentVariable("DOTNET_EnableAVX2", "0")).WithId("128-bit"));
        AddColumn(new GigabytesPerSecondColumn());
    }

    /// <summary>Bytes of logits per operation over the mean time. (The naive row reads only 64 rows.)</summary>
    private sealed class GigabytesPerSecondColumn : IColumn
    {
        public string Id => "GBps";

        public string ColumnName => "GB/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "logit bytes read per second";

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            if (report?.ResultStatistics is null)
            {
                return "-";
            }

            int vocabulary = (int)benchmarkCase.Parameters["Vocabulary"];
            int elementSize = benchmarkCase.Descriptor.Type.Name.Contains("Float32", StringComparison.Ordinal) ? 4 : 2;
            long bytes = (1L << 30) / ((long)vocabulary * elementSize) * vocabulary * elementSize;
            if (benchmarkCase.Descriptor.WorkloadMethod.Name == nameof(StreamingBenchmarks<float>.NaiveScalar))
            {
                bytes = 64L * vocabulary * elementSize;
            }

            return (bytes / report.ResultStatistics.Mean).ToString("F2", System.Globalization.CultureInfo.InvariantCulture); // ns → GB/s
        }
    }
}
