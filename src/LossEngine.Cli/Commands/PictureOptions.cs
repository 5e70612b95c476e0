using System.CommandLine;
using LossEngine.Cli.Reports;

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
