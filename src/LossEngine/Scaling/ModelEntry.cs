namespace LossEngine.Scaling;

/// <summary>One row of a <see cref="ModelManifest"/>: an input file, its model's name and the model's scales.</summary>
public sealed record ModelEntry
{
    /// <summary>The input file's full path (the manifest gives it relative to the manifest's folder).</summary>
    public required string File { get; init; }

    /// <summary>The model's name: the manifest's <c>model</c> column, or the file name without its extension.</summary>
    public required string Model { get; init; }

    /// <summary>Where the row is, for messages: "models.csv line 3" or "models.json models[2]", the manifest as given.</summary>
    public required string Source { get; init; }

    /// <summary>The row's place in the manifest without the file's name ("line 3", "models[2]").</summary>
    internal string Location { get; init; } = string.Empty;

    /// <summary>True when the row comes from a JSON manifest, whose fields are named as paths.</summary>
    internal bool FromJson { get; init; }

    /// <summary>Parameters N, when given.</summary>
    public double? Parameters { get; init; }

    /// <summary>Training tokens D, when given.</summary>
    public double? Tokens { get; init; }

    /// <summary>Training compute C in FLOP, when given.</summary>
    public double? Compute { get; init; }

    /// <summary>Training step, when given.</summary>
    public double? Step { get; init; }

    /// <summary>The manifest field of <paramref name="column"/> in this row, for messages: "line 3, column params" or
    /// "models[2].params".</summary>
    internal string Field(string column) => FromJson ? $"{Location}.{column}" : $"{Location}, column {column}";

    /// <summary>The scale on <paramref name="axis"/>, or null when the manifest leaves it out for this model.</summary>
    public double? Scale(ScaleAxis axis) => axis switch
    {
        ScaleAxis.Parameters => Parameters,
        ScaleAxis.Tokens => Tokens,
        ScaleAxis.Compute => Compute,
        ScaleAxis.Step => Step,
        _ => null,
    };
}
