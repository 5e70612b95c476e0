namespace LossEngine.Formats;

/// <summary>A problem in an input file: the message names the file, the tensor or offset, and what is wrong.</summary>
public sealed class DumpFormatException : Exception
{
    /// <summary>Creates the exception with a complete message.</summary>
    public DumpFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a complete message and its cause.</summary>
    public DumpFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with no message (for serialisers).</summary>
    public DumpFormatException()
    {
    }
}
