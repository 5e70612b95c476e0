using System.CommandLine;
using LossEngine.Cli.Reports;
using LossEngine.Reports.Plots;

namespace LossEngine.Cli.Commands;

/// <summary><c>--plots DIR</c> and <c>--html FILE</c>, shared by the commands that draw.</summary>
internal sealed class PictureOptions
{
    public Option<string?> Plots { get; } = new("--plots") { Description = "write the plots as PNG and SVG into this folder (created if missing)" };

    public Option<string?> Html { get; } = new("--html") { Description = "write one self-contained HTML report: tables, plots, worst examples (opens offline)" };

    public void AddTo(Command command, bool html = true)
    {
        command.Options.Add(Plots);
        if (html)
        {
            command.Options.Add(Html);
        }
    }

    /// <summary>The requested pictures, registered with <paramref name="outputs"/>.</summary>
    public Pictures Of(ParseResult result, OutputFiles outputs)
    {
        string? plots = result.GetValue(Plots), html = result.GetValue(Html);
        outputs.AddFolder("--plots", plots);
        return new Pictures(plots, html);
    }
}

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
