using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;

namespace LossEngine.Benchmarks;

/// <summary>
/// One cache-resident row per call: LossEngine's single-pass kernels against the TensorPrimitives composition a .NET
/// user would write today. The memory-bound suite (rows streamed from buffers of 512 MiB and more, a read-only
/// ceiling, ISA jobs) is the benchmark issue's work.
/// </summary>
[MemoryDiagnoser]
public class RowKernelBenchmarks
{
    private float[] _row = [];
    private float[] _scratch = [];

    [Params(32000, 128257)]
    public int Vocabulary { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _row = Enumerable.Range(0, Vocabulary).Select(_ => (float)(random.NextDouble() * 20 - 10)).ToArray();
        _scratch = new float[Vocabulary];
    }

    [Benchmark(Baseline = true)]
    public float TensorPrimitivesMaxExpSum()
    {
        float max = TensorPrimitives.Max(_row);
        TensorPrimitives.Subtract(_row, max, _scratch);
        TensorPrimitives.Exp(_scratch, _scratch);
        return max + MathF.Log(TensorPrimitives.Sum(_scratch));
    }

    [Benchmark]
    public float LogSumExp() => Logits.LogSumExp<float>(_row);

    [Benchmark]
    public float CrossEntropy() => Logits.CrossEntropy<float>(_row, 17);

    [Benchmark]
    public TokenStatistics Statistics() => Logits.Statistics<float>(_row, 17);
}
