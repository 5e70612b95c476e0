namespace LossEngine.Formats;

/// <summary>How to read an eval dump's files. Which targets are ignored is a scoring choice:
/// <see cref="ScoringOptions.IgnoreIndex"/>.</summary>
public sealed record DumpOptions
{
    /// <summary>Apply the causal-LM convention to [B, S, V] logits: logits[:, :-1] are scored against labels[:, 1:], so
    /// each sequence gives S − 1 rows. Needs [B, S, V] logits.</summary>
    public bool Shift { get; init; }

    /// <summary>How to read 2-byte .npy data of no declared float type ('|V2', '&lt;u2'): <see cref="TensorDataType.BFloat16"/>
    /// for ml_dtypes bfloat16 arrays, or <see cref="TensorDataType.Float16"/>. Null (default) makes such data an error.</summary>
    public TensorDataType? NpyTwoByteType { get; init; }
}
