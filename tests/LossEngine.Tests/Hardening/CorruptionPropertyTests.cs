using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using LossEngine.Aggregation;
using LossEngine.Formats;
using LossEngine.Pipeline;
using LossEngine.Tests.Formats;
using LossEngine.Tests.Reference;

namespace LossEngine.Tests.Hardening;

/// <summary>
/// Valid headers and states, corrupted at random (bytes flipped, cut, duplicated or widened; JSON values replaced by
/// negative, huge, null, empty or wrongly typed ones): the only outcomes allowed are the documented format error or a
/// valid parse whose use (scoring, reporting, merging, writing) also ends cleanly. Anything else, an unexpected
/// exception type, is a failure that names the seed.
/// </summary>
public sealed class CorruptionPropertyTests : IDisposable
{
    private const int Vocabulary = 24;
    private readonly DumpBuilder _files = new();
    private readonly byte[] _safetensors;
    private readonly byte[] _npy;
    private readonly string _scoreReport;
    private readonly string _comparisonState;

    public CorruptionPropertyTests()
    {
        (float[] logits, long[] labels, int[] tasks, long[] examples) = DumpBuilder.Random(16, Vocabulary, 2, 5);
        string dump = _files.WriteSafetensors("valid.safetensors", logits, labels, tasks, examples, Vocabulary, taskNames: ["a", "b"]);
        _safetensors = File.ReadAllBytes(dump);
        string npy = _files.PathOf("valid.npy");
        NpyFile.Write(npy, TensorDataType.Float32, [16, Vocabulary], DumpBuilder.Bytes(logits));
        _npy = File.ReadAllBytes(npy);
        LossAggregator scored = DumpScorer.Score([dump], cancellationToken: TestContext.Current.CancellationToken);
        _scoreReport = ReportJson.Write(scored.Report(), scored, [dump]);
        float[] other = [.. logits.Select(v => v * 0.9f)];
        string candidate = _files.WriteSafetensors("candidate.safetensors", other, labels, tasks, examples, Vocabulary, taskNames: ["a", "b"]);
        _comparisonState = ModelComparer.Compare([dump], [candidate], cancellationToken: TestContext.Current.CancellationToken).ToJson();
    }

    public void Dispose() => _files.Dispose();

    private static Arbitrary<int> Seeds() => Gen.Choose(0, int.MaxValue).ToArbitrary();

    /// <summary>Flips, cuts, duplicates or widens bytes; the header region (the first 256 bytes) is hit most.</summary>
    private static byte[] CorruptBytes(byte[] valid, Random random)
    {
        var bytes = new List<byte>(valid);
        int edits = random.Next(1, 4);
        for (int e = 0; e < edits && bytes.Count > 0; e++)
        {
            int at = random.Next(Math.Min(bytes.Count, random.Next(2) == 0 ? 256 : bytes.Count));
            switch (random.Next(5))
            {
                case 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 1: bytes[at] = (byte)random.Next(256); break;
                case 2: bytes.RemoveRange(at, bytes.Count - at); break;
                case 3: bytes.InsertRange(at, bytes.GetRange(at, Math.Min(random.Next(1, 32), bytes.Count - at))); break;
                default: bytes.InsertRange(at, Encoding.ASCII.GetBytes(random.Next(2) == 0 ? "99999999999999999999" : "-1")); break;
            }
        }

        return [.. bytes];
    }

    /// <summary>Replaces one JSON value, anywhere in the document, by a hostile one.</summary>
    private static string CorruptJson(string valid, Random random)
    {
        JsonNode root = JsonNode.Parse(valid)!;
        var nodes = new List<(JsonNode Parent, object Key)>();
        void Collect(JsonNode node)
        {
            if (node is JsonObject obj)
            {
                foreach ((string key, JsonNode? child) in obj.ToList())
                {
                    nodes.Add((obj, key));
                    if (child is not null)
                    {
                        Collect(child);
                    }
                }
            }
            else if (node is JsonArray array)
            {
                for (int i = 0; i < array.Count; i++)
                {
                    nodes.Add((array, i));
                    if (array[i] is { } child)
                    {
                        Collect(child);
                    }
                }
            }
        }

        Collect(root);
        int edits = random.Next(1, 3);
        for (int e = 0; e < edits && nodes.Count > 0; e++)
        {
            (JsonNode parent, object key) = nodes[random.Next(nodes.Count)];
            JsonNode? current = key is string k ? parent[k] : parent[(int)key];
            JsonNode? replacement = random.Next(10) switch
            {
                0 => null,
                1 => JsonValue.Create(-1),
                2 => JsonValue.Create(long.MaxValue),
                3 => JsonValue.Create(1e300),
                4 => JsonValue.Create("x"),
                5 => new JsonArray(),
                6 => new JsonObject(),
                7 => JsonValue.Create(int.MinValue),
                8 => current is JsonArray list ? new JsonArray([.. list.Select(n => n?.DeepClone()), .. list.Select(n => n?.DeepClone())]) : JsonValue.Create(0),
                _ => JsonValue.Create(0.5),
            };
            if (parent is JsonObject obj && key is string name)
            {
                if (random.Next(6) == 0)
                {
                    obj.Remove(name);
                }
                else
                {
                    obj[name] = replacement;
                }
            }
            else if (parent is JsonArray array && key is int index && index < array.Count)
            {
                array[index] = replacement;
            }
        }

        return root.ToJsonString();
    }

    private static void OnlyClean(int seed, string what, Type allowed, Action action)
    {
        try
        {
            action();
        }
        catch (Exception error) when (error.GetType() == allowed)
        {
        }
        catch (Exception error)
        {
            Assert.Fail($"{what}, seed {seed}: {error.GetType().Name}: {error.Message}\n{error.StackTrace}");
        }
    }

    [Fact]
    public void CorruptSafetensorsDumps_OpenAndScoreCleanly_OrAreFormatErrors() => PropertyCheck.ForAll(Seeds(), seed =>
    {
        string path = _files.PathOf($"corrupt-{seed}.safetensors");
        File.WriteAllBytes(path, CorruptBytes(_safetensors, new Random(seed)));
        OnlyClean(seed, "safetensors", typeof(DumpFormatException), () =>
        {
            using EvalDump dump = EvalDump.OpenSafetensors(path);
            if (dump.LogitBytes < 1 << 20)
            {
                DumpScorer.Score([dump]).Report();
            }
        });
        File.Delete(path);
    });

    [Fact]
    public void CorruptNpyFiles_OpenCleanly_OrAreFormatErrors() => PropertyCheck.ForAll(Seeds(), seed =>
    {
        string path = _files.PathOf($"corrupt-{seed}.npy");
        File.WriteAllBytes(path, CorruptBytes(_npy, new Random(seed)));
        OnlyClean(seed, "npy", typeof(DumpFormatException), () => NpyFile.Open(path, TensorDataType.BFloat16).Dispose());
        File.Delete(path);
    });

    [Fact]
    public void CorruptScoreReports_ReadReportAndMergeCleanly_OrAreFormatErrors() => PropertyCheck.ForAll(Seeds(), seed =>
    {
        var random = new Random(seed);
        string text = random.Next(4) == 0 ? Encoding.UTF8.GetString(CorruptBytes(Encoding.UTF8.GetBytes(_scoreReport), random)) : CorruptJson(_scoreReport, random);
        OnlyClean(seed, "score report", typeof(FormatException), () =>
        {
            LossAggregator state = ReportJson.ReadState(text);
            AggregateReport report = state.Report();
            _ = ReportJson.Write(report, state, []);
            LossAggregator copy = LossAggregator.FromJson(state.ToJson());
            try
            {
                copy.Merge(state);
                copy.Append(ReportJson.ReadState(_scoreReport));
                copy.Report();
            }
            catch (ArgumentException)
            {
                // A state that is valid alone may still not merge with another (other tasks, overflowing counts).
            }
        });
    });

    [Fact]
    public void CorruptComparisonStates_ReadReportAndMergeCleanly_OrAreFormatErrors() => PropertyCheck.ForAll(Seeds(), seed =>
    {
        var random = new Random(seed);
        string text = CorruptJson(_comparisonState, random);
        OnlyClean(seed, "comparison state", typeof(FormatException), () =>
        {
            ComparisonAggregator state = ComparisonAggregator.FromJson(text);
            _ = ComparisonReportJson.Write(state, [], []);
            ComparisonAggregator copy = ComparisonAggregator.FromJson(state.ToJson());
            try
            {
                copy.Merge(state);
                copy.Report();
            }
            catch (ArgumentException)
            {
            }
        });
    });
}
