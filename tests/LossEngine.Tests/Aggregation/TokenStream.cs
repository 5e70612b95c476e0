using FsCheck;
using FsCheck.Fluent;

namespace LossEngine.Tests.Aggregation;

/// <summary>A generated stream of scored tokens: tasks, contiguous examples with increasing ids, random statistics,
/// some NaN losses and some ignored rows.</summary>
public sealed record TokenStream(int Seed, int Tasks, int Examples, bool WithBytes)
{
    public static Arbitrary<TokenStream> Arbitrary() =>
        (from seed in Gen.Choose(0, int.MaxValue)
         from tasks in Gen.Choose(1, 4)
         from examples in Gen.Choose(0, 40)
         from bytes in Gen.Elements(true, false)
         select new TokenStream(seed, tasks, examples, bytes)).ToArbitrary();

    public (TokenStatistics[] Tokens, int[] TaskIds, long[] ExampleIds, long[] Targets, int[] Bytes) Build()
    {
        var random = new Random(Seed);
        var tokens = new List<TokenStatistics>();
        var taskIds = new List<int>();
        var exampleIds = new List<long>();
        var targets = new List<long>();
        var bytes = new List<int>();
        long exampleId = random.Next(5);
        for (int e = 0; e < Examples; e++)
        {
            exampleId += 1 + random.Next(3);
            int task = random.Next(Tasks);
            int length = 1 + random.Next(6);
            double difficulty = 0.5 + (task * 1.5);
            for (int i = 0; i < length; i++)
            {
                tokens.Add(RandomToken(random, difficulty));
                taskIds.Add(task);
                exampleIds.Add(exampleId);
                targets.Add(random.Next(32000));
                bytes.Add(1 + random.Next(6));
            }
        }

        return ([.. tokens], [.. taskIds], [.. exampleIds], [.. targets], WithBytes ? [.. bytes] : []);
    }

    public static TokenStatistics RandomToken(Random random, double difficulty)
    {
        double roll = random.NextDouble();
        if (roll < 0.03)
        {
            return TokenStatistics.Ignored;
        }

        int rank = random.NextDouble() < 0.4 ? 0 : random.Next(1, 40);
        float loss = roll < 0.05 ? float.NaN : (float)(difficulty * random.NextDouble() * (rank == 0 ? 0.5 : 3));
        double confidence = rank == 0 ? Math.Exp(-loss) : Math.Max(0.01, random.NextDouble());
        float lse = (float)(5 * random.NextDouble());
        float max = (float)(lse + Math.Log(confidence));
        return new TokenStatistics(loss, lse, max, lse - loss, (float)(3 * random.NextDouble()), (float)Math.Exp(-loss), rank == 0 ? 7 : 9, rank);
    }
}
