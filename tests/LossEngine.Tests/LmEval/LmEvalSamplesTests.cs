using System.Text.Json;
using LossEngine.LmEval;
using LossEngine.MultipleChoice;

namespace LossEngine.Tests.LmEval;

/// <summary>
/// Sample logs in lm-evaluation-harness's format (written by <c>Fixtures/make_samples.py</c>) recomputed and compared
/// with <c>Fixtures/expected.json</c>, which that script computed with numpy from lm-eval's own definitions.
/// </summary>
public sealed class LmEvalSamplesTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "LmEval", "Fixtures");
    private readonly string _folder = Directory.CreateTempSubdirectory("lossengine-samples-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-12 + (1e-12 * Math.Abs(expected)), $"{what}: {actual}, numpy {expected}");

    [Fact]
    public void Fixture_MatchesNumpyFromLmEvalDefinitions_AndTheLoggedValues()
    {
        LmEvalSamplesReport report = LmEvalSamples.Read([Fixtures], new LmEvalSampleOptions { Keep = 1000 });
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, "expected.json")));
        JsonElement root = expected.RootElement;
        Assert.Equal(["arc_easy", "hellaswag", "mmlu_abstract_algebra", "sciq"], report.MultipleChoice.Tasks.Select(t => t.Task));
        foreach (MultipleChoiceMetrics m in report.MultipleChoice.Tasks)
        {
            JsonElement e = root.GetProperty(m.Task);
            Assert.Equal(e.GetProperty("questions").GetInt64(), m.Questions);
            foreach ((string name, double value, double error) in new[]
            {
                ("acc", m.Accuracy, m.AccuracyStandardError), ("acc_norm", m.NormalizedAccuracy, m.NormalizedAccuracyStandardError),
                ("acc_bytes", m.ByteAccuracy, m.ByteAccuracyStandardError), ("brier_score", m.BrierScore, m.BrierScoreStandardError),
                ("gold_probability", m.GoldProbability, m.GoldProbabilityStandardError),
            })
            {
                Close(e.GetProperty(name).GetProperty("value").GetDouble(), value, $"{m.Task} {name}");
                Close(e.GetProperty(name).GetProperty("stderr").GetDouble(), error, $"{m.Task} {name} stderr");
            }

            Close(e.GetProperty("brier_score_lm_eval").GetDouble(), m.BrierScore, $"{m.Task} lm-eval brier_score");
            Assert.Equal(e.GetProperty("label_errors").EnumerateArray().Select(x => x.GetInt64()).Order(), m.PossibleLabelErrors.Select(o => o.QuestionId).Order());
            if (e.TryGetProperty("acc_mutual_info", out JsonElement mi))
            {
                Close(mi.GetProperty("value").GetDouble(), m.MutualInfoAccuracy, $"{m.Task} acc_mutual_info");
            }
            else
            {
                Assert.True(double.IsNaN(m.MutualInfoAccuracy));
            }
        }

        DocumentMetrics lambada = Assert.Single(report.Documents, d => d.Task == "lambada_openai");
        JsonElement l = root.GetProperty("lambada_openai");
        Assert.Equal("loglikelihood", lambada.OutputType);
        Close(l.GetProperty("perplexity").GetDouble(), lambada.Perplexity, "lambada perplexity");
        Close(l.GetProperty("acc").GetDouble(), lambada.Accuracy, "lambada acc");
        Close(l.GetProperty("mean_loglikelihood_stderr").GetDouble(), lambada.MeanLogLikelihoodStandardError, "lambada ll stderr");
        Close(l.GetProperty("bits_per_byte").GetDouble(), lambada.BitsPerByte, "lambada bits per byte");
        DocumentMetrics wikitext = Assert.Single(report.Documents, d => d.Task == "wikitext");
        JsonElement w = root.GetProperty("wikitext");
        Assert.Equal("loglikelihood_rolling", wikitext.OutputType);
        Close(w.GetProperty("word_perplexity").GetDouble(), wikitext.WordPerplexity, "wikitext word_perplexity");
        Close(w.GetProperty("byte_perplexity").GetDouble(), wikitext.BytePerplexity, "wikitext byte_perplexity");
        Close(w.GetProperty("bits_per_byte").GetDouble(), wikitext.BitsPerByte, "wikitext bits_per_byte");
        Assert.True(double.IsNaN(wikitext.Accuracy));
        Close(1, report.Documents.Sum(d => d.ShareOfNegativeLogLikelihood), "shares of the NLL");

        // Every logged acc and acc_norm agrees with the recomputed one (mmlu logs acc only).
        Assert.Equal(7, report.Checks.Count);
        Assert.All(report.Checks, c => Assert.True(c.Disagreements == 0 && c.Checked > 0, c.FirstDisagreement));
        Close(1, report.MultipleChoice.Tasks.Sum(t => t.ShareOfErrors), "shares of the errors");
        Close(report.MultipleChoice.Overall.Accuracy, report.MultipleChoice.LmEvalGroupAccuracy, "group acc is the size-weighted mean");
    }

    [Fact]
    public void ALoggedValueThatDisagrees_IsReported_WithItsFileAndLine()
    {
        string[] lines = File.ReadAllLines(Directory.GetFiles(Fixtures, "samples_hellaswag_*.jsonl")[0]);
        int flipped = Array.FindIndex(lines, l => l.Contains("\"acc\": 1.0", StringComparison.Ordinal));
        lines[flipped] = lines[flipped].Replace("\"acc\": 1.0", "\"acc\": 0.0", StringComparison.Ordinal);
        string path = Path.Combine(_folder, "samples_hellaswag_2026-11-30T08-00-00.123456.jsonl");
        File.WriteAllLines(path, lines);
        LmEvalSamplesReport report = LmEvalSamples.Read([path]);
        LoggedMetricCheck acc = Assert.Single(report.Checks, c => c.Metric == "acc");
        Assert.Equal((lines.Length, 1L), (acc.Checked, acc.Disagreements));
        Assert.StartsWith($"{path}:{flipped + 1} ", acc.FirstDisagreement, StringComparison.Ordinal);
        Assert.Equal(0, Assert.Single(report.Checks, c => c.Metric == "acc_norm").Disagreements);
    }

    [Fact]
    public void BadLines_AreErrorsNamingTheFileAndLine()
    {
        string good = File.ReadLines(Directory.GetFiles(Fixtures, "samples_hellaswag_*.jsonl")[0]).First();
        foreach ((string line, string message) in new[]
        {
            ("{not json", "not a JSON object"),
            (good.Replace("\"doc_id\": 0", "\"doc_id\": \"x\"", StringComparison.Ordinal), "doc_id"),
            (good.Replace("\"target\": \"", "\"target\": \"9", StringComparison.Ordinal), "gold index"),
            (good.Replace("\"filtered_resps\": [[\"", "\"filtered_resps\": [[\"abc", StringComparison.Ordinal), "not a number"),
            (good.Replace("\"False\"]]", "\"maybe\"]]", StringComparison.Ordinal), "not a boolean"),
        })
        {
            string path = Path.Combine(_folder, "samples_t_2026-01-01T00-00-00.000001.jsonl");
            File.WriteAllLines(path, [good, string.Empty, line]);
            FormatException error = Assert.Throws<FormatException>(() => LmEvalSamples.Read([path]));
            Assert.Contains($"{path}:3", error.Message, StringComparison.Ordinal);
            Assert.Contains(message, error.Message, StringComparison.Ordinal);
        }

        Assert.Equal("mmlu_abstract_algebra", LmEvalSamples.TaskName("/x/samples_mmlu_abstract_algebra_2026-11-30T08-00-00.123456.jsonl"));
        Assert.Throws<FileNotFoundException>(() => LmEvalSamples.Read([Path.Combine(_folder, "missing")]));
    }
}
