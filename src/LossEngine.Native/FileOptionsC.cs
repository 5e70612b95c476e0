using System.Runtime.InteropServices;
using LossEngine.Formats;

namespace LossEngine.Native;

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
