namespace LossEngine.Pipeline;

/// <summary>How far a dump scoring or comparison run has come, reported after each batch in row order.</summary>
/// <param name="Bytes">Bytes of logits read so far (both models' for a comparison).</param>
/// <param name="TotalBytes">Bytes of logits the run reads in all.</param>
/// <param name="Rows">Rows done so far.</param>
/// <param name="TotalRows">Rows in all.</param>
/// <param name="Elapsed">Time since the run started.</param>
public readonly record struct ScoringProgress(long Bytes, long TotalBytes, long Rows, long TotalRows, TimeSpan Elapsed)
{
    /// <summary>The fraction done, in [0, 1]; 1 for a run with nothing to read.</summary>
    public double Fraction => TotalBytes == 0 ? 1 : (double)Bytes / TotalBytes;
}
