using LossEngine.Scaling;

namespace LossEngine.Synthetic;

/// <summary>What <see cref="ScalingDemo.Run"/> wrote and found.</summary>
public sealed record ScalingDemoResult
{
    /// <summary>The demo's folder.</summary>
    public required string Folder { get; init; }

    /// <summary>Each model's dump, smallest model first.</summary>
    public required IReadOnlyList<string> Dumps { get; init; }

    /// <summary>Each model's <c>lossengine.score/1</c> report, smallest model first.</summary>
    public required IReadOnlyList<string> Reports { get; init; }

    /// <summary>The manifest (file, model, params) of the reports.</summary>
    public required string ManifestPath { get; init; }

    /// <summary>The scaling analysis of every task and metric of the reports.</summary>
    public required ScalingReport Report { get; init; }

    /// <summary>Each planted shape beside the class recovered for it.</summary>
    public required IReadOnlyList<RecoveredShape> Recovered { get; init; }
}
