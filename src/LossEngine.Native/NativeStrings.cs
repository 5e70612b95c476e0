using System.Runtime.InteropServices;
using System.Text;

namespace LossEngine.Native;

/// <summary>UTF-8 strings in and out of C.</summary>
internal static unsafe class NativeStrings
{
    /// <summary>Reads <paramref name="count"/> NUL-terminated UTF-8 strings, none of which may be NULL.</summary>
    public static string[] Array(byte** strings, int count, string name)
    {
        var result = new string[count];
        for (int i = 0; i < count; i++)
        {
            NativeErrors.NotNull(strings[i], $"{name}[{i}]");
            result[i] = Marshal.PtrToStringUTF8((nint)strings[i])!;
        }

        return result;
    }

    /// <summary>A NUL-terminated UTF-8 copy for C, freed with <c>lossengine_free_string</c>.</summary>
    public static byte* Copy(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        byte* copy = (byte*)NativeMemory.Alloc((nuint)bytes.Length + 1);
        bytes.CopyTo(new Span<byte>(copy, bytes.Length));
        copy[bytes.Length] = 0;
        return copy;
    }
}
