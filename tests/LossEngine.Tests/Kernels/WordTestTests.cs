using LossEngine.Kernels;
using LossEngine.Kernels.Vectors;

namespace LossEngine.Tests.Kernels;

/// <summary>
/// The bf16 and fp16 main loops (a pair of groups at 512 bits, one group at every width) test against the reference's
/// trigger on their raw words, as 16-bit integers: the threshold pattern must split the positive patterns exactly where
/// their values pass the trigger, and the 16-bit maximum and comparison of every width must read the lanes as the loops
/// assume.
/// </summary>
public sealed class WordTestTests
{
    // Zero, the subnormal range and its edge (2^−14 is fp16's smallest normal), values between patterns and on them,
    // the largest finite fp16 and beyond it, bf16's largest finite value and +∞.
    private static readonly float[] Triggers =
    [
        0f, -0f, 1e-8f, 5.96e-8f, 6.0e-8f, 3e-5f, 6.1035e-05f, 6.103515625e-05f, 6.1036e-05f, 0.1f, 0.5f, 1f, 1.0004883f,
        1.001f, 7.999f, 8f, 8.000001f, 17.3f, 31.99f, 1000.5f, 65503f, 65504f, 65505f, 65520f, 70000f, 1e30f,
        3.3895314e38f, float.MaxValue, float.PositiveInfinity,
    ];

    [Fact]
    public void HalfThreshold_SplitsThePositivePatternsWhereTheyPassTheTrigger()
    {
        foreach (float trigger in Triggers)
        {
            int threshold = RowStatisticsKernel.LargestPatternAtMost<Half>(trigger);
            for (int pattern = 0; pattern <= 0x7BFF; pattern++)
            {
                float value = (float)BitConverter.UInt16BitsToHalf((ushort)pattern);
                Assert.True(value > trigger == pattern > threshold, $"fp16 0x{pattern:X4} ({value}) against {trigger}: threshold 0x{threshold:X4}");
            }

            Assert.InRange(threshold, 0, 0x7BFF);
        }
    }

    [Fact]
    public void BFloat16Threshold_SplitsThePositivePatternsWhereTheyPassTheTrigger()
    {
        foreach (float trigger in Triggers)
        {
            int threshold = RowStatisticsKernel.LargestPatternAtMost<BFloat16>(trigger);
            for (int pattern = 0; pattern <= 0x7F7F; pattern++)
            {
                float value = BitConverter.UInt32BitsToSingle((uint)pattern << 16);
                Assert.True(value > trigger == pattern > threshold, $"bf16 0x{pattern:X4} ({value}) against {trigger}: threshold 0x{threshold:X4}");
            }

            Assert.InRange(threshold, 0, 0x7F80);
        }
    }

    private readonly struct SixteenBitLanes : IWidthTest
    {
        public void Run<TWidth, TVector>()
            where TWidth : IVectorWidth<TVector>
            where TVector : unmanaged
        {
            int count = TWidth.Count;
            var random = new Random(4242 + count);
            var left = new float[count];
            var right = new float[count];
            var result = new float[count];
            for (int trial = 0; trial < 2000; trial++)
            {
                for (int lane = 0; lane < count; lane++)
                {
                    left[lane] = BitConverter.UInt32BitsToSingle(RandomWords(random));
                    right[lane] = BitConverter.UInt32BitsToSingle(RandomWords(random));
                }

                // One lane at a time equal to the other side, so that "greater than any" meets equality too.
                if (trial % 3 == 0)
                {
                    left.CopyTo(right, 0);
                    int lane = random.Next(count);
                    right[lane] = BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(right[lane]) ^ (1u << random.Next(32)));
                }

                TVector l = TWidth.LoadSingle(ref left[0], 0);
                TVector r = TWidth.LoadSingle(ref right[0], 0);
                bool anySigned = false, anyUnsigned = false;
                TWidth.Store(TWidth.MaxInt16(l, r), ref result[0], 0);
                for (int lane = 0; lane < count; lane++)
                {
                    (short[] ls, ushort[] lu) = Halves(left[lane]);
                    (short[] rs, ushort[] ru) = Halves(right[lane]);
                    (short[] signedMax, _) = Halves(result[lane]);
                    for (int h = 0; h < 2; h++)
                    {
                        Assert.Equal(Math.Max(ls[h], rs[h]), signedMax[h]);
                        anySigned |= ls[h] > rs[h];
                        anyUnsigned |= lu[h] > ru[h];
                    }
                }

                TWidth.Store(TWidth.MaxUInt16(l, r), ref result[0], 0);
                for (int lane = 0; lane < count; lane++)
                {
                    (_, ushort[] lu) = Halves(left[lane]);
                    (_, ushort[] ru) = Halves(right[lane]);
                    (_, ushort[] unsignedMax) = Halves(result[lane]);
                    Assert.Equal(Math.Max(lu[0], ru[0]), unsignedMax[0]);
                    Assert.Equal(Math.Max(lu[1], ru[1]), unsignedMax[1]);
                }

                Assert.Equal(anySigned, TWidth.GreaterThanAnyInt16(l, r));
                Assert.Equal(anyUnsigned, TWidth.GreaterThanAnyUInt16(l, r));
            }
        }

        // Words of two 16-bit halves, each drawn among the patterns that matter here (±0, ±∞, NaNs, either sign's
        // extremes) or at random.
        private static uint RandomWords(Random random) => (uint)RandomHalf(random) | ((uint)RandomHalf(random) << 16);

        private static ushort RandomHalf(Random random)
        {
            ushort[] edges = [0x0000, 0x8000, 0x7BFF, 0xFBFF, 0x7C00, 0xFC00, 0x7FFF, 0xFFFF, 0x0001, 0x8001];
            return random.Next(3) == 0 ? edges[random.Next(edges.Length)] : (ushort)random.Next(0x10000);
        }

        private static (short[] Signed, ushort[] Unsigned) Halves(float lane)
        {
            uint bits = BitConverter.SingleToUInt32Bits(lane);
            ushort lower = (ushort)bits, upper = (ushort)(bits >> 16);
            return ([(short)lower, (short)upper], [lower, upper]);
        }
    }

    [Fact]
    public void SixteenBitMaximaAndComparisons_ReadEachHalfOfEveryLane()
    {
        Assert.True(WidthRunner.RunOnAcceleratedWidths(new SixteenBitLanes()) >= 1);
    }
}
