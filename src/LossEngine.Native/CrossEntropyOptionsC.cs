using System.Runtime.InteropServices;
using LossEngine.Formats;

namespace LossEngine.Native;

/// <summary><c>lossengine_cross_entropy_options</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CrossEntropyOptionsC
{
    public long IgnoreIndex;
    public float Temperature;
    public int Threads;
    public float LabelSmoothing;
    public float ZLoss;
    public int Reduction;

    public readonly CrossEntropyOptions ToOptions() => new()
    {
        IgnoreIndex = IgnoreIndex,
        Temperature = Temperature,
        MaxDegreeOfParallelism = Threads == 0 ? -1 : Threads,
        LabelSmoothing = LabelSmoothing,
        ZLoss = ZLoss,
        Reduction = (Reduction)Reduction,
    };
}
