using System.Diagnostics;

namespace LossEngine.Kernels;

/// <summary>
/// Places the frame of a main loop that the JIT may spill vectors in (compare's and full statistics') on the stack:
/// inside one 4 KiB page, and at a fixed offset from a 64-byte boundary, so that a row's speed does not depend on where
/// the thread's stack stands. The JIT keeps the x64 stack 16-byte aligned only, so a spilled 32- or 64-byte vector can
/// straddle a cache line or a page. A loop that spills stores and reloads those slots every iteration, and a reload of
/// a page-split store is not forwarded: on Zen 3 a 256-bit loop that spills seven vectors an iteration runs 2–3.5×
/// (compare) and up to 1.6× (full statistics) slower at the worst stack position of a sweep than at the median one, and
/// the cache-line alignment moves it by 3–8 % in f32 and about 2 % in bf16 (bench/results/kernels-amd-epyc-zen3-2vcpu.md,
/// "Stack placement"). Which loops spill is the JIT's choice: at 256 bits full statistics spills four vectors a group
/// and the comparison loop none; a 16-byte vector cannot straddle a line of the 16-byte-aligned stack. At 512 bits on
/// Zen 5 the pair loops and full statistics spill a few vectors, and with this placement a sweep of the caller's stack
/// moves no kernel by more than 6 % (bench/results/kernels-amd-epyc-zen5-2vcpu.md, "Stack placement at 512 bits").
/// </summary>
/// <remarks>
/// A caller takes a <see cref="MarkBytes"/> stackalloc as its mark (a constant size over 32 bytes, which the JIT keeps
/// as a real stack allocation, so the mark sits a fixed distance above the stack pointer), then stackallocs
/// <see cref="PadBytes"/> and writes to the pad before it calls the loop. Two stack allocations cost a few instructions
/// a row; the pad is at most 1088 bytes.
/// </remarks>
internal static class StackPlacement
{
    /// <summary>The bytes of the mark allocation.</summary>
    public const int MarkBytes = 64;

    /// <summary>The page the frame must not straddle.</summary>
    public const int PageBytes = 4096;

    /// <summary>
    /// The stack the loops may use below the pad: their frames (spill slots and saved registers, a few hundred bytes)
    /// and the caller's outgoing arguments, with a margin.
    /// </summary>
    public const int LoopFrameBytes = 1024;

    /// <summary>
    /// The offset for the comparison's loop. Which offset puts the spill slots on 32-byte boundaries depends on how the
    /// JIT lays out the loop's frame, so it is measured: on Zen 3, with seven vectors spilled an iteration at 256 bits,
    /// offsets 0 and 32 ran 3–8 % (f32) and about 2 % (bf16) faster than 16 and 48. The 256-bit loop of this JIT keeps
    /// its vectors in registers; at 512 bits this offset and <see cref="StatisticsOffset"/> were swept as placed, not
    /// against each other.
    /// </summary>
    public const int ComparisonOffset = 0;

    /// <summary>The offset for the statistics pass's group loops, measured as <see cref="ComparisonOffset"/>: at 256 bits,
    /// where the loop spills four vectors a group, 0, 16 and 32 run within 1 % of each other and 48 runs 25 % (f32) and
    /// 9–13 % (bf16) slower.</summary>
    public const int StatisticsOffset = 16;

    /// <summary>
    /// The fewest bytes to allocate below <paramref name="mark"/> so that the allocation starts <paramref name="offset"/>
    /// bytes past a 64-byte boundary and the <see cref="LoopFrameBytes"/> below it lie within one page. At least 16,
    /// so that the caller can write to the pad, which keeps the JIT from removing an allocation whose address is
    /// otherwise unused.
    /// </summary>
    /// <param name="mark">The address of the mark allocation, a multiple of 16.</param>
    /// <param name="offset">0, 16, 32 or 48.</param>
    public static int PadBytes(nuint mark, int offset)
    {
        Debug.Assert(mark % 16 == 0 && (offset & ~48) == 0, "a 16-byte-aligned mark and an offset of 0, 16, 32 or 48");
        int pad = 16 + (int)((mark - 16 - (nuint)offset) % 64);
        int room = (int)((mark - (nuint)pad) % PageBytes);

        // Too near the page boundary below: go past it, to the first position at the offset.
        return room >= LoopFrameBytes ? pad : pad + room + ((64 - offset) % 64);
    }
}
