using System.Text.Json.Serialization;

namespace LossEngine.Aggregation;

/// <summary>Highest mean loss first; then lower example id, then earlier position.</summary>
internal sealed class WorstExampleOrder : IComparer<WorstExample>
{
    public static readonly WorstExampleOrder Instance = new();

    public int Compare(WorstExample? x, WorstExample? y)
    {
        int byLoss = y!.MeanLoss.CompareTo(x!.MeanLoss);
        if (byLoss != 0)
        {
            return byLoss;
        }

        int byId = x.ExampleId.CompareTo(y.ExampleId);
        return byId != 0 ? byId : x.FirstPosition.CompareTo(y.FirstPosition);
    }
}
