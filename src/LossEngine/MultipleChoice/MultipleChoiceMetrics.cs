namespace LossEngine.MultipleChoice;

/// <summary>
/// One task's multiple-choice metrics (or the overall ones, over every question), with lm-evaluation-harness's names.
/// Each standard error is lm-eval's <c>mean_stderr</c> of the per-question values: sample standard deviation / √n (NaN
/// below two questions). lm-eval reports no standard error for the Brier score; ours is the same formula.
/// </summary>
public sealed record MultipleChoiceMetrics
{
    /// <summary>The task's name ("overall" for every question).</summary>
    public required string Task { get; init; }

    /// <summary>Questions scored.</summary>
    public long Questions { get; init; }

    /// <summary>The mean number of choices per question.</summary>
    public double MeanChoices { get; init; }

    /// <summary><c>acc</c>: the share of questions whose highest log-likelihood is the gold choice's.</summary>
    public double Accuracy { get; init; }

    /// <summary>Standard error of <see cref="Accuracy"/>.</summary>
    public double AccuracyStandardError { get; init; }

    /// <summary><c>acc_norm</c>: the same with each log-likelihood divided by its choice's length in characters; NaN
    /// unless every question has character lengths.</summary>
    public double NormalizedAccuracy { get; init; }

    /// <summary>Standard error of <see cref="NormalizedAccuracy"/>.</summary>
    public double NormalizedAccuracyStandardError { get; init; }

    /// <summary><c>acc_bytes</c>: divided by each choice's UTF-8 byte length instead; NaN unless every question has
    /// byte lengths.</summary>
    public double ByteAccuracy { get; init; }

    /// <summary>Standard error of <see cref="ByteAccuracy"/>.</summary>
    public double ByteAccuracyStandardError { get; init; }

    /// <summary><c>acc_mutual_info</c>: argmax of conditional − unconditional log-likelihood; NaN unless every question
    /// has unconditional log-likelihoods.</summary>
    public double MutualInfoAccuracy { get; init; }

    /// <summary><c>brier_score</c>: the mean over questions of Σ_c (softmax(lls)_c − [c = gold])²; lower is better.
    /// The continuous counterpart of accuracy.</summary>
    public double BrierScore { get; init; }

    /// <summary>Standard error of <see cref="BrierScore"/>.</summary>
    public double BrierScoreStandardError { get; init; }

    /// <summary>The mean probability of the gold choice under softmax(lls).</summary>
    public double GoldProbability { get; init; }

    /// <summary>Standard error of <see cref="GoldProbability"/>.</summary>
    public double GoldProbabilityStandardError { get; init; }

    /// <summary>The task's share of all wrong answers (by <c>acc</c>): its errors / every task's errors.</summary>
    public double ShareOfErrors { get; init; }

    /// <summary>The questions with the lowest gold probability, worst first.</summary>
    public IReadOnlyList<MultipleChoiceOutcome> WorstQuestions { get; init; } = [];

    /// <summary>Possible label errors: questions where the model gives another choice at least the label-error
    /// confidence, most confident first. Read them by hand: the label or the model may be wrong.</summary>
    public IReadOnlyList<MultipleChoiceOutcome> PossibleLabelErrors { get; init; } = [];
}
