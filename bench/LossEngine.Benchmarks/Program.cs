using BenchmarkDotNet.Running;

namespace LossEngine.Benchmarks;

/// <summary>Entry point: BenchmarkDotNet's switcher, so any benchmark class can be picked with --filter.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
