namespace LossEngine.MultipleChoice;

/// <summary>How the model did on one multiple-choice question (<see cref="MultipleChoiceQuestion.Score"/>).</summary>
/// <param name="QuestionId">The question's id.</param>
/// <param name="Choices">The number of choices.</param>
/// <param name="Gold">The right choice.</param>
/// <param name="Prediction">argmax of the log-likelihoods.</param>
/// <param name="NormalizedPrediction">argmax of log-likelihood / characters; null without character lengths.</param>
/// <param name="BytePrediction">argmax of log-likelihood / bytes; null without byte lengths.</param>
/// <param name="MutualInfoPrediction">argmax of conditional − unconditional log-likelihood; null without them.</param>
/// <param name="BrierScore">Σ_c (softmax(lls)_c − [c = gold])², in [0, 2]; lower is better.</param>
/// <param name="GoldProbability">softmax(lls) of the gold choice.</param>
/// <param name="PredictionProbability">softmax(lls) of the predicted choice.</param>
/// <param name="GoldLogLikelihood">The gold choice's log-likelihood.</param>
public sealed record MultipleChoiceOutcome(long QuestionId, int Choices, int Gold, int Prediction, int? NormalizedPrediction, int? BytePrediction, int? MutualInfoPrediction,
    double BrierScore, double GoldProbability, double PredictionProbability, double GoldLogLikelihood)
{
    /// <summary>lm-eval's <c>acc</c>: 1 when the prediction is the gold choice.</summary>
    public bool Correct => Prediction == Gold;
}
