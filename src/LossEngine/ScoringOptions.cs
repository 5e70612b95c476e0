namespace LossEngine;

/// <summary>Options shared by the batch kernels: which rows to skip, a temperature, and how to use the cores.</summary>
public record ScoringOptions
{
    /// <summary>Rows whose target equals this are skipped: their loss is 0 and they are excluded from means
    /// (PyTorch's <c>ignore_index</c>, default −100).</summary>
    public long IgnoreIndex { get; init; } = -100;

    /// <summary>Logits are divided by T before anything else (implemented as multiplication by 1/T, which can differ
    /// from x/T by one rounding). Must be finite and positive; default 1.</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>The most threads a call uses: −1 (default) means <see cref="Environment.ProcessorCount"/>, 1 runs on the
    /// calling thread only. Results are bitwise identical for every value.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>Rows per parallel block, a tuning knob for tests: 0 (default) splits the rows into one contiguous block per
    /// thread, and runs small inputs (under about a million logits) inline. Results are bitwise identical for every value.</summary>
    internal int RowsPerBlock { get; init; }

    internal void Validate()
    {
        if (!(Temperature > 0) || !float.IsFinite(Temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "The temperature must be finite and positive.");
        }

        if (MaxDegreeOfParallelism == 0 || MaxDegreeOfParallelism < -1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), MaxDegreeOfParallelism, "Use −1 for all cores or a positive thread count.");
        }

        if (RowsPerBlock < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(RowsPerBlock), RowsPerBlock, "Rows per block must be 0 (automatic) or positive.");
        }
    }
}
