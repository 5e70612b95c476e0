using System.CommandLine;
using System.CommandLine.Help;
using LossEngine.Cli.Commands;
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
