using System.Globalization;
using LossEngine;

// A built-in demo: a toy "model" over a 128,256-token vocabulary (Llama 3's size) scores a short sequence whose next
// tokens it finds easy, plausible or surprising, in float32 and in bf16, with every per-token statistic.
const int vocabulary = 128_256;
var random = new Random(2024);
(string Kind, int Target, float Boost)[] tokens =
[
    ("easy", 791, 14f), ("easy", 1917, 12f), ("plausible", 374, 6f), ("plausible", 264, 4f),
    ("surprising", 50_000, 0f), ("masked target", 7, float.NegativeInfinity),
];

var row = new float[vocabulary];
var brainRow = new BFloat16[vocabulary];
double totalLoss = 0;
int scored = 0;
Console.WriteLine($"LossEngine demo: V = {vocabulary:N0}, SIMD width {Logits.VectorWidthInBits} bits");
Console.WriteLine($"{"token",-14} {"target",7} {"loss",9} {"bf16 loss",9} {"p(target)",10} {"rank",6} {"argmax",7} {"entropy",8}");
foreach ((string kind, int target, float boost) in tokens)
{
    for (int i = 0; i < vocabulary; i++)
    {
        row[i] = (float)(2.0 * Gaussian(random));
    }

    row[target] = float.IsNegativeInfinity(boost) ? boost : row[target] + boost;
    for (int i = 0; i < vocabulary; i++)
    {
        brainRow[i] = (BFloat16)row[i];
    }

    TokenStatistics stats = Logits.Statistics<float>(row, target);
    float brainLoss = Logits.CrossEntropy<BFloat16>(brainRow, target);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{kind,-14} {target,7} {stats.Loss,9:F4} {brainLoss,9:F4} {stats.TargetProbability,10:E2} {stats.TargetRank,6} {stats.ArgMax,7} {stats.Entropy,8:F4}"));
    if (float.IsFinite(stats.Loss))
    {
        totalLoss += stats.Loss;
        scored++;
    }
}

double meanLoss = totalLoss / scored;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"mean loss over {scored} finite tokens: {meanLoss:F4} nats, perplexity {Math.Exp(meanLoss):F2}"));

static double Gaussian(Random random) =>
    Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble());
