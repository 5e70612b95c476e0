using LossEngine.Aggregation;

namespace LossEngine.MultipleChoice;

/// <summary>One task's running counts and exact sums over scored questions, and its kept lists.</summary>
internal sealed class MultipleChoiceTaskState
{
    public long Questions { get; private set; }

    public long Choices { get; private set; }

    public long Correct { get; private set; }

    public long NormalizedScored { get; private set; }

    public long NormalizedCorrect { get; private set; }

    public long BytesScored { get; private set; }

    public long BytesCorrect { get; private set; }

    public long MutualInfoScored { get; private set; }

    public long MutualInfoCorrect { get; private set; }

    public ExactSum Brier { get; } = new();

    public ExactSum BrierSquares { get; } = new();

    public ExactSum GoldProbability { get; } = new();

    public ExactSum GoldProbabilitySquares { get; } = new();

    public List<MultipleChoiceOutcome> Worst { get; } = [];

    public List<MultipleChoiceOutcome> LabelErrors { get; } = [];

    public void Add(MultipleChoiceOutcome o, int keep, double labelErrorConfidence)
    {
        Questions++;
        Choices += o.Choices;
        Correct += o.Correct ? 1 : 0;
        (NormalizedScored, NormalizedCorrect) = Count(o.NormalizedPrediction, o.Gold, NormalizedScored, NormalizedCorrect);
        (BytesScored, BytesCorrect) = Count(o.BytePrediction, o.Gold, BytesScored, BytesCorrect);
        (MutualInfoScored, MutualInfoCorrect) = Count(o.MutualInfoPrediction, o.Gold, MutualInfoScored, MutualInfoCorrect);
        Brier.Add(o.BrierScore);
        BrierSquares.Add(o.BrierScore * o.BrierScore);
        GoldProbability.Add(o.GoldProbability);
        GoldProbabilitySquares.Add(o.GoldProbability * o.GoldProbability);
        BoundedList.Insert(Worst, o, keep, WorstOrder.Instance);
        if (!o.Correct && o.PredictionProbability >= labelErrorConfidence)
        {
            BoundedList.Insert(LabelErrors, o, keep, LabelErrorOrder.Instance);
        }
    }

    private static (long Scored, long Correct) Count(int? prediction, int gold, long scored, long correct) =>
        prediction is int p ? (scored + 1, correct + (p == gold ? 1 : 0)) : (scored, correct);

    public void Merge(MultipleChoiceTaskState other, int keep)
    {
        Questions += other.Questions;
        Choices += other.Choices;
        Correct += other.Correct;
        NormalizedScored += other.NormalizedScored;
        NormalizedCorrect += other.NormalizedCorrect;
        BytesScored += other.BytesScored;
        BytesCorrect += other.BytesCorrect;
        MutualInfoScored += other.MutualInfoScored;
        MutualInfoCorrect += other.MutualInfoCorrect;
        Brier.Add(other.Brier);
        BrierSquares.Add(other.BrierSquares);
        GoldProbability.Add(other.GoldProbability);
        GoldProbabilitySquares.Add(other.GoldProbabilitySquares);
        other.Worst.ForEach(o => BoundedList.Insert(Worst, o, keep, WorstOrder.Instance));
        other.LabelErrors.ForEach(o => BoundedList.Insert(LabelErrors, o, keep, LabelErrorOrder.Instance));
    }

    /// <summary>Lowest gold probability first; ties by question id, so merges keep the same list.</summary>
    private sealed class WorstOrder : IComparer<MultipleChoiceOutcome>
    {
        public static readonly WorstOrder Instance = new();

        public int Compare(MultipleChoiceOutcome? x, MultipleChoiceOutcome? y) =>
            x!.GoldProbability.CompareTo(y!.GoldProbability) is int c and not 0 ? c : x.QuestionId.CompareTo(y.QuestionId);
    }

    /// <summary>Most confident wrong prediction first; ties by gold probability, then question id.</summary>
    private sealed class LabelErrorOrder : IComparer<MultipleChoiceOutcome>
    {
        public static readonly LabelErrorOrder Instance = new();

        public int Compare(MultipleChoiceOutcome? x, MultipleChoiceOutcome? y) =>
            y!.PredictionProbability.CompareTo(x!.PredictionProbability) is int c and not 0 ? c
            : x.GoldProbability.CompareTo(y.GoldProbability) is int d and not 0 ? d : x.QuestionId.CompareTo(y.QuestionId);
    }
}
