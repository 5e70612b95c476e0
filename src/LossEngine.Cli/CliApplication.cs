using System.CommandLine;
using System.CommandLine.Help;
using LossEngine.Cli.Commands;
using LossEngine.Formats;

namespace LossEngine.Cli;

/// <summary>The <c>lossengine</c> command line.</summary>
internal static class CliApplication
{
    public const int BadInputExit = 1;
    public const int UsageExit = 2;
    public const int InterruptedExit = 130;
    public const int TerminatedExit = 143;

    public static int Run(string[] args, TextWriter output, TextWriter error, bool errorIsTerminal = false, CancellationToken cancellation = default) =>
        Run(args, new CliContext(output, error, errorIsTerminal, cancellation));

    /// <summary>The tool as a process: SIGINT and SIGTERM cancel the run, which then removes its temporary outputs and
    /// exits with 130 or 143 instead of being killed mid-write.</summary>
    public static int RunProcess(string[] args)
    {
        using var interrupt = new CancellationTokenSource();
        var context = new CliContext(Console.Out, Console.Error, !Console.IsErrorRedirected, interrupt.Token);
        void Stop(System.Runtime.InteropServices.PosixSignalContext signal, int exit)
        {
            signal.Cancel = true; // keep the process alive until the command has cleaned up
            context.InterruptedExit = exit;
            interrupt.Cancel();
        }

        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, s => Stop(s, InterruptedExit));
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, s => Stop(s, TerminatedExit));
        return Run(args, context);
    }

    private static int Run(string[] args, CliContext context)
    {
        TextWriter error = context.Error, output = context.Output;
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

        // The tool handles SIGINT and SIGTERM itself (RunProcess); System.CommandLine's own handler would end the
        // process after a timeout, before temporary outputs are removed.
        return result.Invoke(new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null });
    }
}
