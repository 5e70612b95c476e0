namespace LossEngine.Synthetic;

/// <summary>
/// Seeded, cheap, logit-like noise for the demo dump and the benchmarks: the sum of four xorshift64 uniforms
/// (Irwin–Hall), which is close enough to a Gaussian for made-up logits and much faster than Box–Muller, and the same
/// on every machine for a given seed.
/// </summary>
internal struct SeededNoise(int seed)
{
    /// <summary>Multiply <see cref="NextCentered"/> by this to get a standard deviation of 1.</summary>
    public const float UnitScale = 1.7320508f;

    private ulong _state = ((ulong)seed * 0x9E3779B97F4A7C15UL) | 1;

    /// <summary>A draw with mean 0 and standard deviation 1/√3, in (−2, 2).</summary>
    public float NextCentered()
    {
        float sum = 0;
        for (int k = 0; k < 4; k++)
        {
            _state ^= _state << 13;
            _state ^= _state >> 7;
            _state ^= _state << 17;
            sum += (_state >> 40) * (1f / (1 << 24));
        }

        return sum - 2f;
    }
}
