using System.Runtime.Intrinsics;
using LossEngine.Kernels.Vectors;

namespace LossEngine.Tests.Kernels;

/// <summary>A test body generic over the vector width.</summary>
internal interface IWidthTest
{
    void Run<TWidth, TVector>()
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged;
}

/// <summary>Runs a width-generic test on every width the hardware accelerates in this process, and on the scalar
/// width, so that each instruction-set run of the suite covers its own paths.</summary>
internal static class WidthRunner
{
    public static int RunOnAcceleratedWidths<TTest>(TTest test)
        where TTest : IWidthTest
    {
        int widths = 1;
        test.Run<ScalarWidth, float>();
        if (Vector128Width.IsHardwareAccelerated)
        {
            test.Run<Vector128Width, Vector128<float>>();
            widths++;
        }

        if (Vector256Width.IsHardwareAccelerated)
        {
            test.Run<Vector256Width, Vector256<float>>();
            widths++;
        }

        if (Vector512Width.IsHardwareAccelerated)
        {
            test.Run<Vector512Width, Vector512<float>>();
            widths++;
        }

        return widths;
    }
}
