using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LossEngine.Kernels;
using LossEngine.Kernels.Vectors;

namespace LossEngine.Tests.Kernels;

public sealed class VectorMathTests
{
    private static float[] ApplyExp<TWidth, TVector>(float[] input)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        int count = TWidth.Count;
        var padded = new float[((input.Length + count - 1) / count) * count];
        input.CopyTo(padded, 0);
        var output = new float[padded.Length];
        for (int i = 0; i < padded.Length; i += count)
        {
            TVector x = TWidth.LoadSingle(ref padded[0], (nuint)i);
            TWidth.Store(VectorMath.Exp<TWidth, TVector>(x), ref output[0], (nuint)i);
        }

        return output[..input.Length];
    }

    private readonly struct ExpAccuracy : IWidthTest
    {
        public void Run<TWidth, TVector>()
            where TWidth : IVectorWidth<TVector>
            where TVector : unmanaged
        {
            // A dense sweep of [−104, 89] plus random points; the error is measured in ulps of the correctly rounded
            // result wherever that result is a normal float.
            const int steps = 1_000_000;
            var random = new Random(12345);
            float[] input = new float[steps + 200_000];
            for (int i = 0; i <= steps; i++)
            {
                input[i] = -104f + (193f * i / steps);
            }

            for (int i = steps + 1; i < input.Length; i++)
            {
                input[i] = (float)((random.NextDouble() * 193) - 104);
            }

            float[] output = ApplyExp<TWidth, TVector>(input);
            double worst = 0;
            float worstAt = 0;
            for (int i = 0; i < input.Length; i++)
            {
                double exact = Math.Exp(input[i]);
                float rounded = (float)exact;
                if (rounded < 1.17549435e-38f || float.IsInfinity(rounded))
                {
                    continue;
                }

                double ulp = MathF.BitIncrement(rounded) - rounded;
                double error = Math.Abs(output[i] - exact) / ulp;
                if (error > worst)
                {
                    worst = error;
                    worstAt = input[i];
                }
            }

            Assert.True(worst <= 2.0, $"{typeof(TWidth).Name}: {worst:F3} ulp at x = {worstAt:R}");
        }
    }

    /// <summary>ExpForSum and ExpForSumByPolynomial of four vectors at a time over the whole blocks of
    /// <paramref name="input"/>. Checks on the way that the one-vector forms give the same bits, and that at AVX2 the
    /// kernels' exp is the table of 2^(j/8).</summary>
    private static (float[] Output, float[] Polynomial) ExpsForSum<TWidth, TVector>(float[] input)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        int count = TWidth.Count;
        var constants = SumExpConstants<TVector>.Create<TWidth>();
        bool eighths = typeof(TWidth) == typeof(Vector256Width) && System.Runtime.Intrinsics.X86.Avx2.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported;
        var output = new float[input.Length];
        var polynomial = new float[input.Length];
        for (int i = 0; i + (4 * count) <= input.Length; i += 4 * count)
        {
            var x = new TVector[4];
            var e = new TVector[4];
            var p = new TVector[4];
            for (int v = 0; v < 4; v++)
            {
                x[v] = TWidth.LoadSingle(ref input[0], (nuint)(i + (v * count)));
            }

            (e[0], e[1], e[2], e[3]) = (x[0], x[1], x[2], x[3]);
            VectorMath.ExpForSum<TWidth, TVector>(ref e[0], ref e[1], ref e[2], ref e[3], constants);
            (p[0], p[1], p[2], p[3]) = (x[0], x[1], x[2], x[3]);
            VectorMath.ExpForSumByPolynomial<TWidth, TVector>(ref p[0], ref p[1], ref p[2], ref p[3], constants);
            for (int v = 0; v < 4; v++)
            {
                Assert.Equal(VectorMath.ExpForSum<TWidth, TVector>(x[v], constants), e[v]);
                Assert.Equal(VectorMath.ExpForSumByPolynomial<TWidth, TVector>(x[v], constants), p[v]);
                if (eighths)
                {
                    Assert.Equal(VectorMath.ExpForSumByEighths<TWidth, TVector>(x[v]), e[v]);
                }

                TWidth.Store(e[v], ref output[0], (nuint)(i + (v * count)));
                TWidth.Store(p[v], ref polynomial[0], (nuint)(i + (v * count)));
            }
        }

        return (output, polynomial);
    }

    private readonly struct ExpForSumAccuracy : IWidthTest
    {
        public void Run<TWidth, TVector>()
            where TWidth : IVectorWidth<TVector>
            where TVector : unmanaged
        {
            // The terms that carry a sum of e^(x−max): x − max in [−20, 0] (and a little above, up to the rescale
            // margin). Relative error within 2 float ulps (2.4e−7) there, fused multiply-add or not: with FMA, the
            // degree-5 polynomial's 1.5e−7 (Horner rounding included) plus |n|·1.9e−9 from ln 2 rounded to float.
            int count = TWidth.Count;
            var random = new Random(777);
            float[] input = [.. Enumerable.Range(0, 400_000).Select(i => i < 280_000 ? -20f + (28f * i / 280_000) : (float)((random.NextDouble() * 28) - 20))];
            // ExpForSum takes the table of 2^(j/32) at AVX-512 and the table of 2^(j/8) at AVX2; the degree-5
            // polynomial (the comparison kernel's at AVX-512, and every kernel's at 128 bits) runs at every width.
            (float[] output, float[] polynomial) = ExpsForSum<TWidth, TVector>(input);
            AssertWithinRelative<TWidth>(input, output, 4 * count, "ExpForSum");
            AssertWithinRelative<TWidth>(input, polynomial, 4 * count, "ExpForSumByPolynomial");
        }

        private static void AssertWithinRelative<TWidth>(float[] input, float[] output, int block, string name)
        {
            double worst = 0;
            float worstAt = 0;
            for (int i = 0; i < input.Length - (input.Length % block); i++)
            {
                double relative = Math.Abs((output[i] / Math.Exp(input[i])) - 1);
                if (relative > worst)
                {
                    (worst, worstAt) = (relative, input[i]);
                }
            }

            Assert.True(worst <= 2.4e-7, $"{typeof(TWidth).Name} {name}: relative error {worst:E2} at x = {worstAt:R}");
        }
    }

    private readonly struct ExpForSumFarBelowTheMaximum : IWidthTest
    {
        public void Run<TWidth, TVector>()
            where TWidth : IVectorWidth<TVector>
            where TVector : unmanaged
        {
            // The kernels clamp x − max at −105 where the width has no vscalefps. Down to e^−87 the terms keep their
            // accuracy (the rounding of ln 2 adds |n|·1.9e−9, n down to −126); below e^−88 they are exactly 0 where the
            // width fuses multiply-adds and builds 2^n in the exponent field, the AVX2 table form included (its field
            // holds n + 127, which turns negative there). vscalefps (AVX-512) and the exact exp without FMA underflow
            // gradually. The one-vector forms give the same bits as the four-vector forms.
            int count = TWidth.Count;
            float[] input = [.. Enumerable.Range(0, 105 * 1024).Select(i => -105f + (i / 1024f)), float.NaN, -88f, -87f, 0f];
            Array.Resize(ref input, input.Length + (4 * count) - (input.Length % (4 * count)));
            (float[] output, float[] polynomial) = ExpsForSum<TWidth, TVector>(input);
            foreach ((float[] result, string name) in new[] { (output, "ExpForSum"), (polynomial, "ExpForSumByPolynomial") })
            {
                for (int i = 0; i < input.Length; i++)
                {
                    float x = input[i];
                    if (float.IsNaN(x))
                    {
                        Assert.True(float.IsNaN(result[i]), $"{typeof(TWidth).Name} {name}: e^NaN = {result[i]}");
                    }
                    else if (x <= -88f && TWidth.FusesMultiplyAdd && !TWidth.ScalesAnyExponent)
                    {
                        Assert.True(result[i] == 0f && !float.IsNegative(result[i]), $"{typeof(TWidth).Name} {name}: e^{x:R} = {result[i]:R}, expected +0");
                    }
                    else if (x >= -87f)
                    {
                        double relative = Math.Abs((result[i] / Math.Exp(x)) - 1);
                        Assert.True(relative <= 4.5e-7, $"{typeof(TWidth).Name} {name}: relative error {relative:E2} at x = {x:R}");
                    }
                    else
                    {
                        Assert.InRange(result[i], 0f, 2f * (float)Math.Exp(x) + float.Epsilon);
                    }
                }
            }
        }
    }

    [Fact]
    public void ExpForSum_TermsFarBelowTheMaximum_KeepTheirAccuracyThenVanish() =>
        Assert.True(WidthRunner.RunOnAcceleratedWidths(new ExpForSumFarBelowTheMaximum()) >= 1);

    [Fact]
    public void Exp2EighthsTable_HoldsTheCorrectlyRoundedPowers_EveryFourthFraction_LessTheirIndex()
    {
        for (int j = 0; j < 8; j++)
        {
            // The entry plus j·2^20 and an exponent field of 127 must be the bits of 2^(j/8).
            float power = BitConverter.Int32BitsToSingle(Vector256Width.Exp2EighthsFractionBitsLessIndex.GetElement(j) + (j << 20) + (127 << 23));
            Assert.Equal((float)Math.Pow(2, j / 8.0), power);
            Assert.Equal(VectorMath.Exp2Fractions[4 * j], power);
        }
    }

    [Fact]
    public void PowerOfEighths_TakesTheTableAndThePowerFromTheBits()
    {
        if (!System.Runtime.Intrinsics.X86.Avx2.IsSupported)
        {
            Assert.Skip("the table of 2^(j/8) is AVX2's");
        }

        // y = k + magic holds k = 8n + j (n up to 127); 2^(j/8)·2^n is exact down to n = −126, 2^(j/8)'s fraction bits
        // as a subnormal at n = −127 (under 2^−126, within 2^−127 of the power), and +0 below. Each lane holds its own j
        // (and n), so every lane looks up its own entry.
        for (int n = -140; n <= 127; n++)
        {
            float[] y = [.. Enumerable.Range(0, 8).Select(j => VectorMath.EighthsRoundingMagic + (8 * (n - (j % 3))) + ((j * 5) % 8))];
            Vector256<float> power = Vector256Width.PowerOfEighths(Vector256.Create(y));
            for (int lane = 0; lane < 8; lane++)
            {
                int laneN = n - (lane % 3), j = (lane * 5) % 8;
                float fraction = VectorMath.Exp2Fractions[4 * j];
                float expected = laneN < -127 ? 0f
                    : laneN == -127 ? BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(fraction) & 0x7FFFFF)
                    : (float)(fraction * Math.Pow(2, laneN));
                float got = power.GetElement(lane);
                Assert.True(got == expected && !float.IsNegative(got), $"n = {laneN}, j = {j}: {got:R}, expected {expected:R}");
                Assert.True(Math.Abs(got - (fraction * Math.Pow(2, laneN))) <= Math.Pow(2, -127), $"n = {laneN}, j = {j}: {got:R}");
            }
        }
    }

    [Fact]
    public void ExpForSumByEighthsFromMagic_MatchesTheShiftedExp_AtEveryReference()
    {
        if (!System.Runtime.Intrinsics.X86.Avx2.IsSupported || !System.Runtime.Intrinsics.X86.Fma.IsSupported)
        {
            Assert.Skip("the folded exp is AVX2's with FMA");
        }

        // With k in the magic the exp is of x − M, M = k·c exactly (c = ln2/8 as a float). The stated bounds of the
        // other forms hold relative to M: 2.4e−7 where x − M is in [−20, 8], 4.5e−7 down to −87, +0 below −88 and for
        // every finite x further down (where the power's bits are floored), NaN for −∞ (the clamped pass's case).
        double c = VectorMath.Ln2 / 8;
        foreach (int k in new[] { 0, 1, -1, 7, 123, -456, 11_538, -11_539, 47_000, -47_000 })
        {
            float magic = VectorMath.EighthsRoundingMagic - k;
            double shift = k * c;
            var offsets = new List<double>();
            for (int i = 0; i <= 95 * 256; i++)
            {
                offsets.Add(-87 + (i / 256.0));
            }

            offsets.AddRange([-88.2, -90, -105, -300, -1e4, -1e6, -1e9, -1e15, -1e19]);
            float[] x = [.. offsets.Select(d => (float)(shift + d))];
            Array.Resize(ref x, x.Length + 32 - (x.Length % 32));
            for (int i = offsets.Count; i < x.Length; i++)
            {
                x[i] = (float)shift;
            }

            for (int i = 0; i < x.Length; i += 32)
            {
                Vector256<float> e0 = Vector256.Create(x, i), e1 = Vector256.Create(x, i + 8), e2 = Vector256.Create(x, i + 16), e3 = Vector256.Create(x, i + 24);
                VectorMath.ExpForSumByEighthsFromMagic<Vector256Width, Vector256<float>>(ref e0, ref e1, ref e2, ref e3, Vector256.Create(magic));
                var e = new float[32];
                e0.CopyTo(e, 0);
                e1.CopyTo(e, 8);
                e2.CopyTo(e, 16);
                e3.CopyTo(e, 24);
                for (int lane = 0; lane < 32; lane++)
                {
                    double d = x[i + lane] - shift;
                    float got = e[lane];
                    if (d <= -88.1)
                    {
                        Assert.True(got == 0f && !float.IsNegative(got), $"k = {k}, x − M = {d:R}: {got:R}, expected +0");
                    }
                    else if (d >= -87)
                    {
                        double relative = Math.Abs((got / Math.Exp(d)) - 1);
                        Assert.True(relative <= (d >= -20 ? 2.4e-7 : 4.5e-7), $"k = {k}, x − M = {d:R}: relative error {relative:E2}");
                    }
                }
            }

            Vector256<float> masked = Vector256.Create(float.NegativeInfinity), unused = Vector256.Create((float)shift);
            VectorMath.ExpForSumByEighthsFromMagic<Vector256Width, Vector256<float>>(ref masked, ref unused, ref unused, ref unused, Vector256.Create(magic));
            Assert.True(float.IsNaN(masked.GetElement(0)), $"k = {k}: e^−∞ = {masked.GetElement(0)}, expected NaN");
        }
    }

    [Fact]
    public void Exp2Fractions_AreTheCorrectlyRoundedPowers()
    {
        Assert.Equal(32, VectorMath.Exp2Fractions.Length);
        for (int j = 0; j < 32; j++)
        {
            Assert.Equal((float)Math.Pow(2, j / 32.0), VectorMath.Exp2Fractions[j]);
        }
    }

    [Fact]
    public void ExpForSum_IsAccurate_WhereTheTermsCarryTheSum() =>
        Assert.True(WidthRunner.RunOnAcceleratedWidths(new ExpForSumAccuracy()) >= 1);

    [Fact]
    public void Exp_IsWithinTwoUlp_WhereTheResultIsNormal() =>
        Assert.True(WidthRunner.RunOnAcceleratedWidths(new ExpAccuracy()) >= 1);

    private readonly struct ExpSpecialValues : IWidthTest
    {
        public void Run<TWidth, TVector>()
            where TWidth : IVectorWidth<TVector>
            where TVector : unmanaged
        {
            float[] input = [float.NaN, float.NegativeInfinity, float.PositiveInfinity, -105f, -1000f, 88.7f, 89f, 1000f, 0f, -0f, -87.5f, -100f];
            float[] output = ApplyExp<TWidth, TVector>(input);
            Assert.True(float.IsNaN(output[0]), $"{typeof(TWidth).Name}: exp(NaN) = {output[0]}");
            Assert.Equal(0f, output[1]);
            Assert.Equal(float.PositiveInfinity, output[2]);
            Assert.Equal(0f, output[3]);
            Assert.Equal(0f, output[4]);
            Assert.Equal(MathF.Exp(88.7f), output[5], MathF.Exp(88.7f) * 3e-7f);
            Assert.Equal(float.PositiveInfinity, output[6]);
            Assert.Equal(float.PositiveInfinity, output[7]);
            Assert.Equal(1f, output[8]);
            Assert.Equal(1f, output[9]);

            // Subnormal results: approximate (gradual underflow), never garbage.
            Assert.InRange(output[10], 0.5f * MathF.Exp(-87.5f), 1.5f * MathF.Exp(-87.5f));
            Assert.InRange(output[11], 0f, 1e-43f);
        }
    }

    [Fact]
    public void Exp_HandlesSpecialValues() => WidthRunner.RunOnAcceleratedWidths(new ExpSpecialValues());

    private readonly struct WideningIsExact : IWidthTest
    {
        public void Run<TWidth, TVector>()
            where TWidth : IVectorWidth<TVector>
            where TVector : unmanaged
        {
            // Every one of the 65536 bit patterns, through the in-register widening, against the scalar conversion.
            ushort[] bits = Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();
            Half[] halves = MemoryMarshal.Cast<ushort, Half>(bits).ToArray();
            BFloat16[] brains = bits.Select(BFloat16.FromRawBits).ToArray();
            var fromHalf = new float[bits.Length];
            var fromBrain = new float[bits.Length];
            for (int i = 0; i < bits.Length; i += TWidth.Count)
            {
                TWidth.Store(VectorMath.Load<Half, TWidth, TVector>(ref halves[0], (nuint)i), ref fromHalf[0], (nuint)i);
                TWidth.Store(VectorMath.Load<BFloat16, TWidth, TVector>(ref brains[0], (nuint)i), ref fromBrain[0], (nuint)i);
            }

            for (int i = 0; i < bits.Length; i++)
            {
                float expectedHalf = (float)halves[i];
                float expectedBrain = (float)brains[i];
                Assert.True(float.IsNaN(expectedHalf) ? float.IsNaN(fromHalf[i]) : BitConverter.SingleToUInt32Bits(expectedHalf) == BitConverter.SingleToUInt32Bits(fromHalf[i]), $"{typeof(TWidth).Name}: half 0x{i:X4} gave {fromHalf[i]} not {expectedHalf}");
                if (float.IsNaN(expectedHalf))
                {
                    // A NaN keeps its sign and its payload, moved up with the mantissa; a signalling NaN may come out
                    // quiet (the scalar width's conversion sets the quiet bit).
                    const uint quietBit = 0x0040_0000;
                    uint nanBits = ((uint)(i & 0x8000) << 16) | 0x7F800000u | ((uint)(i & 0x3FF) << 13);
                    Assert.True((nanBits | quietBit) == (BitConverter.SingleToUInt32Bits(fromHalf[i]) | quietBit), $"{typeof(TWidth).Name}: half NaN 0x{i:X4} gave 0x{BitConverter.SingleToUInt32Bits(fromHalf[i]):X8}");
                }
                Assert.True(float.IsNaN(expectedBrain) ? float.IsNaN(fromBrain[i]) : BitConverter.SingleToUInt32Bits(expectedBrain) == BitConverter.SingleToUInt32Bits(fromBrain[i]), $"{typeof(TWidth).Name}: bf16 0x{i:X4} gave {fromBrain[i]} not {expectedBrain}");
            }
        }
    }

    [Fact]
    public void HalfAndBFloat16_WidenExactly_ForEveryBitPattern() => WidthRunner.RunOnAcceleratedWidths(new WideningIsExact());

    private readonly struct FiniteHalfConversion : IWidthTest
    {
        public void Run<TWidth, TVector>()
            where TWidth : IVectorWidth<TVector>
            where TVector : unmanaged
        {
            // Each binary16 in the upper half of a 32-bit lane, with a different pattern in the lower half every time:
            // the conversion must ignore it.
            var lanes = new float[1 << 16];
            for (int i = 0; i < lanes.Length; i++)
            {
                lanes[i] = BitConverter.UInt32BitsToSingle(((uint)i << 16) | (uint)((i * 40503) & 0xFFFF));
            }

            var converted = new float[lanes.Length];
            for (int i = 0; i < lanes.Length; i += TWidth.Count)
            {
                TVector bits = TWidth.LoadSingle(ref lanes[0], (nuint)i);
                TWidth.Store(VectorMath.FiniteHalfInUpperBitsToSingle<TWidth, TVector>(bits), ref converted[0], (nuint)i);
            }

            for (int i = 0; i < lanes.Length; i++)
            {
                float expected = (float)BitConverter.UInt16BitsToHalf((ushort)i);
                if (float.IsFinite(expected))
                {
                    Assert.True(BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(converted[i]), $"{typeof(TWidth).Name}: half 0x{i:X4} gave {converted[i]} not {expected}");
                    Assert.True(MathF.Abs(converted[i]) < VectorMath.HalfNonFiniteBound, $"half 0x{i:X4} is finite but beyond the bound");
                }
                else
                {
                    Assert.True(MathF.Abs(converted[i]) > VectorMath.HalfNonFiniteBound, $"{typeof(TWidth).Name}: half 0x{i:X4} ({expected}) gave {converted[i]}, within the finite bound");
                }
            }
        }
    }

    [Fact]
    public void FiniteHalfConversion_IsExactForFiniteValues_AndFlagsTheRest() => WidthRunner.RunOnAcceleratedWidths(new FiniteHalfConversion());
}
