using System.Diagnostics;
using System.Runtime.CompilerServices;
using LossEngine.Kernels.Vectors;

namespace LossEngine.Kernels;

/// <summary>Software prefetch for the row kernels' main loops: a fixed distance ahead of the loads, a cache line at a
/// time.</summary>
internal static class SoftwarePrefetch
{
    /// <summary>About 4 KiB ahead of the loads: far enough to cover DRAM latency at ~16 GB/s a stream, near enough to
    /// stay in L1/L2.</summary>
    public const int DistanceBytes = 4096;

    /// <summary>The full-statistics pass prefetches further ahead. On two Zen 5 cores, streamed f32 statistics ran
    /// faster with 16 KiB than with 4 KiB in 7 of 8 alternating rounds (+13 % on average), while bf16 cross-entropy ran
    /// up to 7 % slower with 16 KiB, so log-sum-exp and cross-entropy keep 4 KiB
    /// (bench/results/kernels-amd-epyc-zen5-2vcpu.md, "Prefetch distance"). A likely reason, not measured (the machine
    /// had no hardware counters): the statistics loop issues about 1.7× the instructions per element of log-sum-exp,
    /// so its out-of-order window spans fewer bytes and leaves more of the misses to the prefetches.</summary>
    public const int StatisticsDistanceBytes = 16384;

    /// <summary>The comparison prefetches both its rows this far ahead at 512 bits. On one Zen 5 core, streamed f32 rows
    /// ran 1.08× (medians) with 16 KiB against 4 KiB, faster in 6 of 7 alternating rounds; two cores and bf16 moved
    /// within their noise (1.01–1.02×) (bench/results/kernels-amd-epyc-zen5-2vcpu.md, "The comparison's prefetch
    /// distance at 512 bits"). Its loop, like full statistics', issues about 1.5× the instructions per element of
    /// log-sum-exp at that width. The narrower widths keep <see cref="DistanceBytes"/>: they were not measured with this
    /// distance.</summary>
    public const int ComparisonDistanceBytes = 16384;

    private const int CacheLineBytes = 64;

    /// <summary>Prefetches the cache lines of one step's bytes (at most four lines: 4 vectors of 64 bytes). The step's
    /// size is a constant of the element type and width, so the JIT keeps just the prefetch instructions, where a loop
    /// over the lines cost six instructions a line in the main loop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Lines<TWidth, TVector>(byte* address, int bytes)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        Debug.Assert(bytes <= 4 * CacheLineBytes, "a step is at most four 64-byte vectors");
        TWidth.Prefetch(address);
        if (bytes > CacheLineBytes)
        {
            TWidth.Prefetch(address + CacheLineBytes);
        }

        if (bytes > 2 * CacheLineBytes)
        {
            TWidth.Prefetch(address + (2 * CacheLineBytes));
            TWidth.Prefetch(address + (3 * CacheLineBytes));
        }
    }
}
