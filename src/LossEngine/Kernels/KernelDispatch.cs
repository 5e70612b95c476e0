using System.Runtime.Intrinsics;
using LossEngine.Kernels.Vectors;

namespace LossEngine.Kernels;

/// <summary>A kernel call whose body is generic over the vector width; the dispatcher picks the width.</summary>
internal interface IWidthGenericCall<TResult>
{
    TResult Invoke<TWidth, TVector>()
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged;
}

/// <summary>
/// Chooses the vector width once per call: the widest the hardware accelerates whose lane count fits the row, down to
/// one scalar lane. Rows shorter than a vector therefore run on a narrower vector instead of a scalar loop.
/// </summary>
internal static class KernelDispatch
{
    /// <summary>The widest accelerated vector in bits: 512, 256, 128, or 0 when only the scalar path runs.</summary>
    public static int WidestAcceleratedBits =>
        Vector512Width.IsHardwareAccelerated ? 512
        : Vector256Width.IsHardwareAccelerated ? 256
        : Vector128Width.IsHardwareAccelerated ? 128
        : 0;

    public static TResult Run<TCall, TResult>(ref TCall call, int length)
        where TCall : IWidthGenericCall<TResult>, allows ref struct
    {
        if (Vector512Width.IsHardwareAccelerated && length >= Vector512Width.Count)
        {
            return call.Invoke<Vector512Width, Vector512<float>>();
        }

        if (Vector256Width.IsHardwareAccelerated && length >= Vector256Width.Count)
        {
            return call.Invoke<Vector256Width, Vector256<float>>();
        }

        if (Vector128Width.IsHardwareAccelerated && length >= Vector128Width.Count)
        {
            return call.Invoke<Vector128Width, Vector128<float>>();
        }

        return call.Invoke<ScalarWidth, float>();
    }
}
