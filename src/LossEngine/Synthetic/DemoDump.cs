namespace LossEngine.Synthetic;

/// <summary>
/// Writes a realistic, seeded, multi-task eval dump: bf16 logits [N, 32000], labels, task ids and example ids, with
/// tasks named after what next-token prediction teaches, each at its own difficulty, and a few corrupted labels where
/// the "model" is sure of the right token and the label says something else. This is the dump behind
/// <c>lossengine demo</c>; it is the same on every machine for a given seed.
/// </summary>
public static class DemoDump
{
    /// <summary>V of the demo dump.</summary>
    public const int Vocabulary = 32000;

    /// <summary>Tokens in each example.</summary>
    public const int TokensPerExample = 12;

    /// <summary>Each task's name, its number of examples, and how strongly the model's logit favours the right token
    /// (higher is easier).</summary>
    private static readonly (string Name, int Examples, float Boost)[] Tasks =
    [
        ("grammar", 40, 14f), ("lexical semantics", 30, 11f), ("world knowledge", 26, 7f), ("sentiment", 20, 10f),
        ("translation", 22, 8.5f), ("spatial reasoning", 16, 6f), ("arithmetic", 14, 4.5f),
    ];

    /// <summary>The task names, in task-id order.</summary>
    public static IReadOnlyList<string> TaskNames { get; } = [.. Tasks.Select(t => t.Name)];

    /// <summary>The number of rows (tokens) in the dump.</summary>
    public static int Rows => Tasks.Sum(t => t.Examples) * TokensPerExample;

    /// <summary>Writes the dump as safetensors: bf16 logits [N, V], labels, task ids, example ids, and the task names in
    /// the metadata.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="seed">The seed; the same seed gives the same file on every machine.</param>
    /// <param name="model">Another "model" of the same text: 0 is the demo's model; other values keep the labels, tasks,
    /// examples and preferred tokens of <paramref name="seed"/> and draw other noise, as a second model scoring the same
    /// text would (for comparisons).</param>
    /// <returns>The rows whose labels were corrupted on purpose, in increasing order.</returns>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static IReadOnlyList<long> Write(string path, int seed = 2024, int model = 0)
    {
        int rows = Rows;
        int[] taskOfExample = [.. Tasks.SelectMany((t, index) => Enumerable.Repeat(index, t.Examples))];
        var logits = new BFloat16[(long)rows * Vocabulary];
        var labels = new long[rows];
        var taskIds = new int[rows];
        var exampleIds = new long[rows];
        var random = new Random(seed);
        var corrupted = new HashSet<long>();
        while (corrupted.Count < 6)
        {
            corrupted.Add(random.Next(rows));
        }

        var noise = new SeededNoise(seed + (7919 * model));
        for (int row = 0; row < rows; row++)
        {
            long example = row / TokensPerExample;
            int task = taskOfExample[example];
            int truth = random.Next(Vocabulary);
            Span<BFloat16> logitRow = logits.AsSpan(row * Vocabulary, Vocabulary);
            for (int v = 0; v < Vocabulary; v++)
            {
                // Standard deviation 2.
                logitRow[v] = (BFloat16)(noise.NextCentered() * 3.4641f);
            }

            float boost = Tasks[task].Boost + (float)(3 * ((random.NextDouble() * 2) - 1));
            if (random.NextDouble() < 0.25 && !corrupted.Contains(row))
            {
                // Sometimes the model prefers a plausible distractor.
                int distractor = random.Next(Vocabulary);
                logitRow[distractor] = (BFloat16)((float)logitRow[distractor] + boost + 2f);
            }

            if (corrupted.Contains(row))
            {
                logitRow[truth] = (BFloat16)20f;
                labels[row] = (truth + 1 + random.Next(Vocabulary - 1)) % Vocabulary;
            }
            else
            {
                logitRow[truth] = (BFloat16)((float)logitRow[truth] + boost);
                labels[row] = truth;
            }

            taskIds[row] = task;
            exampleIds[row] = example;
        }

        SyntheticDumpFile.Write(path, logits, Vocabulary, labels, taskIds, exampleIds, TaskNames);
        return [.. corrupted.Order()];
    }
}
