using System.Globalization;
using System.Text;

namespace LossEngine.Scaling;

/// <summary>A CSV file read whole (RFC 4180: quoted fields may hold commas, quotes doubled, and line breaks): a header row
/// and records, each with the line it starts on, for error messages.</summary>
internal sealed class CsvTable
{
    private CsvTable(string path, string[] header, List<CsvRecord> records)
    {
        Path = path;
        Header = header;
        Records = records;
    }

    public string Path { get; }

    public string[] Header { get; }

    public IReadOnlyList<CsvRecord> Records { get; }

    /// <exception cref="ScalingInputException">No such file, no header, or an unterminated quote.</exception>
    public static CsvTable Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new ScalingInputException(path, string.Empty, "no such file.");
        }

        return Parse(File.ReadAllText(path), path);
    }

    public static CsvTable Parse(string text, string path)
    {
        var records = new List<CsvRecord>();
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1, recordLine = 1, i = 0;
        bool quoted = false, fieldStarted = false;

        // Whether the field so far is only white space, so a quote may still open it. Kept as each character is added,
        // so that a long field followed by many quotes is read in linear time, not by re-reading the field at each quote.
        bool fieldBlank = true;
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            i = 1;
        }

        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    line += c == '\n' ? 1 : 0;
                    Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"' when !fieldStarted || fieldBlank:
                    ClearField();
                    quoted = true;
                    fieldStarted = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    ClearField();
                    fieldStarted = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    EndRecord();
                    line++;
                    recordLine = line;
                    break;
                default:
                    Append(c);
                    fieldStarted = true;
                    break;
            }
        }

        if (quoted)
        {
            throw new ScalingInputException(path, $"line {recordLine}", "a quoted field is not closed.");
        }

        EndRecord();
        if (records.Count == 0)
        {
            throw new ScalingInputException(path, string.Empty, "empty: a header row is needed.");
        }

        string[] header = [.. records[0].Fields.Select(h => h.Trim())];
        return new CsvTable(path, header, records.GetRange(1, records.Count - 1));

        void EndRecord()
        {
            if (fieldStarted || field.Length > 0 || fields.Count > 0)
            {
                fields.Add(field.ToString());
                if (fields.Count > 1 || fields[0].Trim().Length > 0)
                {
                    records.Add(new CsvRecord(recordLine, [.. fields]));
                }
            }

            fields.Clear();
            ClearField();
            fieldStarted = false;
        }

        void Append(char c)
        {
            field.Append(c);
            fieldBlank &= char.IsWhiteSpace(c);
        }

        void ClearField()
        {
            field.Clear();
            fieldBlank = true;
        }
    }

    /// <summary>The index of the column named <paramref name="name"/> (trimmed, case-insensitive), or −1.</summary>
    public int Column(string name)
    {
        for (int i = 0; i < Header.Length; i++)
        {
            if (string.Equals(Header[i], name.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Reads a number: invariant culture, optionally with a K, M, B (or G) or T suffix for 10³, 10⁶, 10⁹, 10¹².</summary>
    public static bool TryParseNumber(string text, out double value)
    {
        string trimmed = text.Trim().Replace("_", string.Empty, StringComparison.Ordinal);
        if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        double factor = trimmed.Length > 1 ? char.ToUpperInvariant(trimmed[^1]) switch
        {
            'K' => 1e3,
            'M' => 1e6,
            'B' or 'G' => 1e9,
            'T' => 1e12,
            _ => double.NaN,
        } : double.NaN;
        if (!double.IsNaN(factor) && double.TryParse(trimmed[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            value *= factor;
            return true;
        }

        value = double.NaN;
        return false;
    }
}
