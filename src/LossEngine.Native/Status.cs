using System.Runtime.InteropServices;
using LossEngine.Formats;

namespace LossEngine.Native;

/// <summary>Return codes of every export; mirrored by <c>lossengine_status</c> in include/lossengine.h.</summary>
internal enum Status
{
    Ok = 0,
    InvalidArgument = 1,
    NullPointer = 2,
    BadShape = 3,
    UnsupportedDataType = 4,
    Internal = 5,
    BadFile = 6,
}
