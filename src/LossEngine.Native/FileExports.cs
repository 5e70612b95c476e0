using System.Runtime.InteropServices;
using LossEngine.Aggregation;
using LossEngine.Pipeline;

namespace LossEngine.Native;

/// <summary>Dump files scored into an aggregator, and two models' dump files compared, as C functions: the library's
/// <see cref="DumpScorer"/> and <see cref="ModelComparer"/>, so the numbers are those of <c>lossengine score</c> and
/// <c>compare</c>.</summary>
internal static unsafe class FileExports
{
    [UnmanagedCallersOnly(EntryPoint = "lossengine_score_files")]
    public static int ScoreFiles(byte** paths, int count, FileOptionsC* options, nint* handle) => NativeErrors.Guard(() =>
    {
        NativeErrors.NotNull(handle, "out");
        string[] files = Paths(paths, count, "paths");
        FileOptionsC settings = options == null ? FileOptionsC.Defaults : *options;
        var scoring = new DumpScoringOptions
        {
            Scoring = settings.Scoring(),
            Aggregation = new AggregatorOptions
            {
                TaskNames = settings.Names(),
                TopK = settings.TopK <= 0 ? 5 : settings.TopK,
                WorstExamples = settings.WorstExamples < 0 ? 10 : settings.WorstExamples,
            },
            Dump = new Formats.DumpOptions { Shift = settings.Shift != 0 },
        };
        *handle = HandleTable.Add(DumpScorer.Score(files, scoring));
        return 0;
    });

    [UnmanagedCallersOnly(EntryPoint = "lossengine_compare_files")]
    public static int CompareFiles(byte** referencePaths, byte** candidatePaths, int count, FileOptionsC* options, nint* handle) => NativeErrors.Guard(() =>
    {
        NativeErrors.NotNull(handle, "out");
        string[] references = Paths(referencePaths, count, "reference_paths");
        string[] candidates = Paths(candidatePaths, count, "candidate_paths");
        FileOptionsC settings = options == null ? FileOptionsC.Defaults : *options;
        var comparison = new ComparisonOptions
        {
            Scoring = settings.Scoring(),
            TaskNames = settings.Names(),
            Dump = new Formats.DumpOptions { Shift = settings.Shift != 0 },
        };
        *handle = HandleTable.Add(ModelComparer.Compare(references, candidates, comparison));
        return 0;
    });

    private static string[] Paths(byte** paths, int count, string name)
    {
        NativeErrors.NotNull(paths, name);
        if (count <= 0)
        {
            throw new NativeArgumentException(Status.InvalidArgument, $"count is {count}; at least one file is needed.");
        }

        return NativeStrings.Array(paths, count, name);
    }
}
