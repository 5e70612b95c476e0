using LossEngine.Cli;

namespace LossEngine.Tests.Cli;

/// <summary>Runs the command line in-process, capturing what it prints.</summary>
internal static class CliRunner
{
    public static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = CliApplication.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
