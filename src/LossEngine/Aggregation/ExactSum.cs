using System.Numerics;

namespace LossEngine.Aggregation;

/// <summary>
/// An exact, order-independent sum of doubles: a fixed-point superaccumulator of 32-bit limbs spanning the whole double
/// range, so adding the same values in any order, split over any shards and merged in any order, gives bit-identical
/// state and therefore the same rounded result. ±∞ and NaN are counted beside it.
/// </summary>
/// <remarks>Each add splits the 53-bit significand, shifted to its binary position, over three limbs. Limbs hold 64-bit
/// signed integers, so 2^30 adds fit before carries must be propagated; <see cref="Normalize"/> does that and leaves a
/// canonical form (every limb in [0, 2^32) except the top one, which carries the sign).</remarks>
internal sealed class ExactSum
{
    // Bit position 0 is 2^−1074 (the smallest subnormal); a finite double reaches position 2097, plus 31 bits of shift.
    private const int LimbCount = 70;
    private const int NormalizeEvery = 1 << 30;

    private readonly long[] _limbs = new long[LimbCount];
    private int _addsSinceNormalize;

    public long PositiveInfinities { get; private set; }

    public long NegativeInfinities { get; private set; }

    public long NaNs { get; private set; }

    public void Add(double value)
    {
        if (!double.IsFinite(value))
        {
            if (double.IsNaN(value))
            {
                NaNs++;
            }
            else if (value > 0)
            {
                PositiveInfinities++;
            }
            else
            {
                NegativeInfinities++;
            }

            return;
        }

        if (value == 0)
        {
            return;
        }

        long bits = BitConverter.DoubleToInt64Bits(value);
        int exponent = (int)((bits >> 52) & 0x7FF);
        long significand = bits & ((1L << 52) - 1);
        if (exponent == 0)
        {
            exponent = 1;
        }
        else
        {
            significand |= 1L << 52;
        }

        // value = significand · 2^(exponent − 1075) = significand · 2^(position) in units of 2^−1074.
        int position = exponent - 1;
        Int128 shifted = (Int128)(value < 0 ? -significand : significand) << (position & 31);
        int limb = position >> 5;
        _limbs[limb] += (long)(shifted & 0xFFFFFFFF);
        shifted >>= 32;
        _limbs[limb + 1] += (long)(shifted & 0xFFFFFFFF);
        shifted >>= 32;
        _limbs[limb + 2] += (long)shifted;
        if (++_addsSinceNormalize == NormalizeEvery)
        {
            Normalize();
        }
    }

    public void Add(ExactSum other)
    {
        other.Normalize();
        Normalize();
        for (int i = 0; i < LimbCount; i++)
        {
            _limbs[i] += other._limbs[i];
        }

        PositiveInfinities += other.PositiveInfinities;
        NegativeInfinities += other.NegativeInfinities;
        NaNs += other.NaNs;
        Normalize();
    }

    /// <summary>Propagates carries into the canonical form.</summary>
    public void Normalize()
    {
        long carry = 0;
        for (int i = 0; i < LimbCount - 1; i++)
        {
            long value = _limbs[i] + carry;
            _limbs[i] = value & 0xFFFFFFFF;
            carry = value >> 32;
        }

        _limbs[LimbCount - 1] += carry;
        _addsSinceNormalize = 0;
    }

    /// <summary>The sum rounded to double (deterministic; within about one ulp of the exact value). NaN if a NaN was added
    /// or both infinities were, ±∞ if one infinity was.</summary>
    public double ToDouble()
    {
        if (NaNs > 0 || (PositiveInfinities > 0 && NegativeInfinities > 0))
        {
            return double.NaN;
        }

        if (PositiveInfinities > 0)
        {
            return double.PositiveInfinity;
        }

        if (NegativeInfinities > 0)
        {
            return double.NegativeInfinity;
        }

        Normalize();
        if (_limbs[LimbCount - 1] < 0)
        {
            // A negative sum is held in two's complement across the limbs: round its magnitude, then negate.
            BigInteger magnitude = -ToScaledInteger();
            long[] limbs = new long[LimbCount];
            for (int i = 0; i < LimbCount; i++)
            {
                limbs[i] = (long)(uint)(magnitude & uint.MaxValue);
                magnitude >>= 32;
            }

            return -RoundToDouble(limbs);
        }

        return RoundToDouble(_limbs);
    }

    /// <summary>Canonical non-negative limbs rounded to the nearest double.</summary>
    private static double RoundToDouble(long[] limbs)
    {
        // Assemble the top 128 bits as an integer, then scale once: a single rounding to double.
        int top = LimbCount - 1;
        while (top > 0 && limbs[top] == 0)
        {
            top--;
        }

        if (top == 0 && limbs[0] == 0)
        {
            return 0;
        }

        BigInteger head = limbs[top];
        int lowest = Math.Max(0, top - 3);
        for (int i = top - 1; i >= lowest; i--)
        {
            head = (head << 32) + limbs[i];
        }

        // Anything below the assembled limbs only matters for a sticky bit: keep it so rounding is not biased.
        bool sticky = false;
        for (int i = lowest - 1; i >= 0 && !sticky; i--)
        {
            sticky = limbs[i] != 0;
        }

        head = (head << 1) + (sticky ? 1 : 0);
        return Math.ScaleB((double)head, (32 * lowest) - 1074 - 1);
    }

    /// <summary>The exact finite value times 2^1074, as an integer (special values are ignored; check them first).</summary>
    public BigInteger ToScaledInteger()
    {
        Normalize();
        BigInteger value = BigInteger.Zero;
        for (int i = LimbCount - 1; i >= 0; i--)
        {
            value = (value << 32) + _limbs[i];
        }

        return value;
    }

    /// <summary>Whether a NaN or an infinity was added.</summary>
    public bool HasSpecialValues => NaNs > 0 || PositiveInfinities > 0 || NegativeInfinities > 0;

    /// <summary>The canonical limbs, for serialisation.</summary>
    public long[] ToLimbs()
    {
        Normalize();
        return (long[])_limbs.Clone();
    }

    public static ExactSum FromState(long[]? limbs, long positiveInfinities, long negativeInfinities, long nans)
    {
        var sum = new ExactSum { PositiveInfinities = positiveInfinities, NegativeInfinities = negativeInfinities, NaNs = nans };
        if (limbs is not null)
        {
            if (limbs.Length != LimbCount)
            {
                throw new FormatException($"An exact sum has {limbs.Length} limbs; expected {LimbCount}.");
            }

            limbs.CopyTo(sum._limbs, 0);
        }

        return sum;
    }

    public ExactSum Clone() => FromState(ToLimbs(), PositiveInfinities, NegativeInfinities, NaNs);
}
