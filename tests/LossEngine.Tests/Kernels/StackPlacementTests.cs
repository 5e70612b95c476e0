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
    public void PadBytes_EndsThePadAtTheOffset_WithTheLoopFrameBelowItInOnePage_ForEveryAlignedMark(int offset)
    {
        int moved = 0;
        for (nuint mark = 0x7_1000; mark < 0x7_3000; mark += 16)
        {
            int pad = StackPlacement.PadBytes(mark, offset);
            Assert.True(pad >= 16 && pad % 16 == 0, $"mark {mark:x}: pad {pad} must be a multiple of 16, at least 16");
            Assert.True(pad <= 64 + 64 + StackPlacement.LoopFrameBytes, $"mark {mark:x}: pad {pad} is more than the placement needs");

            nuint top = mark - (nuint)pad;
            Assert.Equal((nuint)offset, top % 64);
            nuint bottom = top - StackPlacement.LoopFrameBytes;
            Assert.True(bottom / StackPlacement.PageBytes == (top - 1) / StackPlacement.PageBytes, $"mark {mark:x}: the frame from {bottom:x} to {top:x} straddles a page boundary");
            moved += pad > 64 + 16 ? 1 : 0;
        }

        // Only the marks near the page boundary below them move past it: about a quarter of them.
        int marks = 2 * StackPlacement.PageBytes / 16;
        Assert.InRange(moved, marks / 5, marks * 3 / 10);
    }

    [Fact]
    public void PadBytes_IsTheLeastThatReachesTheOffset_WhereThePageHasRoom()
    {
        // 2048 bytes above a page boundary: the pad only moves the stack to the offset.
        Assert.Equal(16, StackPlacement.PadBytes(0x7_1800, 48));
        Assert.Equal(64, StackPlacement.PadBytes(0x7_1800, 0));
        Assert.Equal(48, StackPlacement.PadBytes(0x7_1800, 16));
    }
}
