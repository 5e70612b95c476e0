namespace LossEngine.Kernels;

/// <summary>
/// Places the frame of a main loop that the JIT spills vectors in (compare's and full statistics') on the stack: inside
/// one 4 KiB page, and at a fixed offset from a 64-byte boundary. The JIT keeps the x64 stack 16-byte aligned only, so
/// where a thread's stack happens to stand decides whether a spilled 32- or 64-byte vector straddles a cache line or a
/// page. The loop stores and reloads those slots every iteration, and a reload of a page-split store is not forwarded:
/// on Zen 3 a thread whose frame straddled a page ran compare 2.6–3× and full statistics up to 2.1× slower, and the
/// cache-line alignment moved either kernel by 7–8 % (bench/results/kernels-amd-epyc-zen3-2vcpu.md, "Stack placement").
/// Without the placement the speed of a row depended on which thread ran it.
/// </summary>
/// <remarks>
/// A caller takes a <see cref="MarkBytes"/> stackalloc as its mark (a constant size over 32 bytes, which the JIT keeps
/// as a real stack allocation, so the mark sits a fixed distance above the stack pointer), then stackallocs
/// <see cref="PadBytes"/> and writes to the pad before it calls the loop. Two stack allocations cost a few instructions
/// a row; the pad at most 1.1 KiB of stack.
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
    /// JIT lays out the loop's frame, so it was measured: on Zen 3 at 256 bits, f32 and bf16, offsets 0 and 32 ran
    /// 4–8 % faster than 16 and 48.
    /// </summary>
    public const int ComparisonOffset = 0;

    /// <summary>The offset for the statistics pass's group loops, measured as <see cref="ComparisonOffset"/>: 16 and 48
    /// ran 1–7 % faster than 0 and 32.</summary>
    public const int StatisticsOffset = 16;

    /// <summary>
    /// How many bytes to allocate below <paramref name="mark"/> so that the allocation starts <paramref name="offset"/>
    /// bytes past a 64-byte boundary and the <see cref="LoopFrameBytes"/> below it lie within one page. At least 16,
    /// so that the caller can write to the pad, which keeps the JIT from removing an allocation whose address is
    /// otherwise unused.
    /// </summary>
    /// <param name="mark">The address of the mark allocation, a multiple of 16.</param>
    /// <param name="offset">0, 16, 32 or 48.</param>
    public static int PadBytes(nuint mark, int offset)
    {
        int pad = 16 + (int)((mark - 16 - (nuint)offset) % 64);
        int room = (int)((mark - (nuint)pad) % PageBytes);
        return room >= LoopFrameBytes ? pad : pad + room + 64 - offset;
    }
}
