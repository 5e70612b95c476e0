using System.Text.Json;
using LossEngine.Cli;
using LossEngine.Formats;
using LossEngine.Tests.Formats;
using LossEngine.Tests.Reference;

namespace LossEngine.Tests.Cli;

/// <summary>The command line, run in-process on dumps written with the project's own writers.</summary>
public sealed class CliTests : IDisposable
{
    private readonly DumpBuilder _files = new();

    public void Dispose() => _files.Dispose();

    private static (int Exit, string Output, string Error) Run(params string[] args) => CliRunner.Run(args);

    private static double Number(JsonElement element, string name) =>
        element.GetProperty(name).ValueKind == JsonValueKind.Number ? element.GetProperty(name).GetDouble() : double.Parse(element.GetProperty(name).GetString()!, System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(TensorDataType.Float32)]
    [InlineData(TensorDataType.Float16)]
    [InlineData(TensorDataType.BFloat16)]
    public void Score_MatchesTheNaiveReference_AndWritesTheDocumentedSchema(TensorDataType dtype)
    {
        const int rows = 60, vocab = 257;
        (float[] logits, long[] labels, int[] tasks, long[] examples) = DumpBuilder.Random(rows, vocab, 3, 7);
        labels[5] = -100;
        string dump = _files.WriteSafetensors("dump.safetensors", logits, labels, tasks, examples, vocab, dtype, ["grammar", "arithmetic", "translation"]);
        string json = _files.PathOf("report.json");
        string tokens = _files.PathOf("tokens.npy");
        (int exit, string output, string error) = Run("score", dump, "--json", json, "--csv", _files.PathOf("r.csv"), "--markdown", _files.PathOf("r.md"), "--tokens", tokens, "--threads", "2");
        Assert.True(exit == 0, error);
        Assert.Contains("grammar", output, StringComparison.Ordinal);
        Assert.Contains("Loss decomposition", output, StringComparison.Ordinal);

        // Golden numbers: the reference loss over the widened logits of the non-ignored rows.
        Func<float, double> widen = dtype switch
        {
            TensorDataType.Float16 => v => (double)(float)(Half)v,
            TensorDataType.BFloat16 => v => (double)(float)(BFloat16)v,
            _ => v => v,
        };
        var losses = Enumerable.Range(0, rows).Where(r => labels[r] != -100)
            .Select(r => (Task: tasks[r], Loss: NaiveReference.LogSumExp(logits.AsSpan(r * vocab, vocab).ToArray().Select(widen).ToArray()) - widen(logits[(r * vocab) + labels[r]])))
            .ToList();
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement root = report.RootElement;
        Assert.Equal("lossengine.score/1", root.GetProperty("schema").GetString());
        Assert.Equal(losses.Average(l => l.Loss), Number(root.GetProperty("overall"), "loss"), 1e-5);
        Assert.Equal(losses.Count, root.GetProperty("overall").GetProperty("tokens").GetInt64());
        JsonElement arithmetic = root.GetProperty("tasks")[1];
        Assert.Equal("arithmetic", arithmetic.GetProperty("task").GetString());
        Assert.Equal(losses.Where(l => l.Task == 1).Average(l => l.Loss), Number(arithmetic, "loss"), 1e-5);
        foreach (string field in new[] { "task", "tokens", "examples", "loss", "perplexity", "accuracy", "top_k_accuracy", "exact_match", "ece", "loss_stderr", "share_of_loss", "worst_examples", "possible_label_errors" })
        {
            Assert.True(arithmetic.TryGetProperty(field, out _), $"tasks[] lacks '{field}'");
        }

        Assert.True(root.GetProperty("decomposition").TryGetProperty("macro_loss", out _));
        double[] taskLosses = [.. Enumerable.Range(0, 3).Select(t => losses.Where(l => l.Task == t).Average(l => l.Loss))];
        Assert.Equal(taskLosses.Average(), Number(root.GetProperty("overall"), "macro_loss"), 1e-5);
        Assert.True(root.TryGetProperty("state", out _));
        Assert.StartsWith("task,tokens", File.ReadAllText(_files.PathOf("r.csv")), StringComparison.Ordinal);
        Assert.Contains("| arithmetic |", File.ReadAllText(_files.PathOf("r.md")), StringComparison.Ordinal);

        using (NpyFile tokenFile = NpyFile.Open(tokens))
        {
            TensorView tokenLosses = tokenFile.Tensor;
            Assert.Equal([(long)rows], tokenLosses.Shape);
            Assert.Equal(TensorDataType.Float32, tokenLosses.DataType);
            byte[] file = File.ReadAllBytes(tokens);
            float[] written = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(file.AsSpan(file.Length - (rows * sizeof(float)))).ToArray();
            Assert.True(float.IsNaN(written[5])); // the ignored row
            var expected = losses.GetEnumerator();
            for (int r = 0; r < rows; r++)
            {
                if (r != 5)
                {
                    Assert.True(expected.MoveNext());
                    Assert.Equal(expected.Current.Loss, written[r], 1e-5);
                }
            }
        }

        Assert.False(File.Exists(tokens + ".partial"));
    }

    [Fact]
    public void Merge_OfShardReports_EqualsScoringAllShardsTogether()
    {
        // Three shards, each with every task and example ids from 0, scored separately and together.
        const int vocab = 100, perShard = 24;
        string[] names = ["a", "b"];
        for (int s = 0; s < 3; s++)
        {
            (float[] logits, long[] labels, _, long[] examples) = DumpBuilder.Random(perShard, vocab, 2, 3 + s);
            int[] tasks = [.. examples.Select(e => (int)(e % 2))];
            _files.WriteSafetensors($"shard-{s}.safetensors", logits, labels, tasks, examples, vocab, taskNames: names);
            Assert.Equal(0, Run("score", _files.PathOf($"shard-{s}.safetensors"), "--json", _files.PathOf($"s{s}.json")).Exit);
        }

        Assert.Equal(0, Run("score", Path.Combine(_files.Folder, "shard-*.safetensors"), "--json", _files.PathOf("all.json")).Exit);
        (int exit, _, string error) = Run("merge", _files.PathOf("s0.json"), _files.PathOf("s1.json"), _files.PathOf("s2.json"), "--json", _files.PathOf("merged.json"));
        Assert.True(exit == 0, error);

        using JsonDocument all = JsonDocument.Parse(File.ReadAllText(_files.PathOf("all.json")));
        using JsonDocument merged = JsonDocument.Parse(File.ReadAllText(_files.PathOf("merged.json")));
        Assert.Equal(3 * perShard / 4, merged.RootElement.GetProperty("overall").GetProperty("examples").GetInt64());
        Assert.Equal(all.RootElement.GetProperty("overall").GetRawText(), merged.RootElement.GetProperty("overall").GetRawText());
        Assert.Equal(all.RootElement.GetProperty("tasks").GetRawText(), merged.RootElement.GetProperty("tasks").GetRawText());
        Assert.Equal(all.RootElement.GetProperty("decomposition").GetRawText(), merged.RootElement.GetProperty("decomposition").GetRawText());
    }

    [Fact]
    public void Npy_WithShiftAndBf16()
    {
        // [B=2, S=4, V=9] bf16 logits saved as '|V2', scored the causal-LM way.
        var random = new Random(5);
        BFloat16[] logits = [.. Enumerable.Range(0, 2 * 4 * 9).Select(_ => (BFloat16)(float)random.NextDouble())];
        long[] labels = [.. Enumerable.Range(0, 8).Select(i => (long)(i % 9))];
        NpyFile.Write(_files.PathOf("logits.npy"), "|V2", [2, 4, 9], DumpBuilder.Bytes(logits));
        NpyFile.Write(_files.PathOf("labels.npy"), "<i8", [2, 4], DumpBuilder.Bytes(labels));
        (int exit, string output, string error) = Run("score", "--logits", _files.PathOf("logits.npy"), "--targets", _files.PathOf("labels.npy"), "--dtype", "bf16", "--shift");
        Assert.True(exit == 0, error);
        Assert.Contains("6 rows", output, StringComparison.Ordinal);
        Assert.Equal(1, Run("score", "--logits", _files.PathOf("logits.npy"), "--targets", _files.PathOf("labels.npy")).Exit);
    }

    [Fact]
    public void NpyShards_GivenAsGlobsOrLists_ScoreLikeTheSameSafetensorsShards()
    {
        const int vocab = 50, perShard = 16;
        string[] names = ["a", "b"];
        for (int s = 0; s < 2; s++)
        {
            (float[] logits, long[] labels, _, long[] examples) = DumpBuilder.Random(perShard, vocab, 2, 41 + s);
            int[] tasks = [.. examples.Select(e => (int)(e % 2))];
            _files.WriteSafetensors($"st-{s}.safetensors", logits, labels, tasks, examples, vocab, taskNames: names);
            NpyFile.Write(_files.PathOf($"logits-{s}.npy"), "<f4", [perShard, vocab], DumpBuilder.Bytes(logits));
            NpyFile.Write(_files.PathOf($"labels-{s}.npy"), "<i8", [perShard], DumpBuilder.Bytes(labels));
            NpyFile.Write(_files.PathOf($"tasks-{s}.npy"), "<i4", [perShard], DumpBuilder.Bytes(tasks));
            NpyFile.Write(_files.PathOf($"examples-{s}.npy"), "<i8", [perShard], DumpBuilder.Bytes(examples));
        }

        File.WriteAllText(_files.PathOf("names.json"), "[\"a\", \"b\"]");
        Assert.Equal(0, Run("score", Path.Combine(_files.Folder, "st-*.safetensors"), "--json", _files.PathOf("st.json")).Exit);
        (int globExit, _, string globError) = Run("score", "--logits", Path.Combine(_files.Folder, "logits-*.npy"), "--targets", Path.Combine(_files.Folder, "labels-*.npy"),
            "--task-ids", Path.Combine(_files.Folder, "tasks-*.npy"), "--example-ids", Path.Combine(_files.Folder, "examples-*.npy"), "--task-names", _files.PathOf("names.json"), "--json", _files.PathOf("glob.json"));
        Assert.True(globExit == 0, globError);
        (int listExit, string listOutput, string listError) = Run("score", "--logits", _files.PathOf("logits-0.npy"), _files.PathOf("logits-1.npy"), "--targets", _files.PathOf("labels-0.npy"), _files.PathOf("labels-1.npy"),
            "--task-ids", _files.PathOf("tasks-0.npy"), _files.PathOf("tasks-1.npy"), "--example-ids", _files.PathOf("examples-0.npy"), _files.PathOf("examples-1.npy"), "--task-names", _files.PathOf("names.json"), "--json", _files.PathOf("list.json"));
        Assert.True(listExit == 0, listError);
        Assert.Contains("from 2 file(s)", listOutput, StringComparison.Ordinal);

        using JsonDocument st = JsonDocument.Parse(File.ReadAllText(_files.PathOf("st.json")));
        foreach (string other in new[] { "glob.json", "list.json" })
        {
            using JsonDocument npy = JsonDocument.Parse(File.ReadAllText(_files.PathOf(other)));
            Assert.Equal(st.RootElement.GetProperty("overall").GetRawText(), npy.RootElement.GetProperty("overall").GetRawText());
            Assert.Equal(st.RootElement.GetProperty("tasks").GetRawText(), npy.RootElement.GetProperty("tasks").GetRawText());
        }

        (int mismatch, _, string mismatchError) = Run("score", "--logits", Path.Combine(_files.Folder, "logits-*.npy"), "--targets", _files.PathOf("labels-0.npy"));
        Assert.Equal(2, mismatch);
        Assert.Contains("--logits names 2 file(s) and --targets 1", mismatchError, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_PrintsLlamaCppStatistics()
    {
        const int vocab = 64;
        (float[] logits, long[] labels, int[] tasks, long[] examples) = DumpBuilder.Random(30, vocab, 2, 11);
        string reference = _files.WriteSafetensors("ref.safetensors", logits, labels, tasks, examples, vocab, taskNames: ["a", "b"]);
        string candidate = _files.WriteSafetensors("cand.safetensors", [.. logits.Select((v, i) => v + (0.1f * MathF.Sin(i)))], labels, tasks, examples, vocab, taskNames: ["a", "b"]);
        (int exit, string output, string error) = Run("compare", reference, candidate);
        Assert.True(exit == 0, error);
        // llama.cpp's three sections, in its order, once overall and once per task.
        string[] sections = ["====== Perplexity statistics ======", "Mean PPL(Q)-PPL(base)", "====== KL divergence statistics ======", "Median  KLD", " 0.1%   KLD",
            "====== Token probability statistics ======", "Maximum Δp", "75.0%   Δp", "25.0%   Δp", "Minimum Δp", "RMS Δp    :", "Same top p"];
        foreach (string block in output.Split("###### ", StringSplitOptions.RemoveEmptyEntries))
        {
            int[] at = [.. sections.Select(l => block.IndexOf(l, StringComparison.Ordinal))];
            Assert.True(at.All(i => i >= 0) && at.SequenceEqual(at.Order()), block);
        }

        Assert.Contains("###### b:", output, StringComparison.Ordinal);
        (int selfExit, string self, _) = Run("compare", reference, reference);
        Assert.Equal(0, selfExit);
        Assert.Contains("Mean    KLD:   0.000000", self, StringComparison.Ordinal);
    }

    [Fact]
    public void LmEvalSamples_PrintTheTable_WriteJson_AndNameABadLine()
    {
        string fixtures = Path.Combine(AppContext.BaseDirectory, "LmEval", "Fixtures");
        string json = Path.Combine(_files.Folder, "samples.json");
        (int exit, string output, string error) = Run("score", "--lm-eval-samples", fixtures, "--json", json);
        Assert.True(exit == 0, error);
        Assert.Contains("acc_norm ± stderr", output, StringComparison.Ordinal);
        Assert.Contains("Brier ± stderr", output, StringComparison.Ordinal);
        Assert.Contains("Possible label errors", output, StringComparison.Ordinal);
        using (var report = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json)))
        {
            Assert.Equal(LossEngine.LmEval.LmEvalSamplesReportJson.Schema, report.RootElement.GetProperty("schema").GetString());
            Assert.Equal(4, report.RootElement.GetProperty("multiple_choice").GetProperty("tasks").GetArrayLength());
        }

        string bad = Path.Combine(_files.Folder, "samples_broken_2026-01-01T00-00-00.000001.jsonl");
        File.WriteAllLines(bad, ["{\"doc_id\": 0, \"filtered_resps\": [\"-1.5\"]}", "[1, 2]"]);
        (int badExit, _, string badError) = Run("score", "--lm-eval-samples", bad);
        Assert.Equal(1, badExit);
        Assert.Contains($"{bad}:2", badError, StringComparison.Ordinal);
        Assert.Equal(2, Run("score", "dump.safetensors", "--lm-eval-samples", fixtures).Exit);
    }

    [Fact]
    public void BadInput_ExitsOne_WithTheFileNamed_AndUsageExitsTwo()
    {
        (float[] logits, long[] labels, int[] tasks, long[] examples) = DumpBuilder.Random(6, 8, 1, 2);
        string good = _files.WriteSafetensors("good.safetensors", logits, labels, tasks, examples, 8);
        string wider = _files.WriteSafetensors("wider.safetensors", [.. logits, .. new float[6]], labels, tasks, examples, 9);
        (int exit, _, string error) = Run("score", good, wider);
        Assert.Equal(1, exit);
        Assert.Contains("wider.safetensors", error, StringComparison.Ordinal);
        Assert.Contains("V = 9", error, StringComparison.Ordinal);

        File.WriteAllBytes(_files.PathOf("empty.safetensors"), []);
        Assert.Contains("empty", Run("score", _files.PathOf("empty.safetensors")).Error, StringComparison.Ordinal);
        Assert.Equal(1, Run("score", _files.PathOf("missing.safetensors")).Exit);

        int[] badTasks = [0, 0, 0, 5, 0, 0];
        string taskOut = _files.WriteSafetensors("bad-task.safetensors", logits, labels, badTasks, examples, 8, taskNames: ["only"]);
        string tokens = _files.PathOf("bad-task-tokens.npy");
        (int taskExit, _, string taskError) = Run("score", taskOut, "--tokens", tokens);
        Assert.Equal(1, taskExit);
        Assert.Contains("task id 5", taskError, StringComparison.Ordinal);
        Assert.False(File.Exists(tokens) || File.Exists(tokens + ".partial"), "a failed run must not leave a token file");

        float[] withNaN = [.. logits];
        withNaN[10] = float.NaN;
        (int nanExit, string nanOutput, _) = Run("score", _files.WriteSafetensors("nan.safetensors", withNaN, labels, tasks, examples, 8));
        Assert.Equal(0, nanExit);
        Assert.Matches(@"overall \(micro\)\s+5\s", nanOutput); // one row is NaN: counted apart, not averaged

        Assert.Equal(2, Run("score", good, "--no-such-option").Exit);
        Assert.Equal(2, Run("score", good, "--threads", "0").Exit);
        Assert.Equal(2, Run("score").Exit);
        Assert.Equal(1, Run("merge", good).Exit);
    }

    [Fact]
    public void Help_NamesTheToolCommand_NotTheAssembly()
    {
        (int exit, string output, _) = Run("score", "--help");
        Assert.Equal(0, exit);
        Assert.Contains("lossengine score [<dumps>...] [options]", output, StringComparison.Ordinal);
        Assert.DoesNotContain("LossEngine.Cli", output, StringComparison.Ordinal);
        Assert.Equal(2, Run().Exit); // no command is a usage error
    }

    [Fact]
    public void Demo_FindsThePlantedLabelErrors()
    {
        (int exit, string output, string error) = Run("demo", "--out", _files.Folder);
        Assert.True(exit == 0, error);
        Assert.Contains("arithmetic", output, StringComparison.Ordinal);
        Assert.Matches(@"found (\d) of \1\.", output);

        // The HTML report and the plots go next to the dump, and the demo says where.
        string html = Path.Combine(_files.Folder, "demo-report.html"), plots = Path.Combine(_files.Folder, "demo-plots");
        Assert.Contains(html, output, StringComparison.Ordinal);
        Assert.Contains(plots, output, StringComparison.Ordinal);
        Assert.Contains("<figure class=\"plot\"", File.ReadAllText(html), StringComparison.Ordinal);
        Assert.Equal(["score-decomposition.png", "score-decomposition.svg", "score-loss-histogram.png", "score-loss-histogram.svg", "score-reliability.png", "score-reliability.svg"],
            Directory.GetFiles(plots).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
