using System.Numerics;

namespace LossEngine.Scaling;

/// <summary>
/// xoshiro256** seeded through SplitMix64. Its stream depends on the seed alone, so a bootstrap interval is the same on
/// every run, machine and runtime version; <see cref="Random"/> promises that for no seed.
/// </summary>
internal struct SeededRandom
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;
    private double _spare;
    private bool _hasSpare;

    public SeededRandom(ulong seed)
    {
        ulong state = seed;
        _s0 = SplitMix(ref state);
        _s1 = SplitMix(ref state);
        _s2 = SplitMix(ref state);
        _s3 = SplitMix(ref state);
        _spare = 0;
        _hasSpare = false;
    }

    /// <summary>One SplitMix64 step: advances <paramref name="state"/> and returns a well-mixed word.</summary>
    public static ulong SplitMix(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        ulong z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A seed for stream <paramref name="index"/> of the family keyed by <paramref name="seed"/>: streams of
    /// different indices are unrelated, so work split across threads draws the same numbers as in one thread.</summary>
    public static ulong Derive(ulong seed, ulong index)
    {
        ulong state = seed ^ (index * 0xD1B54A32D192ED03UL);
        return SplitMix(ref state);
    }

    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform on [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform on [0, <paramref name="count"/>) by a multiply-shift; the bias, count / 2^32, is far below
    /// anything a bootstrap could show.</summary>
    public int NextInt(int count) => (int)(((NextUInt64() >> 32) * (ulong)count) >> 32);

    /// <summary>Fills <paramref name="destination"/> with standard normal variates: Box–Muller on pairs of uniforms,
    /// z = √(−2 ln(1 − u₁))·(cos, sin)(2π·u₂), a vector of pairs at a time when vectors are accelerated.</summary>
    public void FillGaussian(Span<double> destination)
    {
        int n = destination.Length;
        int pairs = (n + 1) / 2;
        Span<double> first = pairs <= 256 ? stackalloc double[pairs] : new double[pairs];
        Span<double> second = pairs <= 256 ? stackalloc double[pairs] : new double[pairs];
        for (int k = 0; k < pairs; k++)
        {
            first[k] = 1.0 - NextDouble();
            second[k] = 2.0 * Math.PI * NextDouble();
        }

        int j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int width = Vector<double>.Count;
            var minusTwo = new Vector<double>(-2.0);
            for (; j <= pairs - width; j += width)
            {
                Vector<double> radius = Vector.SquareRoot(minusTwo * Vector.Log(new Vector<double>(first.Slice(j, width))));
                (Vector<double> sin, Vector<double> cos) = Vector.SinCos(new Vector<double>(second.Slice(j, width)));
                (radius * cos).CopyTo(first.Slice(j, width));
                (radius * sin).CopyTo(second.Slice(j, width));
            }
        }

        for (; j < pairs; j++)
        {
            double radius = Math.Sqrt(-2.0 * Math.Log(first[j]));
            (double sin, double cos) = Math.SinCos(second[j]);
            (first[j], second[j]) = (radius * cos, radius * sin);
        }

        for (int k = 0; k < n; k++)
        {
            destination[k] = (k & 1) == 0 ? first[k >> 1] : second[k >> 1];
        }
    }

    /// <summary>A standard normal variate (Box–Muller; the second value of each pair is kept for the next call).</summary>
    public double NextGaussian()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare;
        }

        // 1 − u lies in (0, 1], so the logarithm is finite.
        double radius = Math.Sqrt(-2.0 * Math.Log(1.0 - NextDouble()));
        (double sin, double cos) = Math.SinCos(2.0 * Math.PI * NextDouble());
        _spare = radius * sin;
        _hasSpare = true;
        return radius * cos;
    }
}
