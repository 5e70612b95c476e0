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
}
