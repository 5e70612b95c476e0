using LossEngine.Cli.Reports;
using LossEngine.Reports.Plots;

namespace LossEngine.Cli.Commands;

/// <summary>Where the plots and the HTML report go; either may be null.</summary>
internal sealed record Pictures(string? PlotFolder, string? HtmlFile)
{
    public bool Any => PlotFolder is not null || HtmlFile is not null;

    /// <summary>Writes the figures into the plot folder (when requested) and the page (when requested).</summary>
    public void Write(OutputFiles outputs, IReadOnlyList<Figure> figures, Func<string> page)
    {
        outputs.WriteFolder(PlotFolder, folder =>
        {
            foreach (Figure figure in figures)
            {
                figure.Save(folder);
            }
        });
        outputs.WriteText(HtmlFile, page);
    }
}
