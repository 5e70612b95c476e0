using System.Text.Json.Serialization;

namespace LossEngine.Aggregation;

/// <summary>Highest loss first; then earlier position.</summary>
internal sealed class LabelErrorOrder : IComparer<PossibleLabelError>
{
    public static readonly LabelErrorOrder Instance = new();

    public int Compare(PossibleLabelError? x, PossibleLabelError? y)
    {
        int byLoss = y!.Loss.CompareTo(x!.Loss);
        return byLoss != 0 ? byLoss : x.Position.CompareTo(y.Position);
    }
}
