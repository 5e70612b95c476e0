namespace LossEngine.Scaling;

/// <summary>An input to the scaling analysis is wrong: the message names the file and the field (or line and column).</summary>
public sealed class ScalingInputException : FormatException
{
    /// <summary>Creates the exception with an empty message.</summary>
    public ScalingInputException()
        : this(string.Empty, string.Empty, string.Empty)
    {
    }

    /// <summary>Creates the exception with a message and no file.</summary>
    public ScalingInputException(string message)
        : this(string.Empty, string.Empty, message)
    {
    }

    /// <summary>Creates the exception with a message, no file, and the error behind it.</summary>
    public ScalingInputException(string message, Exception innerException)
        : base(message, innerException)
    {
        File = string.Empty;
        Field = string.Empty;
    }

    /// <summary>Creates the exception for <paramref name="file"/>'s <paramref name="field"/>; the message is
    /// "file: field: detail" (parts left empty are left out).</summary>
    public ScalingInputException(string file, string field, string detail, Exception? innerException = null)
        : base(Compose(file, field, detail), innerException)
    {
        File = file;
        Field = field;
    }

    /// <summary>The file at fault; empty when the error is not in one file.</summary>
    public string File { get; }

    /// <summary>The field, column or line at fault; empty when the error is about the whole file.</summary>
    public string Field { get; }

    private static string Compose(string file, string field, string detail) =>
        string.Join(": ", new[] { file, field, detail }.Where(part => !string.IsNullOrEmpty(part)));
}
