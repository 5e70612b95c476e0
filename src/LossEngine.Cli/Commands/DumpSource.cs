using LossEngine.Formats;

namespace LossEngine.Cli.Commands;

/// <summary>Where the dumps come from: safetensors paths, and sets of .npy files paired in order (globs allowed in both).</summary>
internal sealed record DumpSource(IReadOnlyList<string> Paths, IReadOnlyList<string> NpyLogits, IReadOnlyList<string> NpyTargets, IReadOnlyList<string> NpyTaskIds, IReadOnlyList<string> NpyExampleIds, IReadOnlyList<string> NpyByteLengths, DumpOptions Options)
{
    /// <summary>Expands globs (a '*' or '?' in the file name) in order, sorted by name within each pattern.</summary>
    public static List<string> Expand(IEnumerable<string> patterns)
    {
        var files = new List<string>();
        foreach (string pattern in patterns)
        {
            if (pattern.StartsWith('-'))
            {
                throw new UsageException($"Unknown option '{pattern}'. Run 'lossengine --help' for usage.");
            }

            string name = Path.GetFileName(pattern);
            if (name.Contains('*', StringComparison.Ordinal) || name.Contains('?', StringComparison.Ordinal))
            {
                string directory = Path.GetDirectoryName(pattern) is { Length: > 0 } d ? d : ".";
                string[] matches = Directory.Exists(directory) ? Directory.GetFiles(directory, name) : [];
                if (matches.Length == 0)
                {
                    throw new DumpFormatException($"{pattern}: no files match.");
                }

                Array.Sort(matches, StringComparer.Ordinal);
                files.AddRange(matches);
            }
            else
            {
                files.Add(pattern);
            }
        }

        return files;
    }

    /// <summary>Adds an opened shard (which the list then owns), checking it agrees with the first on V and dtype.</summary>
    private static void AddShard(List<EvalDump> dumps, EvalDump dump)
    {
        dumps.Add(dump);
        if (dump.Vocabulary != dumps[0].Vocabulary)
        {
            throw new DumpFormatException($"{dump.File}: V = {dump.Vocabulary}, but {dumps[0].File} has V = {dumps[0].Vocabulary}; every shard must share the vocabulary.");
        }

        if (dump.LogitType != dumps[0].LogitType)
        {
            throw new DumpFormatException($"{dump.File}: logits are {dump.LogitType}, but {dumps[0].File} has {dumps[0].LogitType}; every shard must share the dtype.");
        }
    }

    /// <summary>Every input file named, globs expanded: for checking that no output overwrites one.</summary>
    public IEnumerable<string> InputFiles() =>
        Expand(Paths).Concat(Expand(NpyLogits)).Concat(Expand(NpyTargets)).Concat(Expand(NpyTaskIds)).Concat(Expand(NpyExampleIds)).Concat(Expand(NpyByteLengths));

    /// <summary>Opens every shard, checking that they agree on V and dtype.</summary>
    public List<EvalDump> OpenAll()
    {
        var dumps = new List<EvalDump>();
        try
        {
            List<string> logits = Expand(NpyLogits);
            List<string> targets = Expand(NpyTargets);
            List<string> taskIds = Expand(NpyTaskIds);
            List<string> exampleIds = Expand(NpyExampleIds);
            List<string> byteLengths = Expand(NpyByteLengths);
            foreach ((string option, List<string> files) in new[] { ("--logits", logits), ("--targets", targets), ("--task-ids", taskIds), ("--example-ids", exampleIds), ("--byte-lengths", byteLengths) })
            {
                // These options take several values, so a dump path written after one is read as one of its files.
                if (files.FirstOrDefault(f => f.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)) is { } swallowed)
                {
                    throw new UsageException($"'{swallowed}' was read as a {option} file; put safetensors dump paths before the options, or after '--'.");
                }
            }

            if (targets.Count != logits.Count)
            {
                throw new UsageException($"--logits names {logits.Count} file(s) and --targets {targets.Count}: give one targets file per logits file, in the same order.");
            }

            foreach ((string option, List<string> files) in new[] { ("--task-ids", taskIds), ("--example-ids", exampleIds), ("--byte-lengths", byteLengths) })
            {
                if (files.Count != 0 && files.Count != logits.Count)
                {
                    throw new UsageException($"{option} names {files.Count} file(s) for {logits.Count} logits file(s): give one per logits file, or none.");
                }
            }

            for (int shard = 0; shard < logits.Count; shard++)
            {
                AddShard(dumps, EvalDump.OpenNpy(logits[shard], targets[shard], taskIds.Count > 0 ? taskIds[shard] : null, exampleIds.Count > 0 ? exampleIds[shard] : null, Options, byteLengths.Count > 0 ? byteLengths[shard] : null));
            }

            foreach (string path in Expand(Paths))
            {
                AddShard(dumps, EvalDump.OpenSafetensors(path, Options));
            }

            if (dumps.Count == 0)
            {
                throw new UsageException("No dump given: pass safetensors paths, or --logits and --targets .npy files.");
            }

            if (dumps.All(d => d.Rows == 0))
            {
                throw new DumpFormatException($"{dumps[0].File}: the dump has no rows to score.");
            }

            return dumps;
        }
        catch
        {
            dumps.ForEach(d => d.Dispose());
            throw;
        }
    }
}
