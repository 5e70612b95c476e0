using LossEngine.Formats;

namespace LossEngine.Cli.Commands;

/// <summary>A command-line mistake: exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
