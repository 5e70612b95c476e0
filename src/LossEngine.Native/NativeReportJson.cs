using LossEngine.Aggregation;

namespace LossEngine.Native;

/// <summary>The C ABI's JSON: the same "lossengine.score/1" report the CLI writes.</summary>
internal static class NativeReportJson
{
    public static string Write(LossAggregator aggregator) => ReportJson.Write(aggregator.Report(), aggregator, []);

    public static LossAggregator ReadState(string json) => ReportJson.ReadState(json);
}
