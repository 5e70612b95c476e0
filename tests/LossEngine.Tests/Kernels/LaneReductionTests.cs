using LossEngine.Kernels;
using LossEngine.Kernels.Vectors;

namespace LossEngine.Tests.Kernels;

/// <summary>The across-lane reductions the kernels' per-row paths use: the largest lane, and the first argmax over
/// lanes that each hold their own maximum and its first index.</summary>
public sealed class LaneReductionTests
{
    [Fact]
    public void MaxAcross_IsTheLargestLane_AndNaNWhenAnyLaneIsNaN() => WidthRunner.RunOnAcceleratedWidths(new MaxAcrossCases());

    [Fact]
    public void ArgMax_TakesTheLowestIndexAmongTheLanesAtTheMaximum() => WidthRunner.RunOnAcceleratedWidths(new ArgMaxCases());

    private static TVector Load<TWidth, TVector>(float[] lanes)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged => TWidth.LoadSingle(ref lanes[0], 0);

    private readonly struct MaxAcrossCases : IWidthTest
    {
        public void Run<TWidth, TVector>()
            where TWidth : IVectorWidth<TVector>
            where TVector : unmanaged
        {
            int count = TWidth.Count;
            var random = new Random(31);
            for (int trial = 0; trial < 200; trial++)
            {
                float[] lanes = [.. Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 200) - 100))];
                Assert.Equal(lanes.Max(), TWidth.MaxAcross(Load<TWidth, TVector>(lanes)));
            }

            for (int lane = 0; lane < count; lane++)
            {
                float[] lanes = [.. Enumerable.Range(0, count).Select(i => (float)-i)];
                lanes[lane] = float.PositiveInfinity;
                Assert.Equal(float.PositiveInfinity, TWidth.MaxAcross(Load<TWidth, TVector>(lanes)));
                lanes[lane] = float.NaN;
                Assert.True(float.IsNaN(TWidth.MaxAcross(Load<TWidth, TVector>(lanes))), $"{count} lanes, NaN in lane {lane}");
            }

            float[] masked = [.. Enumerable.Repeat(float.NegativeInfinity, count)];
            Assert.Equal(float.NegativeInfinity, TWidth.MaxAcross(Load<TWidth, TVector>(masked)));
            masked[count - 1] = float.MinValue;
            Assert.Equal(float.MinValue, TWidth.MaxAcross(Load<TWidth, TVector>(masked)));
        }
    }

    private readonly struct ArgMaxCases : IWidthTest
    {
        public void Run<TWidth, TVector>()
            where TWidth : IVectorWidth<TVector>
            where TVector : unmanaged
        {
            int count = TWidth.Count;
            var random = new Random(32);
            for (int trial = 0; trial < 500; trial++)
            {
                // Few distinct values, so that several lanes often share the maximum; indices as a kernel keeps them
                // (lane + a multiple of the width), in any order across lanes.
                float[] laneMax = [.. Enumerable.Range(0, count).Select(_ => (float)random.Next(-3, 3))];
                float[] laneIndex = [.. Enumerable.Range(0, count).Select(lane => (float)(lane + (count * random.Next(0, 100_000))))];
                if (trial % 5 == 0)
                {
                    laneMax[random.Next(count)] = float.NegativeInfinity;
                }

                float max = laneMax.Max();
                int expected = (int)Enumerable.Range(0, count).Where(lane => laneMax[lane] == max).Min(lane => laneIndex[lane]);
                (float actualMax, int actualIndex) = LaneSums.ArgMax<TWidth, TVector>(Load<TWidth, TVector>(laneMax), Load<TWidth, TVector>(laneIndex));
                Assert.Equal(max, actualMax);
                Assert.Equal(expected, actualIndex);
            }
        }
    }
}
