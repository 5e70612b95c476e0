using System.Reflection;
using LossEngine;
using LossEngine.Aggregation;
using LossEngine.Formats;
using LossEngine.Pipeline;

// A program as a user of the LossEngine package writes it: eng/test-packages.sh copies it into a fresh console project
// that references the package from the folder `dotnet pack` wrote. It writes a three-token dump, scores it, and checks
// the mean loss against a float64 log-softmax computed here. Arguments: the expected package version.
string expectedVersion = args.Length == 1 ? args[0] : throw new ArgumentException("usage: consumer VERSION");

float[,] logits = { { 2f, 0.5f, -1f, 3f }, { 0f, 0f, 0f, 0f }, { -4f, 8f, 1.5f, 0.25f } };
long[] targets = [3, 1, 2];
int rows = logits.GetLength(0), vocabulary = logits.GetLength(1);

string folder = Directory.CreateTempSubdirectory("lossengine-consumer-").FullName;
string dump = Path.Combine(folder, "dump.safetensors");
SafetensorsFile.Write(dump,
[
    TensorData.FromBytes("logits", TensorDataType.Float32, [rows, vocabulary], ToBytes(logits.Cast<float>().ToArray())),
    TensorData.FromBytes("labels", TensorDataType.Int64, [rows], ToBytes(targets)),
]);

double expected = 0;
for (int r = 0; r < rows; r++)
{
    double max = double.NegativeInfinity, sum = 0;
    for (int v = 0; v < vocabulary; v++)
    {
        max = Math.Max(max, logits[r, v]);
    }

    for (int v = 0; v < vocabulary; v++)
    {
        sum += Math.Exp(logits[r, v] - max);
    }

    expected += (max + Math.Log(sum) - logits[r, targets[r]]) / rows;
}

LossAggregator scored = DumpScorer.Score([dump]);
TaskMetrics overall = scored.Report().Overall;
Directory.Delete(folder, recursive: true);

string version = typeof(Logits).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "";
Console.WriteLine($"LossEngine {version} from {typeof(Logits).Assembly.Location}");
Console.WriteLine($"mean loss {overall.Loss:R} over {overall.Tokens} tokens; float64 reference {expected:R}");
bool ok = overall.Tokens == rows && Math.Abs(overall.Loss - expected) <= 1e-6 * Math.Max(1, expected)
    && version.Split('+')[0] == expectedVersion;
Console.WriteLine(ok ? "consumer: ok" : "consumer: MISMATCH");
return ok ? 0 : 1;

static byte[] ToBytes<T>(T[] values) where T : unmanaged =>
    System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
