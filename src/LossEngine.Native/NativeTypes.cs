using System.Runtime.InteropServices;
using LossEngine.Formats;

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
    BadFile = 6,
}

/// <summary>Element types as <c>lossengine_dtype</c> numbers them: the same numbers as the logit members of
/// <see cref="TensorDataType"/>.</summary>
internal static class NativeDataType
{
    /// <summary>The logit type a C dtype names.</summary>
    /// <exception cref="NativeArgumentException">It names none (status UnsupportedDataType).</exception>
    public static TensorDataType Of(int dtype) => dtype is >= 0 and <= 2 && TensorDataTypes.IsLogitType((TensorDataType)dtype)
        ? (TensorDataType)dtype
        : throw new NativeArgumentException(Status.UnsupportedDataType, $"dtype {dtype} is not one of LOSSENGINE_F32 (0), LOSSENGINE_F16 (1), LOSSENGINE_BF16 (2).");
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

/// <summary><c>lossengine_file_options</c>: how dump files are read, scored and aggregated.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FileOptionsC
{
    public long IgnoreIndex;
    public float Temperature;
    public int Threads;
    public int Shift;
    public int TopK;
    public int WorstExamples;
    public int TaskCount;
    public byte** TaskNames;

    public static FileOptionsC Defaults => new() { IgnoreIndex = -100, Temperature = 1f, TopK = 5, WorstExamples = 10 };

    public readonly ScoringOptions Scoring() => new()
    {
        IgnoreIndex = IgnoreIndex,
        Temperature = Temperature,
        MaxDegreeOfParallelism = Threads == 0 ? -1 : Threads,
    };

    /// <summary>The task names, or none when <see cref="TaskCount"/> is 0 (then they come from the dumps).</summary>
    public readonly IReadOnlyList<string> Names()
    {
        if (TaskCount < 0)
        {
            throw new NativeArgumentException(Status.InvalidArgument, $"task_count is {TaskCount}; use 0 to take the names from the dumps.");
        }

        if (TaskCount > 0)
        {
            NativeErrors.NotNull(TaskNames, "options->task_names");
        }

        return NativeStrings.Array(TaskNames, TaskCount, "options->task_names");
    }
}

/// <summary>Thrown by argument checks to become a status code and a message.</summary>
internal sealed class NativeArgumentException(Status status, string message) : Exception(message)
{
    public Status Status { get; } = status;
}
