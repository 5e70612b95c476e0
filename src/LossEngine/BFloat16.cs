using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace LossEngine;

/// <summary>
/// The bfloat16 ("brain float") 16-bit floating-point type: the upper half of an IEEE 754 binary32, with 1 sign bit,
/// 8 exponent bits and 7 stored mantissa bits. It has float's range and about 2.4 significant decimal digits.
/// </summary>
/// <remarks>
/// The BCL has no bfloat16 type, so LossEngine carries this one. It is blittable and exactly two bytes, so a
/// <c>ReadOnlySpan&lt;BFloat16&gt;</c> can view a buffer of raw bf16 values (for example a memory-mapped dump)
/// without copying. Conversion to <see cref="float"/> is exact. Conversion from <see cref="float"/> rounds to the
/// nearest representable value, ties to even; NaN stays NaN (quiet), ±∞ stays ±∞, and finite values that round
/// beyond the largest bf16 become ±∞.
/// </remarks>
public readonly struct BFloat16 : IEquatable<BFloat16>, IComparable<BFloat16>, IFormattable
{
    private readonly ushort _bits;

    private BFloat16(ushort bits) => _bits = bits;

    /// <summary>The raw 16 bits: sign, exponent and mantissa, as stored in a bf16 tensor.</summary>
    public ushort RawBits => _bits;

    /// <summary>Reinterprets 16 raw bits as a bfloat16 value.</summary>
    public static BFloat16 FromRawBits(ushort bits) => new(bits);

    /// <summary>Positive infinity.</summary>
    public static BFloat16 PositiveInfinity => new(0x7F80);

    /// <summary>Negative infinity.</summary>
    public static BFloat16 NegativeInfinity => new(0xFF80);

    /// <summary>A quiet NaN.</summary>
    public static BFloat16 NaN => new(0x7FC0);

    /// <summary>The largest finite value, about 3.39e38.</summary>
    public static BFloat16 MaxValue => new(0x7F7F);

    /// <summary>The most negative finite value, about −3.39e38.</summary>
    public static BFloat16 MinValue => new(0xFF7F);

    /// <summary>Converts a float to the nearest bfloat16, ties to even. NaN stays a quiet NaN with its sign.</summary>
    public static explicit operator BFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            // Keep the sign and force the quiet bit so that truncation cannot turn a NaN into infinity.
            return new BFloat16((ushort)((bits >> 16) | 0x0040));
        }

        // Round to nearest even: add 0x7FFF plus the lowest kept bit, then truncate. A carry into the exponent is
        // the correct rounding, up to and including overflow to infinity.
        uint lsb = (bits >> 16) & 1;
        return new BFloat16((ushort)((bits + 0x7FFFu + lsb) >> 16));
    }

    /// <summary>Converts a bfloat16 to float. Exact.</summary>
    public static explicit operator float(BFloat16 value) => BitConverter.UInt32BitsToSingle((uint)value._bits << 16);

    /// <summary>Converts a bfloat16 to double. Exact.</summary>
    public static explicit operator double(BFloat16 value) => (float)value;

    /// <summary>True when the value is NaN.</summary>
    public static bool IsNaN(BFloat16 value) => (value._bits & 0x7FFF) > 0x7F80;

    /// <inheritdoc/>
    public bool Equals(BFloat16 other) => ((float)this).Equals((float)other);

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is BFloat16 other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => ((float)this).GetHashCode();

    /// <inheritdoc/>
    public int CompareTo(BFloat16 other) => ((float)this).CompareTo((float)other);

    /// <summary>IEEE equality: NaN is not equal to itself, and +0 equals −0.</summary>
    public static bool operator ==(BFloat16 left, BFloat16 right) => (float)left == (float)right;

    /// <summary>IEEE inequality.</summary>
    public static bool operator !=(BFloat16 left, BFloat16 right) => (float)left != (float)right;

    /// <summary>IEEE less-than.</summary>
    public static bool operator <(BFloat16 left, BFloat16 right) => (float)left < (float)right;

    /// <summary>IEEE greater-than.</summary>
    public static bool operator >(BFloat16 left, BFloat16 right) => (float)left > (float)right;

    /// <summary>IEEE less-than-or-equal.</summary>
    public static bool operator <=(BFloat16 left, BFloat16 right) => (float)left <= (float)right;

    /// <summary>IEEE greater-than-or-equal.</summary>
    public static bool operator >=(BFloat16 left, BFloat16 right) => (float)left >= (float)right;

    /// <inheritdoc/>
    public override string ToString() => ((float)this).ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ((float)this).ToString(format, formatProvider);
}
