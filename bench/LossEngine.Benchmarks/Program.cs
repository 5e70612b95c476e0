using System.Globalization;
using BenchmarkDotNet.Running;

namespace LossEngine.Benchmarks;

/// <summary>Entry point: BenchmarkDotNet's switcher (pick classes with --filter), or <c>smoke</c>, which runs every
/// benchmark method once on small rows and checks the results are finite — proof that a build (say linux-arm64 under
/// emulation) works, with no timing.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "smoke")
        {
            return Smoke();
        }

        if (args.Length > 0 && args[0] == "quick")
        {
            return Quick.QuickMode.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "endtoend")
        {
            return EndToEnd.EndToEndMode.Run(args[1..]);
        }

        if (args is ["scaling", ..]) { return Scaling.ScalingMode.Run(args[1..]); }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }

    private static int Smoke()
    {
        var benchmarks = new RowKernelBenchmarks { Vocabulary = 4099 };
        benchmarks.Setup();
        (string Name, double Value)[] results =
        [
            ("TensorPrimitivesMaxExpSum", benchmarks.TensorPrimitivesMaxExpSum()),
            ("LogSumExp", benchmarks.LogSumExp()),
            ("CrossEntropy", benchmarks.CrossEntropy()),
            ("Statistics", benchmarks.Statistics().Loss),
        ];
        foreach ((string name, double value) in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"smoke {name}: {value:F6}"));
        }

        bool ok = results.All(r => double.IsFinite(r.Value)) && Math.Abs(results[0].Value - results[1].Value) < 1e-3;
        Console.WriteLine(ok ? $"smoke: ok ({Logits.VectorWidthInBits}-bit vectors)" : "smoke: FAILED");
        return ok ? 0 : 1;
    }
}
