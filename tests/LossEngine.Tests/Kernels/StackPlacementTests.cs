using LossEngine.Kernels;

namespace LossEngine.Tests.Kernels;

/// <summary>The pad that places a spilling main loop's frame: inside one page, at a fixed offset from 64 bytes.</summary>
public sealed class StackPlacementTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    [InlineData(32)]
    [InlineData(48)]
    public void PadBytes_IsTheLeastPadThatEndsAtTheOffset_WithTheLoopFrameBelowItInOnePage_ForEveryAlignedMark(int offset)
    {
        int moved = 0;
        for (nuint mark = 0x7_1000; mark < 0x7_3000; mark += 16)
        {
            int expected = LeastPad(mark, offset, out bool pastThePage);
            Assert.Equal(expected, StackPlacement.PadBytes(mark, offset));
            Assert.True(expected <= StackPlacement.LoopFrameBytes + 64, $"mark {mark:x}: pad {expected}");
            moved += pastThePage ? 1 : 0;
        }

        // Only the marks near the page boundary below them move past it: about a quarter of them.
        int marks = 2 * StackPlacement.PageBytes / 16;
        Assert.InRange(moved, marks / 5, marks * 3 / 10);
    }

    [Fact]
    public void PadBytes_MovesPastThePage_OnlyWhenTheFrameWouldStraddleIt()
    {
        // 2048 bytes above a page boundary: the pad only moves the stack to the offset.
        Assert.Equal(16, StackPlacement.PadBytes(0x7_1800, 48));
        Assert.Equal(64, StackPlacement.PadBytes(0x7_1800, 0));
        Assert.Equal(48, StackPlacement.PadBytes(0x7_1800, 16));

        // 16 bytes above one: offset 0 is the boundary itself, the others are already past it.
        Assert.Equal(16, StackPlacement.PadBytes(0x7_1010, 0));
        Assert.Equal(64, StackPlacement.PadBytes(0x7_1010, 16));

        // 1024 bytes above one: the frame would straddle it, so the pad goes to the boundary (offset 0) or just past it.
        Assert.Equal(1024, StackPlacement.PadBytes(0x7_1400, 0));
        Assert.Equal(1024 + 48, StackPlacement.PadBytes(0x7_1400, 16));
    }

    /// <summary>The least multiple of 16, at least 16, found by trying each: the allocation below the mark starts at
    /// the offset, and the loop frame below that touches one page only.</summary>
    private static int LeastPad(nuint mark, int offset, out bool pastThePage)
    {
        for (int pad = 16; ; pad += 16)
        {
            nuint top = mark - (nuint)pad;
            nuint bottom = top - StackPlacement.LoopFrameBytes;
            if (top % 64 == (nuint)offset && bottom / StackPlacement.PageBytes == (top - 1) / StackPlacement.PageBytes)
            {
                pastThePage = (top - 1) / StackPlacement.PageBytes != (mark - 1) / StackPlacement.PageBytes;
                return pad;
            }
        }
    }
}
