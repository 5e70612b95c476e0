using FsCheck;
using FsCheck.Fluent;

namespace LossEngine.Tests.Reference;

/// <summary>A batch of rows plus targets, some of them the ignore index, built from a seed.</summary>
public sealed record MatrixCase(int Rows, int Width, int Seed, double Scale, double MaskFraction, double IgnoreFraction)
{
    public static Arbitrary<MatrixCase> Arbitrary() =>
        (from rows in Gen.Choose(0, 24)
         from width in Gen.Choose(1, 300)
         from seed in Gen.Choose(0, int.MaxValue)
         from scale in Gen.Elements(0.1, 1.0, 3.0, 10.0)
         from mask in Gen.Elements(0.0, 0.0, 0.2)
         from ignore in Gen.Elements(0.0, 0.2, 1.0)
         select new MatrixCase(rows, width, seed, scale, mask, ignore)).ToArbitrary();

    public (float[] Logits, int[] Targets) Build(int ignoreIndex = -100)
    {
        var random = new Random(Seed);
        var logits = new float[Rows * Width];
        var targets = new int[Rows];
        for (int row = 0; row < Rows; row++)
        {
            targets[row] = random.NextDouble() < IgnoreFraction ? ignoreIndex : random.Next(Width);
            for (int column = 0; column < Width; column++)
            {
                bool masked = column != targets[row] && random.NextDouble() < MaskFraction;
                logits[(row * Width) + column] = masked ? float.NegativeInfinity : (float)(Scale * RowCase.Gaussian(random));
            }
        }

        return (logits, targets);
    }
}
