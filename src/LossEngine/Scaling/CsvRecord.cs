namespace LossEngine.Scaling;

/// <summary>One CSV record: the line it starts on and its fields.</summary>
internal sealed record CsvRecord(int Line, string[] Fields)
{
    /// <summary>The trimmed field in <paramref name="column"/>; empty when the column is −1 or past the record's end.</summary>
    public string this[int column] => column >= 0 && column < Fields.Length ? Fields[column].Trim() : string.Empty;
}
