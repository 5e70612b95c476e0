using System.Runtime.InteropServices;
using LossEngine.Formats;

namespace LossEngine.Native;

/// <summary><c>lossengine_scoring_options</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ScoringOptionsC
{
    public long IgnoreIndex;
    public float Temperature;
    public int Threads;

    public readonly ScoringOptions ToOptions() => new()
    {
        IgnoreIndex = IgnoreIndex,
        Temperature = Temperature,
        MaxDegreeOfParallelism = Threads == 0 ? -1 : Threads,
    };
}
