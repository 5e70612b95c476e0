using System.Runtime.InteropServices;

namespace LossEngine.Native;

/// <summary>Return codes of every export; mirrored by <c>lossengine_status</c> in include/lossengine.h.</summary>
internal enum Status
{
    Ok = 0,
    InvalidArgument = 1,
    NullPointer = 2,
    BadShape = 3,
    UnsupportedDataType = 4,
    Internal = 5,
}

/// <summary>Element types; mirrored by <c>lossengine_dtype</c>.</summary>
internal enum DataType
{
    Float32 = 0,
    Float16 = 1,
    BFloat16 = 2,
}

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

/// <summary>Thrown by argument checks to become a status code and a message.</summary>
internal sealed class NativeArgumentException(Status status, string message) : Exception(message)
{
    public Status Status { get; } = status;
}
