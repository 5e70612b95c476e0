using LossEngine.MultipleChoice;

namespace LossEngine.Tests.MultipleChoice;

/// <summary>lm-evaluation-harness's multiple-choice rules (numpy's argmax, softmax, Brier) on hand-made questions, and
/// exact merging. The same rules against numpy on realistic data: <c>LmEval/LmEvalSamplesTests</c>.</summary>
public sealed class MultipleChoiceTests
{
    [Fact]
    public void Questions_FollowNumpy_TiesFirst_NaNFirst_SoftmaxAndBrier()
    {
        MultipleChoiceOutcome tie = new MultipleChoiceQuestion { QuestionId = 1, LogLikelihoods = [-2, -1, -1], Gold = 2, CharacterLengths = [1, 1, 1], ByteLengths = [4, 1, 2] }.Score();
        Assert.Equal(1, tie.Prediction);
        Assert.False(tie.Correct);
        Assert.Equal(1, tie.NormalizedPrediction);
        Assert.Equal(0, tie.BytePrediction); // -2/4 ties -1/2, and numpy takes the first
        double e1 = Math.Exp(-1), e2 = Math.Exp(-2), z = e2 + e1 + e1;
        Assert.Equal(Math.Pow(e2 / z, 2) + Math.Pow(e1 / z, 2) + Math.Pow((e1 / z) - 1, 2), tie.BrierScore, 15);
        Assert.Equal(e1 / z, tie.GoldProbability, 15);
        Assert.Equal(1, new MultipleChoiceQuestion { QuestionId = 2, LogLikelihoods = [-1, double.NaN, 0], Gold = 0 }.Score().Prediction);
        Assert.Throws<ArgumentException>(() => new MultipleChoiceQuestion { QuestionId = 3, LogLikelihoods = [-1, -2], Gold = 2 }.Score());
        Assert.Throws<ArgumentException>(() => new MultipleChoiceQuestion { QuestionId = 4, LogLikelihoods = [-1, -2], Gold = 0, CharacterLengths = [3] }.Score());
    }

    [Fact]
    public void ShardsMerged_ReportWhatOnePassReports()
    {
        var random = new Random(12);
        MultipleChoiceQuestion[] questions = [.. Enumerable.Range(0, 300).Select(i => new MultipleChoiceQuestion
        {
            QuestionId = i,
            LogLikelihoods = [.. Enumerable.Range(0, 4).Select(_ => -10 * random.NextDouble())],
            Gold = random.Next(4),
            CharacterLengths = [.. Enumerable.Range(0, 4).Select(_ => random.Next(1, 30))],
            ByteLengths = [.. Enumerable.Range(0, 4).Select(_ => random.Next(30, 60))],
        })];
        string[] tasks = ["a", "b", "c"];
        var onePass = new MultipleChoiceAggregator(tasks, keep: 5, labelErrorConfidence: 0.5);
        var shards = Enumerable.Range(0, 4).Select(_ => new MultipleChoiceAggregator(tasks, keep: 5, labelErrorConfidence: 0.5)).ToArray();
        for (int i = 0; i < questions.Length; i++)
        {
            onePass.Add(i % 3, questions[i]);
            shards[(i * 7) % 4].Add(i % 3, questions[i]);
        }

        shards[2].Merge(shards[0]);
        shards[2].Merge(shards[3]);
        shards[2].Merge(shards[1]);
        // Every field of the report, lists included, NaN (no mutual-information scores) written by name.
        var options = new System.Text.Json.JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
        string Json(MultipleChoiceAggregator a) => System.Text.Json.JsonSerializer.Serialize(a.Report(), options);
        Assert.Equal(Json(onePass), Json(shards[2]));
        Assert.Equal(questions.Count(q => q.Score().Correct) / 300.0, onePass.Report().Overall.Accuracy, 15);
        Assert.Throws<ArgumentException>(() => onePass.Merge(onePass));
    }
}
