using System.Runtime.Intrinsics;

namespace LossEngine.Tests.Kernels;

/// <summary>
/// CI runs the suite once per instruction-set level and says which width it expects through
/// LOSSENGINE_EXPECTED_VECTOR_BITS. A runtime switch that silently did nothing (like .NET 10 ignoring the old
/// DOTNET_EnableAVX512F) then fails here instead of re-testing the same path.
/// </summary>
public sealed class InstructionSetTests
{
    [Fact]
    public void ActiveVectorWidth_IsTheOneThisRunExpects()
    {
        string? expected = Environment.GetEnvironmentVariable("LOSSENGINE_EXPECTED_VECTOR_BITS");
        int actual = Logits.VectorWidthInBits;
        TestContext.Current.SendDiagnosticMessage($"Vector width in use: {actual} bits; Vector512 {Vector512.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}, Vector128 {Vector128.IsHardwareAccelerated}");
        if (expected is null)
        {
            Assert.Contains(actual, new[] { 0, 128, 256, 512 });
            return;
        }

        Assert.Equal(int.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), actual);
    }

    /// <summary>The ARM64 run (eng/test-arm64.sh) sets LOSSENGINE_EXPECT_ADVSIMD=1: the suite must really have run on
    /// NEON, not on a software fallback.</summary>
    [Fact]
    public void ArmRun_UsesAdvSimd()
    {
        bool arm = System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported;
        TestContext.Current.SendDiagnosticMessage($"AdvSimd.IsSupported = {arm}, architecture {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}");
        if (Environment.GetEnvironmentVariable("LOSSENGINE_EXPECT_ADVSIMD") == "1")
        {
            Assert.True(arm, "this run was meant to exercise NEON, but AdvSimd is not supported");
            Assert.True(Vector128.IsHardwareAccelerated);
            Assert.Equal(System.Runtime.InteropServices.Architecture.Arm64, System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture);
        }
        else
        {
            Assert.Equal(System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64, arm);
        }
    }
}
