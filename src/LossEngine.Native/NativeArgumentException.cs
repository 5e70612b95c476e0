using System.Runtime.InteropServices;
using LossEngine.Formats;

namespace LossEngine.Native;

/// <summary>Thrown by argument checks to become a status code and a message.</summary>
internal sealed class NativeArgumentException(Status status, string message) : Exception(message)
{
    public Status Status { get; } = status;
}
