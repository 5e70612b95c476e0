using System.CommandLine;
using System.CommandLine.Help;
using LossEngine.Cli.Commands;
using LossEngine.Formats;

namespace LossEngine.Cli;

/// <summary>Where a command writes, how it is interrupted, and how errors become exit codes: 0 ok, 1 bad input,
/// 2 usage, 130 after SIGINT, 143 after SIGTERM.</summary>
internal sealed class CliContext(TextWriter output, TextWriter error, bool errorIsTerminal, CancellationToken cancellation = default)
{
    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    public bool ErrorIsTerminal { get; } = errorIsTerminal;

    /// <summary>Cancelled by SIGINT or SIGTERM: the run stops between batches and its outputs are discarded.</summary>
    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>The exit code for an interrupted run: 128 + the signal's number, as shells report it.</summary>
    public int InterruptedExit { get; set; } = CliApplication.InterruptedExit;

    /// <summary>Runs a command body; a bad input becomes a one-line message and exit code 1, a usage mistake exit 2.</summary>
    public int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
        {
            Error.WriteLine("lossengine: interrupted; no output was written.");
            return InterruptedExit;
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
