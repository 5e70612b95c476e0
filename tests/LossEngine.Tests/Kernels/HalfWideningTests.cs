using LossEngine.Kernels;
using LossEngine.Kernels.Vectors;

namespace LossEngine.Tests.Kernels;

/// <summary>
/// fp16 elements in the lower halves of 32-bit words are widened with their sign in one step
/// (<see cref="IVectorWidth{TVector}.ShiftLowWordLeftSignExtended"/>; <c>pmaddwd</c> on x64) and converted from there
/// (<see cref="VectorMath.FiniteHalfInLowerBitsScaledDown"/>): every width must give the bits of the two shifts, and the
/// conversion the bits of the upper-halves form, whatever the other half of the word holds.
/// </summary>
public sealed class HalfWideningTests
{
    private readonly struct LowWords : IWidthTest
    {
        public void Run<TWidth, TVector>()
            where TWidth : IVectorWidth<TVector>
            where TVector : unmanaged
        {
            int count = TWidth.Count;
            var random = new Random(77 + count);
            var words = new float[count];
            var widened = new float[count];
            var result = new float[count];
            var expected = new float[count];

            // Every 16-bit pattern in some lane, with a random upper half beside it (zero, all ones or anything).
            for (int start = 0; start < 0x10000; start += count)
            {
                for (int lane = 0; lane < count; lane++)
                {
                    uint upper = random.Next(3) switch { 0 => 0u, 1 => 0xFFFFu, _ => (uint)random.Next(0x10000) };
                    words[lane] = BitConverter.UInt32BitsToSingle((uint)((start + lane) & 0xFFFF) | (upper << 16));
                }

                TVector w = TWidth.LoadSingle(ref words[0], 0);
                AssertLanes<TWidth, TVector>(TWidth.ShiftLowWordLeftSignExtended(w, 13), words, widened, 13);
                AssertLanes<TWidth, TVector>(TWidth.ShiftLowWordLeftSignExtended(w, 0), words, widened, 0);
                AssertLanes<TWidth, TVector>(TWidth.ShiftLowWordLeftSignExtended(w, 14), words, widened, 14);

                // The conversion from the lower halves against the one from the upper halves, the word moved up first.
                TWidth.Store(VectorMath.FiniteHalfInLowerBitsScaledDown<TWidth, TVector>(w), ref result[0], 0);
                TWidth.Store(VectorMath.FiniteHalfInUpperBitsScaledDown<TWidth, TVector>(TWidth.ShiftLeftBits(w, 16)), ref expected[0], 0);
                for (int lane = 0; lane < count; lane++)
                {
                    ushort pattern = (ushort)BitConverter.SingleToUInt32Bits(words[lane]);
                    Assert.True(
                        BitConverter.SingleToUInt32Bits(expected[lane]) == BitConverter.SingleToUInt32Bits(result[lane]),
                        $"{typeof(TWidth).Name}: fp16 0x{pattern:X4} in the lower half of 0x{BitConverter.SingleToUInt32Bits(words[lane]):X8}");
                    Half half = BitConverter.UInt16BitsToHalf(pattern);
                    if (Half.IsFinite(half))
                    {
                        Assert.Equal((float)half, result[lane] * VectorMath.HalfRebias);
                    }
                }
            }
        }

        private static void AssertLanes<TWidth, TVector>(TVector value, float[] words, float[] widened, int shift)
            where TWidth : IVectorWidth<TVector>
            where TVector : unmanaged
        {
            TWidth.Store(value, ref widened[0], 0);
            for (int lane = 0; lane < TWidth.Count; lane++)
            {
                uint word = BitConverter.SingleToUInt32Bits(words[lane]);
                int expected = (short)(ushort)word << shift;
                int actual = BitConverter.SingleToInt32Bits(widened[lane]);
                Assert.True(expected == actual, $"{typeof(TWidth).Name}: 0x{word:X8} widened and shifted by {shift}: 0x{actual:X8}, expected 0x{expected:X8}");
            }
        }
    }

    [Fact]
    public void LowerHalves_WidenWithTheirSignAndConvertAsTheUpperHalvesDo()
    {
        Assert.True(WidthRunner.RunOnAcceleratedWidths(new LowWords()) >= 1);
    }
}
