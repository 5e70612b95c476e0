using LossEngine.Formats;
using LossEngine.MultipleChoice;
using LossEngine.Pipeline;
using LossEngine.Tests.Formats;

namespace LossEngine.Tests.Pipeline;

/// <summary>Dumps that group examples into questions ("question_ids", "choice_index", "gold", choice lengths): each
/// choice's log-likelihood is the sum of its continuation's log-probabilities, and the questions score as lm-eval scores
/// them; a question split across two dumps scores the same.</summary>
public sealed class MultipleChoiceDumpTests : IDisposable
{
    private const int Vocabulary = 50;
    private const int Questions = 6;
    private const int Choices = 3;
    private const int RowsPerChoice = 3; // one context row (ignored label) and two continuation rows
    private readonly DumpBuilder _files = new();

    public void Dispose() => _files.Dispose();

    private sealed record Data(float[] Logits, long[] Labels, int[] Tasks, long[] Examples, long[] Questions, long[] ChoiceIndex, long[] Characters, long[] Bytes, long[] Gold);

    private static Data Make()
    {
        var random = new Random(31);
        int rows = Questions * Choices * RowsPerChoice;
        float[] logits = [.. Enumerable.Range(0, rows * Vocabulary).Select(_ => (float)((random.NextDouble() * 6) - 3))];
        long[] labels = [.. Enumerable.Range(0, rows).Select(r => r % RowsPerChoice == 0 ? -100L : random.Next(Vocabulary))];
        long[] characters = [.. Enumerable.Range(0, Questions * Choices).Select(_ => (long)random.Next(1, 20))];
        long[] bytes = [.. characters.Select(c => c + random.Next(0, 4))];
        int Example(int r) => r / RowsPerChoice;
        return new Data(logits, labels, [.. Enumerable.Range(0, rows).Select(r => Example(r) / Choices < Questions / 2 ? 0 : 1)],
            [.. Enumerable.Range(0, rows).Select(r => (long)Example(r))], [.. Enumerable.Range(0, rows).Select(r => (long)(Example(r) / Choices))],
            [.. Enumerable.Range(0, rows).Select(r => (long)(Example(r) % Choices))], [.. Enumerable.Range(0, rows).Select(r => characters[Example(r)])],
            [.. Enumerable.Range(0, rows).Select(r => bytes[Example(r)])], [.. Enumerable.Range(0, Questions).Select(_ => (long)random.Next(Choices))]);
    }

    private string Write(string name, Data d, int from, int to, long[]? questions = null)
    {
        int rows = to - from;
        T[] Slice<T>(T[] values, int width = 1) => values[(from * width)..(to * width)];
        SafetensorsFile.Write(_files.PathOf(name),
        [
            ("logits", TensorDataType.Float32, [rows, Vocabulary], DumpBuilder.Bytes(Slice(d.Logits, Vocabulary))),
            ("labels", TensorDataType.Int64, [rows], DumpBuilder.Bytes(Slice(d.Labels))),
            ("task_ids", TensorDataType.Int32, [rows], DumpBuilder.Bytes(Slice(d.Tasks))),
            ("example_ids", TensorDataType.Int64, [rows], DumpBuilder.Bytes(Slice(d.Examples))),
            ("question_ids", TensorDataType.Int64, [rows], DumpBuilder.Bytes(Slice(questions ?? d.Questions))),
            ("choice_index", TensorDataType.Int64, [rows], DumpBuilder.Bytes(Slice(d.ChoiceIndex))),
            ("choice_char_lengths", TensorDataType.Int64, [rows], DumpBuilder.Bytes(Slice(d.Characters))),
            ("choice_byte_lengths", TensorDataType.Int64, [rows], DumpBuilder.Bytes(Slice(d.Bytes))),
            ("gold", TensorDataType.Int64, [Questions], DumpBuilder.Bytes(d.Gold)),
        ], new Dictionary<string, string> { ["task_names"] = "[\"arc\", \"hellaswag\"]" });
        return _files.PathOf(name);
    }

    private static MultipleChoiceReport Run(params string[] paths)
    {
        using var dumps = new DumpListForTest(paths);
        var collector = new MultipleChoiceCollector(dumps.Items);
        LossEngine.Aggregation.LossAggregator scored = DumpScorer.Score(dumps.Items, null, null, collector.Add);
        return collector.Aggregate(scored.Options.TaskNames, keep: 100, labelErrorConfidence: 0.5).Report();
    }

    private sealed class DumpListForTest(string[] paths) : IDisposable
    {
        public List<EvalDump> Items { get; } = [.. paths.Select(p => EvalDump.OpenSafetensors(p))];

        public void Dispose() => Items.ForEach(d => d.Dispose());
    }

    [Fact]
    public void Questions_ScoreFromTheContinuationsLogProbabilities_AlsoAcrossTwoDumps()
    {
        Data d = Make();
        int rows = d.Labels.Length;
        MultipleChoiceReport whole = Run(Write("whole.safetensors", d, 0, rows));

        // A naive float64 reference: log-softmax per row, summed over each choice's scored rows; argmax and Brier by hand.
        double[] lls = new double[Questions * Choices];
        for (int r = 0; r < rows; r++)
        {
            if (d.Labels[r] < 0)
            {
                continue;
            }

            double[] row = [.. d.Logits.AsSpan(r * Vocabulary, Vocabulary).ToArray().Select(v => (double)v)];
            double max = row.Max(), logSum = Math.Log(row.Sum(v => Math.Exp(v - max))) + max;
            lls[d.Examples[r]] += row[d.Labels[r]] - logSum;
        }

        for (int task = 0; task < 2; task++)
        {
            int[] questions = [.. Enumerable.Range(task * Questions / 2, Questions / 2)];
            double correct = 0, normalized = 0, brier = 0;
            foreach (int q in questions)
            {
                double[] choice = lls[(q * Choices)..((q + 1) * Choices)];
                int best = Array.IndexOf(choice, choice.Max());
                double[] perCharacter = [.. choice.Select((ll, c) => ll / d.Characters[((q * Choices) + c) * RowsPerChoice])]; // lengths are stored per row
                correct += best == d.Gold[q] ? 1 : 0;
                normalized += Array.IndexOf(perCharacter, perCharacter.Max()) == d.Gold[q] ? 1 : 0;
                double z = choice.Sum(ll => Math.Exp(ll));
                brier += choice.Select((ll, c) => Math.Pow((Math.Exp(ll) / z) - (c == d.Gold[q] ? 1 : 0), 2)).Sum();
            }

            MultipleChoiceMetrics m = whole.Tasks[task];
            Assert.Equal(task == 0 ? "arc" : "hellaswag", m.Task);
            Assert.Equal(questions.Length, m.Questions);
            Assert.Equal(correct / questions.Length, m.Accuracy, 12);
            Assert.Equal(normalized / questions.Length, m.NormalizedAccuracy, 12);
            Assert.Equal(brier / questions.Length, m.BrierScore, 5);
        }

        // Question 1's first choice in one dump, its other two in the next.
        MultipleChoiceReport split = Run(Write("a.safetensors", d, 0, 4 * RowsPerChoice), Write("b.safetensors", d, 4 * RowsPerChoice, rows));
        Assert.Equal(whole.Tasks.Select(t => (t.Accuracy, t.NormalizedAccuracy, t.ByteAccuracy, t.BrierScore)), split.Tasks.Select(t => (t.Accuracy, t.NormalizedAccuracy, t.ByteAccuracy, t.BrierScore)));
    }

    [Fact]
    public void Score_PrintsAndWritesTheMultipleChoiceTable_ForDumpsWithQuestions()
    {
        Data d = Make();
        string path = Write("cli.safetensors", d, 0, d.Labels.Length);
        string json = _files.PathOf("cli.json");
        (int exit, string output, string error) = Cli.CliRunner.Run("score", path, "--json", json);
        Assert.True(exit == 0, error);
        Assert.Contains("multiple choice", output, StringComparison.Ordinal);
        Assert.Contains("hellaswag", output[output.IndexOf("multiple choice", StringComparison.Ordinal)..], StringComparison.Ordinal);
        using var report = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json));
        MultipleChoiceReport expected = Run(path);
        Assert.Equal(expected.Overall.BrierScore, report.RootElement.GetProperty("multiple_choice").GetProperty("overall").GetProperty("brier_score").GetDouble());

        // merge joins the per-token state and says that the multiple-choice table is not merged.
        string merged = _files.PathOf("merged.json");
        (int mergeExit, _, string mergeError) = Cli.CliRunner.Run("merge", json, json, "--json", merged);
        Assert.True(mergeExit == 0, mergeError);
        Assert.Contains($"note: {json}, {json}: the multiple-choice table is not merged", mergeError, StringComparison.Ordinal);
        using var mergedReport = System.Text.Json.JsonDocument.Parse(File.ReadAllText(merged));
        Assert.False(mergedReport.RootElement.TryGetProperty("multiple_choice", out _));
    }

    [Fact]
    public void AnExampleWithTwoQuestionIds_OrAMissingChoice_IsAnErrorNamingTheFile()
    {
        Data d = Make();
        long[] questions = [.. d.Questions];
        questions[2] = 5; // the third row of example 0 says another question
        string path = Write("bad.safetensors", d, 0, d.Labels.Length, questions);
        DumpFormatException error = Assert.Throws<DumpFormatException>(() => Run(path));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("example 0", error.Message, StringComparison.Ordinal);

        string partial = Write("partial.safetensors", d, RowsPerChoice, d.Labels.Length); // question 0 lacks choice 0
        Assert.Contains("choice indices [1, 2]", Assert.Throws<DumpFormatException>(() => Run(partial)).Message, StringComparison.Ordinal);
    }
}
