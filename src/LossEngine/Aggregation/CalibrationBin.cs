namespace LossEngine.Aggregation;

/// <summary>One of the 15 equal-width confidence bins behind <see cref="TaskMetrics.ExpectedCalibrationError"/>: the
/// tokens whose top-1 probability fell in [<see cref="Low"/>, <see cref="High"/>), how many of them the model got right,
/// and their mean confidence. A reliability diagram plots <see cref="Accuracy"/> against
/// <see cref="MeanConfidence"/>.</summary>
/// <param name="Low">The bin's lower edge.</param>
/// <param name="High">The bin's upper edge (the last bin includes 1).</param>
/// <param name="Tokens">Tokens in the bin.</param>
/// <param name="Correct">Those whose target was the model's top-1 token.</param>
/// <param name="MeanConfidence">Their mean top-1 probability; NaN for an empty bin.</param>
public sealed record CalibrationBin(double Low, double High, long Tokens, long Correct, double MeanConfidence)
{
    /// <summary>Correct / Tokens; NaN for an empty bin.</summary>
    public double Accuracy => Tokens > 0 ? (double)Correct / Tokens : double.NaN;
}
