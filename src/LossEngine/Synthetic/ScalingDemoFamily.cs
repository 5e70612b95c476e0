using LossEngine.Scaling;

namespace LossEngine.Synthetic;

/// <summary>
/// A seeded family of six "models" of growing size that score the same text: seven tasks whose per-token loss and exact
/// match follow planted shapes across scale (smooth, emergent under exact match but smooth in loss, flat, inverse,
/// U-shaped). This is the family behind <c>lossengine demo --scaling</c>; it is the same on every machine for a given
/// seed.
/// </summary>
/// <remarks>
/// Each row's logits are seeded noise (standard deviation 2, drawn anew for every model) with the right token's logit
/// set to the task's strength at that model size plus a jitter that every model shares. Below the noise's largest
/// logit (about 6.3 at V = 8192) the loss falls linearly as the strength grows, while the top-1 accuracy stays near
/// zero and then rises within about two units; exact match over 12 tokens is that accuracy to the 12th power, so it
/// turns on within one step of scale. That is the mirage: a smooth trend in loss seen as a jump in exact match.
/// </remarks>
public static class ScalingDemoFamily
{
    /// <summary>V of every dump in the family.</summary>
    public const int Vocabulary = 8192;

    /// <summary>Tokens in each example.</summary>
    public const int TokensPerExample = 12;

    /// <summary>Examples in each task.</summary>
    public const int ExamplesPerTask = 40;

    /// <summary>Each model's parameter count: six sizes from 10⁷ to 10¹¹, evenly spaced in log.</summary>
    public static IReadOnlyList<double> Parameters { get; } = [.. Enumerable.Range(0, 6).Select(i => 1e7 * Math.Pow(10, 0.8 * i))];

    /// <summary>Each task's name and the right token's logit at each model size, smallest first.</summary>
    private static readonly (string Name, float[] Strength)[] Tasks =
    [
        ("grammar", [6f, 7f, 8f, 9f, 10f, 11f]),
        ("lexical semantics", [4f, 5f, 6f, 7f, 8f, 9f]),
        ("world knowledge", [2f, 2.8f, 3.6f, 4.4f, 5.2f, 6f]),
        ("arithmetic", [2f, 3.2f, 4.4f, 5.6f, 6.8f, 8f]),
        ("sentiment", [7f, 7f, 7f, 7f, 7f, 7f]),
        ("translation", [9f, 8.4f, 7.8f, 7.2f, 6.6f, 6f]),
        ("spatial reasoning", [8f, 6.5f, 5f, 5f, 6.5f, 8f]),
    ];

    /// <summary>The task names, in task-id order.</summary>
    public static IReadOnlyList<string> TaskNames { get; } = [.. Tasks.Select(t => t.Name)];

    /// <summary>The class planted in each (task, metric) that the demo checks: every task's loss, and the exact match of
    /// the task whose loss is smooth while its exact match jumps.</summary>
    public static IReadOnlyList<PlantedShape> Planted { get; } =
    [
        new("grammar", "loss", ScalingClass.Smooth),
        new("lexical semantics", "loss", ScalingClass.Smooth),
        new("world knowledge", "loss", ScalingClass.Smooth),
        new("arithmetic", "loss", ScalingClass.Smooth),
        new("arithmetic", "exact_match", ScalingClass.Emergent),
        new("sentiment", "loss", ScalingClass.Flat),
        new("translation", "loss", ScalingClass.Inverse),
        new("spatial reasoning", "loss", ScalingClass.UShaped),
    ];

    /// <summary>The number of rows (tokens) in each dump.</summary>
    public static int Rows => Tasks.Length * ExamplesPerTask * TokensPerExample;

    /// <summary>Writes model <paramref name="model"/>'s dump as safetensors: bf16 logits [N, V], labels, task ids,
    /// example ids, and the task names in the metadata.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="model">The model's index in <see cref="Parameters"/>, 0 for the smallest.</param>
    /// <param name="seed">The seed of the text (labels and jitter, shared by the family) and of each model's noise.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="model"/> is not an index of <see cref="Parameters"/>.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, int model, int seed = 2024)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(model);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(model, Parameters.Count);
        int rows = Rows;
        var logits = new BFloat16[(long)rows * Vocabulary];
        var labels = new long[rows];
        var taskIds = new int[rows];
        var exampleIds = new long[rows];
        var text = new Random(seed);
        var noise = new SeededNoise(seed + (7919 * (model + 1)));
        for (int row = 0; row < rows; row++)
        {
            int task = row / (ExamplesPerTask * TokensPerExample);
            int truth = text.Next(Vocabulary);
            float jitter = (float)(3 * (text.NextDouble() - 0.5));
            Span<BFloat16> logitRow = logits.AsSpan(row * Vocabulary, Vocabulary);
            for (int v = 0; v < Vocabulary; v++)
            {
                logitRow[v] = (BFloat16)(noise.NextCentered() * 2 * SeededNoise.UnitScale);
            }

            logitRow[truth] = (BFloat16)(Tasks[task].Strength[model] + jitter);
            labels[row] = truth;
            taskIds[row] = task;
            exampleIds[row] = row / TokensPerExample;
        }

        SyntheticDumpFile.Write(path, logits, Vocabulary, labels, taskIds, exampleIds, TaskNames);
    }
}
