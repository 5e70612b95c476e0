using System.Text;
using ScottPlot;
using SkiaSharp;

namespace LossEngine.Reports.Plots;

/// <summary>
/// One picture: a single plot or a sheet of panels in a grid, written as PNG and SVG from the same drawing. Also carries
/// which colour each task was drawn in, so that a test can find every task's series in the SVG.
/// </summary>
public sealed class Figure
{
    internal Figure(string name, string title, IReadOnlyList<Plot> panels, int columns, int panelWidth, int panelHeight, IReadOnlyDictionary<string, string> seriesColors)
    {
        Name = name;
        Title = title;
        Panels = panels;
        Columns = Math.Max(1, Math.Min(columns, panels.Count));
        PanelWidth = panelWidth;
        PanelHeight = panelHeight;
        SeriesColors = seriesColors;
    }

    /// <summary>The file stem: the figure is written as <c>Name.png</c> and <c>Name.svg</c>.</summary>
    public string Name { get; }

    /// <summary>A caption for the HTML report.</summary>
    public string Title { get; }

    /// <summary>The panels, left to right then top to bottom.</summary>
    internal IReadOnlyList<Plot> Panels { get; }

    internal int Columns { get; }

    internal int PanelWidth { get; }

    internal int PanelHeight { get; }

    /// <summary>Each task drawn, with the colour of its series as #rrggbb.</summary>
    public IReadOnlyDictionary<string, string> SeriesColors { get; }

    /// <summary>The picture's width in pixels.</summary>
    public int Width => Columns * PanelWidth;

    /// <summary>The picture's height in pixels.</summary>
    public int Height => (Panels.Count + Columns - 1) / Columns * PanelHeight;

    /// <summary>The picture as an SVG document.</summary>
    public string ToSvg()
    {
        using var buffer = new MemoryStream();
        using (var stream = new SKManagedWStream(buffer))
        using (SKCanvas canvas = SKSvgCanvas.Create(SKRect.Create(Width, Height), stream))
        {
            Draw(canvas);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The picture as PNG bytes.</summary>
    public byte[] ToPng()
    {
        using SKSurface surface = SKSurface.Create(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        Draw(surface.Canvas);
        using SKImage image = surface.Snapshot();
        using SKData data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Writes <c>Name.png</c> and <c>Name.svg</c> into <paramref name="folder"/>; returns their paths.</summary>
    public IReadOnlyList<string> Save(string folder)
    {
        string png = Path.Combine(folder, Name + ".png"), svg = Path.Combine(folder, Name + ".svg");
        File.WriteAllBytes(png, ToPng());
        File.WriteAllText(svg, ToSvg());
        return [png, svg];
    }

    private void Draw(SKCanvas canvas)
    {
        canvas.Clear(SKColors.White);
        for (int i = 0; i < Panels.Count; i++)
        {
            float left = i % Columns * PanelWidth, top = i / Columns * PanelHeight;
            // A plot clears the canvas before drawing; the clip keeps that to its own panel.
            canvas.Save();
            canvas.ClipRect(SKRect.Create(left, top, PanelWidth, PanelHeight));
            Panels[i].Render(canvas, new PixelRect(left, left + PanelWidth, top + PanelHeight, top));
            canvas.Restore();
        }
    }
}
