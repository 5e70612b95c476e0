using System.Text.Json;

namespace LossEngine.Scaling;

/// <summary>
/// Maps input files to models and their scales. The CSV form has a header row and the columns
/// <c>file,model,params,tokens,compute,step</c> in any order; only <c>file</c> and one scale column are required, and
/// cells may be empty. The JSON form is an array of objects with the same keys (or an object whose <c>models</c> is that
/// array). Files are relative to the manifest's folder. Scales are positive numbers, optionally with a K, M, B or T
/// suffix (<c>160M</c>, <c>1.4B</c>). The model's name defaults to the file name without its extension.
/// </summary>
public sealed class ModelManifest
{
    private static readonly (string Name, ScaleAxis Axis)[] ScaleColumns =
        [("params", ScaleAxis.Parameters), ("tokens", ScaleAxis.Tokens), ("compute", ScaleAxis.Compute), ("step", ScaleAxis.Step)];

    private readonly Dictionary<string, ModelEntry> _byFile;

    private ModelManifest(string path, List<ModelEntry> entries)
    {
        Path = path;
        Entries = entries;
        _byFile = entries.ToDictionary(e => e.File, FileComparer);
    }

    /// <summary>The manifest file, as given.</summary>
    public string Path { get; }

    /// <summary>The rows, in the file's order.</summary>
    public IReadOnlyList<ModelEntry> Entries { get; }

    private static StringComparer FileComparer => OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>Reads a manifest file: JSON when its text starts with '[' or '{', CSV otherwise.</summary>
    /// <exception cref="ScalingInputException">No such file; a missing column; a cell that is not a positive number; a file
    /// or model listed twice; no rows. The message names the manifest, the line (or JSON path) and the column.</exception>
    public static ModelManifest Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!System.IO.File.Exists(path))
        {
            throw new ScalingInputException(path, string.Empty, "no such manifest file.");
        }

        return Parse(System.IO.File.ReadAllText(path), path);
    }

    /// <summary>Parses manifest text as if read from <paramref name="path"/>, whose folder the files are relative to.</summary>
    /// <exception cref="ScalingInputException">As for <see cref="Read"/>.</exception>
    public static ModelManifest Parse(string text, string path)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(path);
        string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? Directory.GetCurrentDirectory();
        string start = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        List<ModelEntry> entries = start.StartsWith('[') || start.StartsWith('{') ? ParseJson(text, path, folder) : ParseCsv(text, path, folder);
        if (entries.Count == 0)
        {
            throw new ScalingInputException(path, string.Empty, "lists no models.");
        }

        var files = new Dictionary<string, ModelEntry>(FileComparer);
        var models = new Dictionary<string, ModelEntry>(StringComparer.Ordinal);
        foreach (ModelEntry entry in entries)
        {
            if (files.TryGetValue(entry.File, out ModelEntry? earlier))
            {
                throw new ScalingInputException(path, entry.Field("file"), $"'{entry.File}' is listed twice (also at {earlier.Location}).");
            }

            if (models.TryGetValue(entry.Model, out earlier))
            {
                throw new ScalingInputException(path, entry.Field("model"), $"duplicate model '{entry.Model}' (also at {earlier.Location}); each file needs its own model name.");
            }

            files[entry.File] = entry;
            models[entry.Model] = entry;
        }

        return new ModelManifest(path, entries);
    }

    /// <summary>The row for <paramref name="file"/> (compared as full paths), or null.</summary>
    public ModelEntry? Find(string file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return _byFile.GetValueOrDefault(System.IO.Path.GetFullPath(file));
    }

    private static List<ModelEntry> ParseCsv(string text, string path, string folder)
    {
        CsvTable table = CsvTable.Parse(text, path);
        int fileColumn = table.Column("file");
        int modelColumn = table.Column("model");
        if (fileColumn < 0)
        {
            throw new ScalingInputException(path, "header", $"no 'file' column (found: {string.Join(", ", table.Header)}); the columns are file,model,params,tokens,compute,step.");
        }

        int[] scaleColumns = [.. ScaleColumns.Select(c => table.Column(c.Name))];
        if (scaleColumns.All(c => c < 0))
        {
            throw new ScalingInputException(path, "header", $"no scale column (found: {string.Join(", ", table.Header)}); give at least one of params, tokens, compute, step.");
        }

        var entries = new List<ModelEntry>();
        foreach (CsvRecord record in table.Records)
        {
            string where = $"line {record.Line}";
            string file = record[fileColumn];
            if (file.Length == 0)
            {
                throw new ScalingInputException(path, $"{where}, column file", "empty; every row names an input file.");
            }

            var scales = new double?[ScaleColumns.Length];
            for (int k = 0; k < ScaleColumns.Length; k++)
            {
                string cell = record[scaleColumns[k]];
                scales[k] = cell.Length == 0 ? null : Positive(cell, path, $"{where}, column {ScaleColumns[k].Name}");
            }

            entries.Add(Entry(folder, file, record[modelColumn], path, where, scales, fromJson: false));
        }

        return entries;
    }

    private static List<ModelEntry> ParseJson(string text, string path, string folder)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(text);
            JsonElement root = document.RootElement;
            JsonValues.CheckValues(root, path);
            string prefix = "models";
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (!root.TryGetProperty("models", out root) || root.ValueKind != JsonValueKind.Array)
                {
                    throw new ScalingInputException(path, "models", "a JSON manifest is an array of {file, model, params, tokens, compute, step} objects, or an object with such a 'models' array.");
                }
            }
            else if (root.ValueKind != JsonValueKind.Array)
            {
                throw new ScalingInputException(path, string.Empty, "a JSON manifest is an array of {file, model, params, tokens, compute, step} objects.");
            }

            var entries = new List<ModelEntry>();
            int index = 0;
            foreach (JsonElement item in root.EnumerateArray())
            {
                string where = $"{prefix}[{index++}]";
                if (item.ValueKind != JsonValueKind.Object)
                {
                    throw new ScalingInputException(path, where, "not an object.");
                }

                string file = item.TryGetProperty("file", out JsonElement f) && f.ValueKind == JsonValueKind.String ? f.GetString()!.Trim() : string.Empty;
                if (file.Length == 0)
                {
                    throw new ScalingInputException(path, $"{where}.file", "missing; every entry names an input file.");
                }

                string model = item.TryGetProperty("model", out JsonElement m) && m.ValueKind == JsonValueKind.String ? m.GetString()!.Trim() : string.Empty;
                var scales = new double?[ScaleColumns.Length];
                for (int k = 0; k < ScaleColumns.Length; k++)
                {
                    if (!item.TryGetProperty(ScaleColumns[k].Name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
                    {
                        continue;
                    }

                    string field = $"{where}.{ScaleColumns[k].Name}";
                    scales[k] = value.ValueKind switch
                    {
                        JsonValueKind.Number => Positive(value.GetRawText(), path, field),
                        JsonValueKind.String => Positive(value.GetString()!, path, field),
                        _ => throw new ScalingInputException(path, field, "not a number."),
                    };
                }

                if (scales.All(s => s is null))
                {
                    throw new ScalingInputException(path, where, "no scale; give at least one of params, tokens, compute, step.");
                }

                entries.Add(Entry(folder, file, model, path, where, scales, fromJson: true));
            }

            return entries;
        }
        catch (JsonException error)
        {
            throw new ScalingInputException(path, string.Empty, $"not valid JSON: {error.Message}", error);
        }
    }

    private static ModelEntry Entry(string folder, string file, string model, string path, string location, double?[] scales, bool fromJson)
    {
        // Path.GetFullPath throws ArgumentException on a NUL, which no file name on any system can hold.
        if (file.Contains('\0', StringComparison.Ordinal))
        {
            throw new ScalingInputException(path, location, "the file name holds a NUL character.");
        }

        return new()
        {
            Location = location,
            FromJson = fromJson,
            File = System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, file)),
            Model = model.Length > 0 ? model : System.IO.Path.GetFileNameWithoutExtension(file),
            Source = $"{path} {location}",
            Parameters = scales[0],
            Tokens = scales[1],
            Compute = scales[2],
            Step = scales[3],
        };
    }

    private static double Positive(string cell, string path, string field)
    {
        if (!CsvTable.TryParseNumber(cell, out double value))
        {
            throw new ScalingInputException(path, field, $"'{cell}' is not a number.");
        }

        if (!(value > 0) || !double.IsFinite(value))
        {
            throw new ScalingInputException(path, field, $"{cell} is not a positive number; scales are fitted in log x (a step-0 checkpoint has no place on that axis).");
        }

        return value;
    }
}
