using FsCheck.Xunit;

namespace LossEngine.Tests.Kernels;

public sealed class BFloat16Tests
{
    [Property]
    public bool RoundTrip_IsExact_ForEveryBFloat16(ushort bits)
    {
        BFloat16 value = BFloat16.FromRawBits(bits);
        float widened = (float)value;
        return float.IsNaN(widened) ? BFloat16.IsNaN((BFloat16)widened) : ((BFloat16)widened).RawBits == bits;
    }

    [Property]
    public bool FromSingle_RoundsToNearest_TiesToEven(float value)
    {
        if (float.IsNaN(value))
        {
            return BFloat16.IsNaN((BFloat16)value);
        }

        BFloat16 rounded = (BFloat16)value;
        if (float.IsInfinity(value))
        {
            return (float)rounded == value;
        }

        double error = Math.Abs((double)(float)rounded - value);
        if (float.IsInfinity((float)rounded))
        {
            return Math.Abs(value) >= 3.3961514e38f; // past halfway to the next power of two: rounds to infinity
        }

        // No finite bf16 neighbour of the same sign is closer; on a tie, the even mantissa wins. (Zero's neighbours
        // are the smallest subnormals of either sign, which are never closer than zero itself to a value that rounds
        // to zero, so the wrapped raw bits are skipped.)
        bool nearest = true;
        bool tie = false;
        foreach (int step in new[] { -1, 1 })
        {
            int neighbourBits = rounded.RawBits + step;
            if (neighbourBits is < 0 or > 0xFFFF)
            {
                continue;
            }

            float neighbour = (float)BFloat16.FromRawBits((ushort)neighbourBits);
            if (!float.IsFinite(neighbour) || Math.Sign(neighbour) * Math.Sign((float)rounded) < 0)
            {
                continue;
            }

            double neighbourError = Math.Abs((double)neighbour - value);
            nearest &= error <= neighbourError;
            tie |= error == neighbourError && error != 0;
        }

        bool tieBroken = !tie || (rounded.RawBits & 1) == 0;
        return nearest && tieBroken;
    }

    [Fact]
    public void KnownValues()
    {
        Assert.Equal((ushort)0x3F80, ((BFloat16)1f).RawBits);
        Assert.Equal((ushort)0x3F80, ((BFloat16)1.00390625f).RawBits); // halfway between 1 and 1+2^-7: ties to even (1)
        Assert.Equal((ushort)0x3F82, ((BFloat16)1.01171875f).RawBits); // halfway between 1+2^-7 and 1+2^-6: ties to even
        Assert.Equal((ushort)0x7F80, ((BFloat16)float.PositiveInfinity).RawBits);
        Assert.Equal((ushort)0xFF80, ((BFloat16)float.NegativeInfinity).RawBits);
        Assert.Equal((ushort)0x7F80, ((BFloat16)float.MaxValue).RawBits);
        Assert.True(BFloat16.IsNaN((BFloat16)BitConverter.UInt32BitsToSingle(0x7F800001))); // a NaN whose payload would truncate to ∞
        Assert.Equal(2, System.Runtime.CompilerServices.Unsafe.SizeOf<BFloat16>());
    }
}
