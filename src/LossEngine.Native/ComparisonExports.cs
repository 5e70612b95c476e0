using System.Runtime.InteropServices;
using LossEngine.Aggregation;

namespace LossEngine.Native;

/// <summary>A model comparison (<see cref="ComparisonAggregator"/>) behind an opaque handle: merged, appended and
/// serialised like the aggregator.</summary>
internal static unsafe class ComparisonExports
{
    [UnmanagedCallersOnly(EntryPoint = "lossengine_comparison_merge")]
    public static int Merge(nint into, nint other) => NativeErrors.Guard(() =>
    {
        From(into).Merge(From(other));
        return 0;
    });

    [UnmanagedCallersOnly(EntryPoint = "lossengine_comparison_append")]
    public static int Append(nint into, nint next) => NativeErrors.Guard(() =>
    {
        From(into).Append(From(next));
        return 0;
    });

    [UnmanagedCallersOnly(EntryPoint = "lossengine_comparison_to_json")]
    public static int ToJson(nint handle, byte** json) => NativeErrors.Guard(() =>
    {
        NativeErrors.NotNull(json, "json");
        *json = NativeStrings.Copy(ComparisonReportJson.Write(From(handle), [], []));
        return 0;
    });

    [UnmanagedCallersOnly(EntryPoint = "lossengine_comparison_from_json")]
    public static int FromJson(byte* json, nint* handle) => NativeErrors.Guard(() =>
    {
        NativeErrors.NotNull(json, "json");
        NativeErrors.NotNull(handle, "out");
        ComparisonAggregator comparison = ComparisonReportJson.ReadState(Marshal.PtrToStringUTF8((nint)json)!);
        *handle = HandleTable.Add(comparison);
        return 0;
    });

    [UnmanagedCallersOnly(EntryPoint = "lossengine_comparison_free")]
    public static int Free(nint handle) => handle == 0 ? 0 : NativeErrors.Guard(() =>
    {
        HandleTable.Remove<ComparisonAggregator>(handle, "comparison");
        return 0;
    });

    private static ComparisonAggregator From(nint handle) => HandleTable.Get<ComparisonAggregator>(handle, "comparison");
}
