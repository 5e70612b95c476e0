using System.CommandLine;
using System.CommandLine.Help;
using LossEngine.Cli.Commands;
using LossEngine.Cli.Input;
using LossEngine.Formats;

namespace LossEngine.Cli;

/// <summary>Where a command writes, and how errors become exit codes: 0 ok, 1 bad input, 2 usage.</summary>
internal sealed class CliContext(TextWriter output, TextWriter error, bool errorIsTerminal)
{
    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    public bool ErrorIsTerminal { get; } = errorIsTerminal;

    /// <summary>Runs a command body; a bad input becomes a one-line message and exit code 1, a usage mistake exit 2.</summary>
    public int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (UsageException error)
        {
            Error.WriteLine($"lossengine: {error.Message}");
            return CliApplication.UsageExit;
        }
        catch (Exception error) when (error is DumpFormatException or ArgumentException or IOException or UnauthorizedAccessException or FormatException)
        {
            Error.WriteLine($"lossengine: error: {error.Message}");
            return CliApplication.BadInputExit;
        }
    }
}

/// <summary>The <c>lossengine</c> command line.</summary>
internal static class CliApplication
{
    public const int BadInputExit = 1;
    public const int UsageExit = 2;

    public static int Run(string[] args, TextWriter output, TextWriter error, bool errorIsTerminal = false)
    {
        var context = new CliContext(output, error, errorIsTerminal);
        // A plain command named for the tool rather than a RootCommand, whose name is the entry assembly's
        // ("LossEngine.Cli") and would show in every usage line; the root's help and version options are added here.
        var root = new Command("lossengine", "LossEngine: language-model logits to per-task losses, at memory bandwidth.")
        {
            new HelpOption(),
            new VersionOption(),
            ScoreCommand.Create(context),
            CompareCommand.Create(context),
            MergeCommand.Create(context),
            DemoCommand.Create(context),
            ScalingCommand.Create(context),
            FitLawCommand.Create(context),
        };

        ParseResult result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var parseError in result.Errors)
            {
                error.WriteLine($"lossengine: {parseError.Message}");
            }

            error.WriteLine("Run 'lossengine --help' for usage.");
            return UsageExit;
        }

        return result.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }
}
