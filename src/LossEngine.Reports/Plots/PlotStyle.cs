using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace LossEngine.Reports.Plots;

/// <summary>What every plot shares: the font, a colour per task that stays the same across a report's plots, and log
/// axes (ScottPlot draws log scales as log10 of the data with decade ticks).</summary>
internal static class PlotStyle
{
    public const int Width = 720;

    public const int Height = 440;

    /// <summary>A new plot with the embedded font and a title.</summary>
    public static Plot Create(string title, string xLabel, string yLabel)
    {
        EmbeddedFont.Install();
        var plot = new Plot();
        plot.Title(title, size: 15);
        plot.XLabel(xLabel, size: 13);
        plot.YLabel(yLabel, size: 13);
        plot.Font.Set(EmbeddedFont.Family);
        return plot;
    }

    /// <summary>A distinct colour for each name, in order: Category10 for up to 10, Category20 for up to 20, then hues
    /// spaced evenly around the wheel so that no two tasks share one.</summary>
    public static IReadOnlyDictionary<string, Color> Colors(IEnumerable<string> names)
    {
        string[] distinct = [.. names.Distinct(StringComparer.Ordinal)];
        IPalette palette = distinct.Length <= 10 ? new ScottPlot.Palettes.Category10() : new ScottPlot.Palettes.Category20();
        var colors = new Dictionary<string, Color>(StringComparer.Ordinal);
        for (int i = 0; i < distinct.Length; i++)
        {
            colors[distinct[i]] = distinct.Length <= 20 ? palette.GetColor(i) : Color.FromHSL((float)i / distinct.Length, 0.65f, 0.45f);
        }

        return colors;
    }

    /// <summary>#rrggbb, as the SVG writer spells fills and strokes.</summary>
    public static string Hex(Color color) => string.Create(CultureInfo.InvariantCulture, $"#{color.R:X2}{color.G:X2}{color.B:X2}");

    public static IReadOnlyDictionary<string, string> Hex(IReadOnlyDictionary<string, Color> colors) =>
        colors.ToDictionary(c => c.Key, c => Hex(c.Value), StringComparer.Ordinal);

    /// <summary>Decade ticks on an axis whose data are log10 values, labelled with <paramref name="label"/>(10^k).</summary>
    public static void LogTicks(IAxis axis, Func<double, string> label)
    {
        var ticks = new NumericAutomatic
        {
            MinorTickGenerator = new LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = exponent => label(Math.Pow(10, exponent)),
        };
        axis.TickGenerator = ticks;
    }

    /// <summary>A scale with an SI suffix: 3e8 → "300M", 1e12 → "1T".</summary>
    public static string Scale(double value)
    {
        (double factor, string suffix)[] steps = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")];
        foreach ((double factor, string suffix) in steps)
        {
            if (Math.Abs(value) >= factor)
            {
                return (value / factor).ToString("0.###", CultureInfo.InvariantCulture) + suffix;
            }
        }

        return value.ToString("0.###", CultureInfo.InvariantCulture);
    }

    /// <summary>A small number in plain or scientific notation: 0.001 → "0.001", 1e-5 → "1E-05".</summary>
    public static string Small(double value) =>
        value == 0 || Math.Abs(value) >= 1e-3 ? value.ToString("0.###", CultureInfo.InvariantCulture) : value.ToString("0E+00", CultureInfo.InvariantCulture);

    /// <summary>A figure of one plot.</summary>
    public static Figure Single(string name, string title, Plot plot, IReadOnlyDictionary<string, Color> colors, int width = Width, int height = Height) =>
        new(name, title, [plot], 1, width, height, Hex(colors));

    /// <summary>A file stem from free text: letters, digits, '-', '_' and '.' kept, anything else '_'.</summary>
    public static string FileStem(string text)
    {
        var stem = new System.Text.StringBuilder(text.Length);
        foreach (char c in text)
        {
            stem.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        }

        return stem.ToString().Trim('.');
    }
}
