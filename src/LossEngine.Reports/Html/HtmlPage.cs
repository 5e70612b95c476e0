using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using LossEngine.Reports.Plots;

namespace LossEngine.Reports.Html;

/// <summary>One table cell: text, or a number shown to 5 significant digits that keeps its exact value in
/// <c>data-value</c> (for sorting) and, where the JSON report has it, the JSON path it came from in <c>data-json</c>
/// (for the test that the page and the JSON agree).</summary>
internal readonly record struct Cell(string Text, string? Value = null, string? Json = null)
{
    public static Cell Of(string text) => new(text);

    public static Cell Number(double value, string? json = null) => new(Show(value), Exact(value), json);

    public static Cell Count(long value, string? json = null) => new(value.ToString(CultureInfo.InvariantCulture), value.ToString(CultureInfo.InvariantCulture), json);

    /// <summary>The value as the page shows it.</summary>
    public static string Show(double value) => double.IsFinite(value) ? value.ToString("G5", CultureInfo.InvariantCulture) : Exact(value);

    /// <summary>The value to its last digit, as the JSON writer writes it (non-finite values as the JSON's strings).</summary>
    public static string Exact(double value) =>
        double.IsNaN(value) ? "NaN" : double.IsPositiveInfinity(value) ? "Infinity" : double.IsNegativeInfinity(value) ? "-Infinity" : value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>
/// A self-contained HTML report: inline CSS, inline SVG plots and a few lines of inline script that sort a table by a
/// clicked column. Nothing is loaded from anywhere, so the file opens offline and can be mailed as it is.
/// </summary>
internal sealed partial class HtmlPage(string title)
{
    private const string Style = """
        body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1320px; padding: 0 1em; color: #1b1f24; }
        h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #d0d7de; }
        p.note { color: #57606a; }
        div.scroll { overflow-x: auto; }
        table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
        th, td { border: 1px solid #d0d7de; padding: 0.25em 0.6em; text-align: right; }
        th { background: #f3f5f7; cursor: pointer; user-select: none; }
        td.text, th.text { text-align: left; }
        tr:nth-child(even) td { background: #fafbfc; }
        figure.plot { margin: 1em 0; display: inline-block; border: 2px solid #5a7d9a; padding: 0; line-height: 0; }
        figure.plot svg { max-width: 100%; height: auto; display: block; }
        figcaption { line-height: 1.3; padding: 0.4em 0.6em; background: #fff; color: #57606a; font-size: 0.9em; }
        """;

    // Sorts by data-value as numbers when both cells have one, else by text; a second click reverses.
    private const string Script = """
        document.querySelectorAll('table.sortable th').forEach(function (th) {
          th.addEventListener('click', function () {
            var body = th.closest('table').tBodies[0], column = th.cellIndex, up = th.dataset.order !== 'up';
            th.dataset.order = up ? 'up' : 'down';
            Array.from(body.rows).sort(function (a, b) {
              var x = a.cells[column], y = b.cells[column], p = parseFloat(x.dataset.value), q = parseFloat(y.dataset.value);
              var order = isNaN(p) || isNaN(q) ? x.textContent.localeCompare(y.textContent) : p - q;
              return up ? order : -order;
            }).forEach(function (row) { body.appendChild(row); });
          });
        });
        """;

    private readonly StringBuilder _body = new();
    private int _figures;

    public void Heading(string text) => _body.Append("<h2>").Append(Encode(text)).Append("</h2>\n");

    public void Paragraph(string text, bool note = false) =>
        _body.Append(note ? "<p class=\"note\">" : "<p>").Append(Encode(text)).Append("</p>\n");

    /// <summary>A sortable table; the first <paramref name="textColumns"/> columns are left-aligned text.</summary>
    public void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<Cell>> rows, int textColumns = 1)
    {
        // A wide table scrolls inside its own box rather than widening the page.
        _body.Append("<div class=\"scroll\"><table class=\"sortable\"><thead><tr>");
        for (int i = 0; i < headers.Count; i++)
        {
            _body.Append(i < textColumns ? "<th class=\"text\">" : "<th>").Append(Encode(headers[i])).Append("</th>");
        }

        _body.Append("</tr></thead>\n<tbody>\n");
        foreach (IReadOnlyList<Cell> row in rows)
        {
            _body.Append("<tr>");
            for (int i = 0; i < row.Count; i++)
            {
                Cell cell = row[i];
                _body.Append("<td");
                if (i < textColumns)
                {
                    _body.Append(" class=\"text\"");
                }

                if (cell.Value is not null)
                {
                    _body.Append(" data-value=\"").Append(cell.Value).Append('"');
                }

                if (cell.Json is not null)
                {
                    _body.Append(" data-json=\"").Append(Encode(cell.Json)).Append('"');
                }

                _body.Append('>').Append(Encode(cell.Text)).Append("</td>");
            }

            _body.Append("</tr>\n");
        }

        _body.Append("</tbody></table></div>\n");
    }

    /// <summary>A plot as inline SVG. Skia names clip paths cl_1, cl_2, … in every SVG, and ids are global in a page, so
    /// each figure's ids get a prefix of their own.</summary>
    public void Figure(Figure figure)
    {
        string prefix = string.Create(CultureInfo.InvariantCulture, $"f{++_figures}-");
        string svg = figure.ToSvg();
        int start = svg.IndexOf("<svg", StringComparison.Ordinal);
        svg = svg[start..];
        svg = IdAttribute().Replace(svg, m => $"id=\"{prefix}{m.Groups[1].Value}\"");
        svg = UrlReference().Replace(svg, m => $"url(#{prefix}{m.Groups[1].Value})");
        svg = HrefReference().Replace(svg, m => $"href=\"#{prefix}{m.Groups[1].Value}\"");
        svg = string.Concat(string.Create(CultureInfo.InvariantCulture, $"<svg viewBox=\"0 0 {figure.Width} {figure.Height}\""), svg.AsSpan(4));
        _body.Append("<figure class=\"plot\" data-plot=\"").Append(Encode(figure.Name)).Append("\">\n").Append(svg)
            .Append("\n<figcaption>").Append(Encode(figure.Title)).Append("</figcaption></figure>\n");
    }

    public string Render()
    {
        var page = new StringBuilder();
        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(Encode(title)).Append("</title>\n<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n")
            .Append("<h1>").Append(Encode(title)).Append("</h1>\n")
            .Append(_body)
            .Append("<script>\n").Append(Script).Append("</script>\n</body>\n</html>\n");
        return page.ToString();
    }

    public static string Encode(string text) => WebUtility.HtmlEncode(text);

    [GeneratedRegex("id=\"([^\"]+)\"")]
    private static partial Regex IdAttribute();

    [GeneratedRegex(@"url\(#([^)]+)\)")]
    private static partial Regex UrlReference();

    [GeneratedRegex("href=\"#([^\"]+)\"")]
    private static partial Regex HrefReference();
}
