using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using LossEngine.Reports.Plots;
using SkiaSharp;

namespace LossEngine.Tests.Reports;

/// <summary>What every picture and page must satisfy: the SVG parses, each task's series is drawn in its own colour and
/// named in a legend or title, the PNG decodes to the stated size and is not blank, and every number an HTML page
/// shows is the JSON report's number at the path the cell names.</summary>
internal static partial class PictureChecks
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    /// <summary>Parses the SVG and checks that every task in <paramref name="tasks"/> has a series: its colour on a data
    /// element inside a clipped (data-area) group, distinct from every other task's, and its name in a text element.</summary>
    public static XDocument SeriesPerTask(Figure figure, IReadOnlyCollection<string> tasks)
    {
        XDocument document = XDocument.Parse(figure.ToSvg());
        Assert.Equal(Svg + "svg", document.Root!.Name);
        Assert.Equal(tasks.OrderBy(t => t, StringComparer.Ordinal), figure.SeriesColors.Keys.OrderBy(t => t, StringComparer.Ordinal));
        Assert.Equal(tasks.Count, figure.SeriesColors.Values.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        HashSet<string> dataColors = [.. document.Descendants(Svg + "g").Where(g => g.Attribute("clip-path") is not null)
            .SelectMany(g => g.Descendants()).SelectMany(e => new[] { (string?)e.Attribute("stroke"), (string?)e.Attribute("fill") })
            .Where(c => c is not null).Select(c => c!.ToUpperInvariant())];
        string text = string.Join("\n", document.Descendants(Svg + "text").Select(t => t.Value));
        foreach (string task in tasks)
        {
            Assert.True(dataColors.Contains(figure.SeriesColors[task].ToUpperInvariant()), $"{figure.Name}: no series in {task}'s colour {figure.SeriesColors[task]}");
            Assert.True(text.Contains(task, StringComparison.Ordinal), $"{figure.Name}: no text names {task}");
        }

        return document;
    }

    /// <summary>Decodes a PNG and checks its size and that it is not blank: many colours, and a fair share of pixels
    /// that are not the background.</summary>
    public static void NotBlank(byte[] png, int width, int height)
    {
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        using SKBitmap bitmap = SKBitmap.Decode(png);
        Assert.Equal(width, bitmap.Width);
        Assert.Equal(height, bitmap.Height);
        var colors = new HashSet<uint>();
        long inked = 0;
        for (int y = 0; y < bitmap.Height; y += 2)
        {
            for (int x = 0; x < bitmap.Width; x += 2)
            {
                SKColor c = bitmap.GetPixel(x, y);
                colors.Add((uint)c);
                inked += c.Red + c.Green + c.Blue < 3 * 240 ? 1 : 0;
            }
        }

        Assert.True(colors.Count > 20, $"{colors.Count} colours");
        Assert.True(inked > bitmap.Width * bitmap.Height / 4 / 100, $"{inked} inked pixels of {bitmap.Width * bitmap.Height / 4}");
    }

    /// <summary>Checks every number cell of an HTML page against the JSON report: the exact value in data-value equals the
    /// JSON's value at data-json, and the shown text rounds it. Returns how many cells were checked.</summary>
    public static int NumbersMatchJson(string html, string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        int checkedCells = 0;
        foreach (Match cell in NumberCell().Matches(html))
        {
            string exact = cell.Groups["value"].Value, path = cell.Groups["json"].Value, shown = System.Net.WebUtility.HtmlDecode(cell.Groups["text"].Value);
            JsonElement element = document.RootElement;
            foreach (string part in path.Split('.'))
            {
                element = int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && element.ValueKind == JsonValueKind.Array
                    ? element[index] : element.GetProperty(part);
            }

            if (element.ValueKind == JsonValueKind.String)
            {
                Assert.Equal(element.GetString(), exact); // "NaN", "Infinity"
            }
            else
            {
                double value = element.GetDouble();
                Assert.True(value == double.Parse(exact, CultureInfo.InvariantCulture), $"{path}: page {exact}, JSON {element.GetRawText()}");
                double rounded = double.Parse(shown, CultureInfo.InvariantCulture);
                Assert.True(Math.Abs(rounded - value) <= 1e-4 * Math.Abs(value) + 1e-300, $"{path}: shown {shown} for {value}");
            }

            checkedCells++;
        }

        return checkedCells;
    }

    /// <summary>Checks that a page loads nothing from elsewhere and that its element ids are unique.</summary>
    public static void SelfContained(string html)
    {
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(ExternalSource(), html);
        // The SVG namespace URIs are names, not addresses; nothing else may name a web address.
        Assert.DoesNotMatch(WebAddress(), Namespace().Replace(html, string.Empty));
        string[] ids = [.. Id().Matches(html).Select(m => m.Groups[1].Value)];
        Assert.Equal(ids.Length, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [GeneratedRegex("<td[^>]*data-value=\"(?<value>[^\"]*)\" data-json=\"(?<json>[^\"]*)\"[^>]*>(?<text>[^<]*)</td>")]
    private static partial Regex NumberCell();

    [GeneratedRegex("(src|href)=\"(?!#)")]
    private static partial Regex ExternalSource();

    [GeneratedRegex("https?://")]
    private static partial Regex WebAddress();

    [GeneratedRegex("xmlns(:\\w+)?=\"http://www\\.w3\\.org/[^\"]*\"")]
    private static partial Regex Namespace();

    [GeneratedRegex(" id=\"([^\"]+)\"")]
    private static partial Regex Id();
}
