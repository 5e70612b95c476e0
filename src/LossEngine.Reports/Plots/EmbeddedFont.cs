using ScottPlot;
using SkiaSharp;

namespace LossEngine.Reports.Plots;

/// <summary>
/// Every plot's text is set in DejaVu Sans from this assembly. The Skia build used needs no fontconfig, and a bare Linux
/// machine (a container, a CI image) may have no font at all, where ScottPlot's system-font lookup finds nothing and axis
/// text would silently not render.
/// </summary>
internal sealed class EmbeddedFont : IFontResolver
{
    /// <summary>The family name plots ask for.</summary>
    public const string Family = "DejaVu Sans";

    private static readonly SKTypeface Typeface = Load();

    private static readonly Lock Gate = new();

    private static bool s_installed;

    /// <summary>Puts the embedded font in front of ScottPlot's resolvers and makes it the default; idempotent.</summary>
    public static void Install()
    {
        lock (Gate)
        {
            if (s_installed)
            {
                return;
            }

            Fonts.FontResolvers.Insert(0, new EmbeddedFont());
            Fonts.Default = Family;
            Fonts.Sans = Family;
            s_installed = true;
        }
    }

    // One face for every request: a report's plots look the same on every machine, bold and italic included.
    public SKTypeface CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing width) => Typeface;

    public SKTypeface CreateTypeface(string fontName, bool bold, bool italic) => Typeface;

    private static SKTypeface Load()
    {
        using Stream stream = typeof(EmbeddedFont).Assembly.GetManifestResourceStream("LossEngine.Reports.DejaVuSans.ttf")
            ?? throw new InvalidOperationException("The embedded font is missing from LossEngine.Reports.");
        return SKTypeface.FromStream(stream) ?? throw new InvalidOperationException("The embedded font could not be read.");
    }
}
