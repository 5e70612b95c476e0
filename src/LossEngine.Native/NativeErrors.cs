using System.Runtime.InteropServices;
using System.Text;

namespace LossEngine.Native;

/// <summary>The thread-local last error and the exception barrier: no exception ever crosses into C.</summary>
internal static unsafe class NativeErrors
{
    [ThreadStatic]
    private static byte* t_message;

    public static byte* LastMessage => t_message;

    public static int Fail(Status status, string message)
    {
        if (t_message != null)
        {
            NativeMemory.Free(t_message);
        }

        byte[] bytes = Encoding.UTF8.GetBytes(message);
        t_message = (byte*)NativeMemory.Alloc((nuint)bytes.Length + 1);
        bytes.CopyTo(new Span<byte>(t_message, bytes.Length));
        t_message[bytes.Length] = 0;
        return (int)status;
    }

    /// <summary>Runs an export's body, mapping every exception to a status and a message.</summary>
    public static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (NativeArgumentException error)
        {
            return Fail(error.Status, error.Message);
        }
        catch (Exception error) when (error is Formats.DumpFormatException or IOException or UnauthorizedAccessException)
        {
            return Fail(Status.BadFile, error.Message);
        }
        catch (NotSupportedException error)
        {
            return Fail(Status.UnsupportedDataType, error.Message);
        }
        catch (ArgumentException error)
        {
            return Fail(Status.InvalidArgument, error.Message);
        }
        catch (Exception error) when (error is FormatException or System.Text.Json.JsonException)
        {
            return Fail(Status.InvalidArgument, error.Message);
        }
        catch (Exception error)
        {
            return Fail(Status.Internal, $"internal error: {error.GetType().Name}: {error.Message}");
        }
    }

    public static void NotNull(void* pointer, string name)
    {
        if (pointer == null)
        {
            throw new NativeArgumentException(Status.NullPointer, $"{name} is NULL.");
        }
    }

    public static int Length(long value, string name)
    {
        if (value <= 0 || value > int.MaxValue)
        {
            throw new NativeArgumentException(Status.BadShape, $"{name} is {value}; it must be in [1, {int.MaxValue}].");
        }

        return (int)value;
    }
}
