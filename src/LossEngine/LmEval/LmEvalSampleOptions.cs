namespace LossEngine.LmEval;

/// <summary>How lm-evaluation-harness sample logs are read.</summary>
public sealed record LmEvalSampleOptions
{
    /// <summary>The text lm-eval puts between the context and each choice (its <c>target_delimiter</c>, " " by
    /// default). It is taken off the front of each logged continuation to recover the choice string whose length
    /// <c>acc_norm</c> and <c>acc_bytes</c> divide by.</summary>
    public string TargetDelimiter { get; init; } = " ";

    /// <summary>How many worst questions or documents, and possible label errors, each task keeps; default 10.</summary>
    public int Keep { get; init; } = 10;

    /// <summary>A wrong multiple-choice answer is a possible label error when the model gives its choice at least this
    /// probability; default 0.9.</summary>
    public double LabelErrorConfidence { get; init; } = 0.9;
}
