using System.Runtime.InteropServices;
using LossEngine.Aggregation;

namespace LossEngine.Native;

/// <summary>The streaming aggregator behind an opaque handle.</summary>
internal static unsafe class AggregatorExports
{
    [UnmanagedCallersOnly(EntryPoint = "lossengine_aggregator_create")]
    public static int Create(byte** taskNames, int taskCount, int topK, int worstExamples, nint* handle) => NativeErrors.Guard(() =>
    {
        NativeErrors.NotNull(taskNames, "task_names");
        NativeErrors.NotNull(handle, "out");
        if (taskCount <= 0)
        {
            throw new NativeArgumentException(Status.InvalidArgument, $"task_count is {taskCount}; at least one task is needed.");
        }

        string[] names = NativeStrings.Array(taskNames, taskCount, "task_names");

        var aggregator = new LossAggregator(new AggregatorOptions
        {
            TaskNames = names,
            TopK = topK <= 0 ? 5 : topK,
            WorstExamples = worstExamples < 0 ? 10 : worstExamples,
        });
        *handle = HandleTable.Add(aggregator);
        return 0;
    });

    [UnmanagedCallersOnly(EntryPoint = "lossengine_aggregator_add")]
    public static int Add(nint handle, TokenStatistics* tokens, int* taskIds, long* exampleIds, long* targets, int* byteLengths, long count) => NativeErrors.Guard(() =>
    {
        LossAggregator aggregator = From(handle);
        NativeErrors.NotNull(tokens, "tokens");
        NativeErrors.NotNull(taskIds, "task_ids");
        NativeErrors.NotNull(exampleIds, "example_ids");
        int n = NativeErrors.Length(count, "count");
        aggregator.Add(new ReadOnlySpan<TokenStatistics>(tokens, n), new ReadOnlySpan<int>(taskIds, n), new ReadOnlySpan<long>(exampleIds, n),
            targets == null ? ReadOnlySpan<long>.Empty : new ReadOnlySpan<long>(targets, n),
            byteLengths == null ? ReadOnlySpan<int>.Empty : new ReadOnlySpan<int>(byteLengths, n));
        return 0;
    });

    [UnmanagedCallersOnly(EntryPoint = "lossengine_aggregator_merge")]
    public static int Merge(nint into, nint other) => NativeErrors.Guard(() =>
    {
        From(into).Merge(From(other));
        return 0;
    });

    [UnmanagedCallersOnly(EntryPoint = "lossengine_aggregator_append")]
    public static int Append(nint into, nint next) => NativeErrors.Guard(() =>
    {
        From(into).Append(From(next));
        return 0;
    });

    [UnmanagedCallersOnly(EntryPoint = "lossengine_aggregator_to_json")]
    public static int ToJson(nint handle, byte** json) => NativeErrors.Guard(() =>
    {
        NativeErrors.NotNull(json, "json");
        LossAggregator aggregator = From(handle);
        *json = NativeStrings.Copy(ReportJson.Write(aggregator.Report(), aggregator, []));
        return 0;
    });

    [UnmanagedCallersOnly(EntryPoint = "lossengine_aggregator_from_json")]
    public static int FromJson(byte* json, nint* handle) => NativeErrors.Guard(() =>
    {
        NativeErrors.NotNull(json, "json");
        NativeErrors.NotNull(handle, "out");
        string text = Marshal.PtrToStringUTF8((nint)json)!;
        LossAggregator aggregator = ReportJson.ReadState(text);
        *handle = HandleTable.Add(aggregator);
        return 0;
    });

    [UnmanagedCallersOnly(EntryPoint = "lossengine_free_string")]
    public static void FreeString(byte* text)
    {
        if (text != null)
        {
            NativeMemory.Free(text);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "lossengine_aggregator_free")]
    public static int Free(nint handle) => handle == 0 ? 0 : NativeErrors.Guard(() =>
    {
        HandleTable.Remove<LossAggregator>(handle, "aggregator");
        return 0;
    });

    public static LossAggregator From(nint handle) => HandleTable.Get<LossAggregator>(handle, "aggregator");
}
