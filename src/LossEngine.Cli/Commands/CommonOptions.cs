using System.CommandLine;
using LossEngine.Formats;

namespace LossEngine.Cli.Commands;

/// <summary>The options every dump-reading command shares.</summary>
internal sealed class CommonOptions
{
    public Argument<string[]> Dumps { get; } = new("dumps") { Description = "safetensors dump files or globs, scored in order as one dataset", Arity = ArgumentArity.ZeroOrMore };

    public Option<string[]> Logits { get; } = NpyFiles("--logits", ".npy logits [N,V] or [B,S,V] (instead of safetensors); several files or a glob for shards");

    public Option<string[]> Targets { get; } = NpyFiles("--targets", ".npy targets [N] or [B,S]; one per logits file, in the same order");

    public Option<string[]> TaskIds { get; } = NpyFiles("--task-ids", ".npy task ids [N], [B] or [B,S]; one per logits file");

    public Option<string[]> ExampleIds { get; } = NpyFiles("--example-ids", ".npy example ids [N], [B] or [B,S]; one per logits file");

    public Option<string[]> ByteLengths { get; } = NpyFiles("--byte-lengths", ".npy UTF-8 byte length of each target token [N] or [B,S], for bits per byte; one per logits file");

    public Option<string?> DataType { get; } = new("--dtype") { Description = "read 2-byte .npy logits ('|V2') as this type: bf16" };

    public Option<bool> Shift { get; } = new("--shift") { Description = "causal-LM convention: score logits[:, :-1] against labels[:, 1:]" };

    public Option<long> IgnoreIndex { get; } = new("--ignore-index") { Description = "targets equal to this are skipped", DefaultValueFactory = _ => -100 };

    public Option<string?> TaskNames { get; } = new("--task-names") { Description = "file with task names: a JSON array or one per line" };

    public Option<int> Threads { get; } = new("--threads") { Description = "threads for the kernels (default: all cores)", DefaultValueFactory = _ => -1 };

    /// <summary>An option naming one or more .npy files (several values after it, repeats, or globs).</summary>
    private static Option<string[]> NpyFiles(string name, string description) =>
        new(name) { Description = description, AllowMultipleArgumentsPerToken = true, Arity = ArgumentArity.ZeroOrMore };

    public void AddTo(Command command)
    {
        command.Arguments.Add(Dumps);
        foreach (Option option in new Option[] { Logits, Targets, TaskIds, ExampleIds, ByteLengths, DataType, Shift, IgnoreIndex, TaskNames, Threads })
        {
            command.Options.Add(option);
        }
    }

    public DumpSource Source(ParseResult result, IReadOnlyList<string>? paths = null)
    {
        string? dtype = result.GetValue(DataType);
        TensorDataType? twoByte = dtype switch
        {
            null => null,
            "bf16" or "bfloat16" => TensorDataType.BFloat16,
            "f16" or "float16" => TensorDataType.Float16,
            _ => throw new UsageException($"--dtype {dtype}: only bf16 or f16 can be chosen for 2-byte .npy data."),
        };
        var options = new DumpOptions { Shift = result.GetValue(Shift), NpyTwoByteType = twoByte };
        return new DumpSource(paths ?? result.GetValue(Dumps) ?? [], result.GetValue(Logits) ?? [], result.GetValue(Targets) ?? [], result.GetValue(TaskIds) ?? [], result.GetValue(ExampleIds) ?? [], result.GetValue(ByteLengths) ?? [], options);
    }

    /// <summary>Every file the command reads: dumps, .npy shards and the task-names file.</summary>
    public IEnumerable<string> InputFiles(ParseResult result, DumpSource source) =>
        result.GetValue(TaskNames) is { } names ? source.InputFiles().Append(names) : source.InputFiles();

    /// <summary>Task names from --task-names, or none (the library then takes them from the dumps).</summary>
    public IReadOnlyList<string> TaskNameList(ParseResult result) =>
        result.GetValue(TaskNames) is { } file ? Pipeline.DumpTaskNames.ReadFile(file) : [];

    public ScoringOptions Scoring(ParseResult result)
    {
        int threads = result.GetValue(Threads);
        if (threads == 0 || threads < -1)
        {
            throw new UsageException($"--threads {threads}: use a positive count, or omit it for all cores.");
        }

        return new ScoringOptions { MaxDegreeOfParallelism = threads, IgnoreIndex = result.GetValue(IgnoreIndex) };
    }
}
