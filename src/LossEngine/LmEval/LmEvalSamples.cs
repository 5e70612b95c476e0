using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LossEngine.Aggregation;
using LossEngine.MultipleChoice;

namespace LossEngine.LmEval;

/// <summary>
/// Reads lm-evaluation-harness's per-sample logs (<c>--log_samples</c>: one <c>samples_TASK_DATE.jsonl</c> per task,
/// one JSON object per line) and recomputes their metrics: multiple-choice questions through
/// <see cref="MultipleChoiceAggregator"/> (acc, acc_norm, acc_bytes, acc_mutual_info, Brier), loglikelihood and
/// loglikelihood_rolling documents into <see cref="DocumentMetrics"/>.
/// </summary>
/// <remarks>
/// <para>Fields used: <c>doc_id</c>; <c>filtered_resps</c> (a list with one entry per request: <c>[ll, is_greedy]</c>
/// pairs for loglikelihood and multiple_choice, a bare ll for loglikelihood_rolling; numbers and booleans either as JSON
/// values or as the strings lm-eval's <c>sanitize_list</c> writes); <c>arguments</c> (<c>{"gen_args_i": {"arg_0":
/// context, "arg_1": continuation}}</c>, or a list of [context, continuation] pairs); <c>target</c>; <c>filter</c>;
/// <c>metrics</c>; and the logged <c>acc</c>, <c>acc_norm</c>, <c>acc_bytes</c>, <c>word_perplexity</c>,
/// <c>byte_perplexity</c> and <c>bits_per_byte</c> values.</para>
/// <para>The output type is read from the shape: one <c>[ll, is_greedy]</c> pair is a loglikelihood document, several
/// are the choices of a multiple-choice question (the second half the unconditional ones when <c>metrics</c> lists
/// <c>acc_mutual_info</c>), a bare number a rolling document. The gold choice is <c>target</c> as an index, or the
/// choice whose text it is. A task logged with several filters is read as one task per filter, named "task/filter".</para>
/// </remarks>
public static partial class LmEvalSamples
{
    /// <summary>The files named, with each directory replaced by its <c>samples_*.jsonl</c> files (recursively), in
    /// ordinal order of their paths.</summary>
    /// <exception cref="FileNotFoundException">A path does not exist, or a directory holds no sample file.</exception>
    public static IReadOnlyList<string> FindFiles(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var files = new List<string>();
        foreach (string path in paths)
        {
            if (Directory.Exists(path))
            {
                string[] found = Directory.GetFiles(path, "samples_*.jsonl", SearchOption.AllDirectories);
                if (found.Length == 0)
                {
                    throw new FileNotFoundException($"{path}: no samples_*.jsonl file in this folder or below.", path);
                }

                files.AddRange(found.Order(StringComparer.Ordinal));
            }
            else
            {
                files.Add(File.Exists(path) ? path : throw new FileNotFoundException($"{path}: no such file or folder.", path));
            }
        }

        return files;
    }

    /// <summary>The task name in a sample file's name: <c>samples_TASK_DATE.jsonl</c> → TASK (DATE as lm-eval writes
    /// it, an ISO time with '-' for ':'); a name without a date keeps everything after "samples_".</summary>
    public static string TaskName(string path)
    {
        string name = Path.GetFileNameWithoutExtension(path);
        name = name.StartsWith("samples_", StringComparison.Ordinal) ? name["samples_".Length..] : name;
        return DateSuffix().Replace(name, string.Empty);
    }

    [GeneratedRegex(@"_\d{4}-\d{2}-\d{2}T[0-9\-.]+$")]
    private static partial Regex DateSuffix();

    /// <summary>Reads sample files (see <see cref="FindFiles"/>) and recomputes every task's metrics.</summary>
    /// <exception cref="FormatException">A line is not JSON, or lacks or mangles a field; the message names the file and
    /// line. Also when one task comes from two files (two runs would count twice).</exception>
    /// <exception cref="FileNotFoundException">A path does not exist.</exception>
    public static LmEvalSamplesReport Read(IEnumerable<string> paths, LmEvalSampleOptions? options = null)
    {
        options ??= new LmEvalSampleOptions();
        IReadOnlyList<string> files = FindFiles(paths);
        var parsed = new List<(string Task, string File, int Line, JsonElement Sample)>();
        var documents = new List<JsonDocument>();
        var taskFiles = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (string file in files)
            {
                string task = TaskName(file);
                if (taskFiles.TryGetValue(task, out string? earlier))
                {
                    throw new FormatException($"{file}: task '{task}' was already read from {earlier}; give the files of one run only.");
                }

                taskFiles[task] = file;
                int number = 0;
                foreach (string line in File.ReadLines(file))
                {
                    number++;
                    if (string.IsNullOrWhiteSpace(line))
                    {
                        continue;
                    }

                    JsonDocument document;
                    try
                    {
                        document = JsonDocument.Parse(line);
                    }
                    catch (JsonException error)
                    {
                        throw new FormatException($"{file}:{number}: not a JSON object: {error.Message}", error);
                    }

                    documents.Add(document);
                    if (document.RootElement.ValueKind != JsonValueKind.Object)
                    {
                        throw new FormatException($"{file}:{number}: a sample must be a JSON object, not {document.RootElement.ValueKind}.");
                    }

                    string filter = document.RootElement.TryGetProperty("filter", out JsonElement f) && f.ValueKind == JsonValueKind.String ? f.GetString()! : "none";
                    parsed.Add((filter == "none" ? task : $"{task}/{filter}", file, number, document.RootElement));
                }
            }

            // A task with one filter only keeps its plain name even when that filter is not "none".
            var filters = parsed.GroupBy(p => TaskName(p.File)).ToDictionary(g => g.Key, g => g.Select(p => p.Task).Distinct().Count());
            parsed = [.. parsed.Select(p => filters[TaskName(p.File)] == 1 ? (TaskName(p.File), p.File, p.Line, p.Sample) : p)];
            return Recompute(files, parsed, options);
        }
        finally
        {
            documents.ForEach(d => d.Dispose());
        }
    }

    private static LmEvalSamplesReport Recompute(IReadOnlyList<string> files, List<(string Task, string File, int Line, JsonElement Sample)> samples, LmEvalSampleOptions options)
    {
        var kinds = new Dictionary<string, SampleKind>(StringComparer.Ordinal);
        var order = new List<string>();
        var parsed = new List<(string Task, string Where, ParsedSample Sample)>();
        foreach ((string task, string file, int line, JsonElement element) in samples)
        {
            string where = $"{file}:{line}";
            ParsedSample sample = Parse(element, where, options);
            if (!kinds.TryGetValue(task, out SampleKind kind))
            {
                kinds[task] = sample.Kind;
                order.Add(task);
            }
            else if (kind != sample.Kind)
            {
                throw new FormatException($"{where}: a {Describe(sample.Kind)} sample in task '{task}', whose earlier samples are {Describe(kind)}.");
            }

            parsed.Add((task, where, sample));
        }

        string[] choiceTasks = [.. order.Where(t => kinds[t] == SampleKind.MultipleChoice)];
        var choices = new MultipleChoiceAggregator(choiceTasks.Length > 0 ? choiceTasks : ["(none)"], options.Keep, options.LabelErrorConfidence);
        var checks = new Dictionary<(string Task, string Metric), (long Checked, long Disagreements, string? First)>();
        var documentStates = order.Where(t => kinds[t] != SampleKind.MultipleChoice).ToDictionary(t => t, _ => new DocumentState(), StringComparer.Ordinal);
        foreach ((string task, string where, ParsedSample sample) in parsed)
        {
            if (sample.Kind != SampleKind.MultipleChoice)
            {
                documentStates[task].Add(sample, options.Keep);
                continue;
            }

            MultipleChoiceOutcome outcome;
            try
            {
                outcome = choices.Add(Array.IndexOf(choiceTasks, task), sample.Question!);
            }
            catch (ArgumentException error)
            {
                throw new FormatException($"{where}: {error.Message}", error);
            }

            Check(checks, task, "acc", sample.LoggedAccuracy, outcome.Correct, where, outcome.QuestionId);
            Check(checks, task, "acc_norm", sample.LoggedNormalizedAccuracy, outcome.NormalizedPrediction == outcome.Gold, where, outcome.QuestionId);
            Check(checks, task, "acc_bytes", sample.LoggedByteAccuracy, outcome.BytePrediction == outcome.Gold, where, outcome.QuestionId);
        }

        double totalNll = documentStates.Values.Sum(s => -s.LogLikelihood.ToDouble());
        return new LmEvalSamplesReport
        {
            Files = files,
            MultipleChoice = choices.Report(),
            Documents = [.. documentStates.Select(kv => kv.Value.Metrics(kv.Key, kinds[kv.Key], totalNll))],
            Checks = [.. checks.Select(kv => new LoggedMetricCheck(kv.Key.Task, kv.Key.Metric, kv.Value.Checked, kv.Value.Disagreements, kv.Value.First))],
        };
    }

    private static void Check(Dictionary<(string, string), (long Checked, long Disagreements, string? First)> checks, string task, string metric, double? logged, bool recomputed, string where, long docId)
    {
        if (logged is not double value)
        {
            return;
        }

        (long count, long bad, string? first) = checks.GetValueOrDefault((task, metric));
        bool agrees = value == (recomputed ? 1 : 0);
        checks[(task, metric)] = (count + 1, bad + (agrees ? 0 : 1),
            first ?? (agrees ? null : string.Create(CultureInfo.InvariantCulture, $"{where} (doc_id {docId}): logged {value}, recomputed {(recomputed ? 1 : 0)}")));
    }

    private enum SampleKind
    {
        MultipleChoice,
        LogLikelihood,
        Rolling,
    }

    private static string Describe(SampleKind kind) => kind switch
    {
        SampleKind.MultipleChoice => "multiple_choice",
        SampleKind.LogLikelihood => "loglikelihood",
        _ => "loglikelihood_rolling",
    };

    private sealed record ParsedSample(SampleKind Kind, long DocumentId)
    {
        public MultipleChoiceQuestion? Question { get; init; }

        public double? LoggedAccuracy { get; init; }

        public double? LoggedNormalizedAccuracy { get; init; }

        public double? LoggedByteAccuracy { get; init; }

        public double LogLikelihood { get; init; }

        public bool? IsGreedy { get; init; }

        public long Bytes { get; init; } = -1;

        public long Words { get; init; } = -1;
    }

    private static ParsedSample Parse(JsonElement sample, string where, LmEvalSampleOptions options)
    {
        long docId = sample.TryGetProperty("doc_id", out JsonElement id) && id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out long d) ? d
            : throw new FormatException($"{where}: no integer \"doc_id\".");
        if (!sample.TryGetProperty("filtered_resps", out JsonElement responses) || responses.ValueKind != JsonValueKind.Array || responses.GetArrayLength() == 0)
        {
            throw new FormatException($"{where}: no \"filtered_resps\" list (doc_id {docId}).");
        }

        string[] metrics = sample.TryGetProperty("metrics", out JsonElement m) && m.ValueKind == JsonValueKind.Array
            ? [.. m.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)] : [];
        List<(string Context, string Continuation)> arguments = Arguments(sample, where);
        JsonElement[] items = [.. responses.EnumerateArray()];
        if (items.All(i => i.ValueKind != JsonValueKind.Array))
        {
            if (items.Length != 1)
            {
                throw new FormatException($"{where}: a loglikelihood_rolling sample has one log-likelihood in \"filtered_resps\", not {items.Length} (doc_id {docId}).");
            }

            string text = arguments.Count > 0 ? arguments[0].Context : string.Empty;
            return new ParsedSample(SampleKind.Rolling, docId)
            {
                LogLikelihood = Number(items[0], where, "filtered_resps[0]"),
                Bytes = LoggedCount(sample, "bits_per_byte", where) ?? LoggedCount(sample, "byte_perplexity", where) ?? (arguments.Count > 0 ? Encoding.UTF8.GetByteCount(text) : -1),
                Words = LoggedCount(sample, "word_perplexity", where) ?? (arguments.Count > 0 ? Whitespace().Split(text).Length : -1),
            };
        }

        (double Ll, bool Greedy)[] pairs = [.. items.Select((item, i) => Pair(item, where, i))];
        if (pairs.Length == 1)
        {
            return new ParsedSample(SampleKind.LogLikelihood, docId)
            {
                LogLikelihood = pairs[0].Ll,
                IsGreedy = pairs[0].Greedy,
                Bytes = arguments.Count > 0 ? Encoding.UTF8.GetByteCount(arguments[0].Continuation) : -1,
            };
        }

        int count = pairs.Length;
        double[]? unconditional = null;
        if (metrics.Contains("acc_mutual_info") && count % 2 == 0)
        {
            count /= 2;
            unconditional = [.. pairs.Skip(count).Select(p => p.Ll)];
        }

        if (arguments.Count < count)
        {
            throw new FormatException($"{where}: {count} choices in \"filtered_resps\" but {arguments.Count} in \"arguments\" (doc_id {docId}).");
        }

        string[] texts = [.. arguments.Take(count).Select(a => a.Continuation.StartsWith(options.TargetDelimiter, StringComparison.Ordinal) ? a.Continuation[options.TargetDelimiter.Length..] : a.Continuation)];
        return new ParsedSample(SampleKind.MultipleChoice, docId)
        {
            Question = new MultipleChoiceQuestion
            {
                QuestionId = docId,
                LogLikelihoods = [.. pairs.Take(count).Select(p => p.Ll)],
                Gold = Gold(sample, texts, where, docId),
                CharacterLengths = [.. texts.Select(t => t.EnumerateRunes().Count())],
                ByteLengths = [.. texts.Select(Encoding.UTF8.GetByteCount)],
                UnconditionalLogLikelihoods = unconditional,
            },
            LoggedAccuracy = Logged(sample, "acc", where),
            LoggedNormalizedAccuracy = Logged(sample, "acc_norm", where),
            LoggedByteAccuracy = Logged(sample, "acc_bytes", where),
        };
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>The (context, continuation) of each request: lm-eval's sanitised {"gen_args_i": {"arg_0", "arg_1"}}
    /// object, or a list of pairs as older versions wrote.</summary>
    private static List<(string, string)> Arguments(JsonElement sample, string where)
    {
        var result = new List<(string, string)>();
        if (!sample.TryGetProperty("arguments", out JsonElement arguments))
        {
            return result;
        }

        IEnumerable<JsonElement> requests = arguments.ValueKind switch
        {
            JsonValueKind.Object => Enumerable.Range(0, int.MaxValue).Select(i => arguments.TryGetProperty($"gen_args_{i}", out JsonElement a) ? a : default).TakeWhile(a => a.ValueKind != JsonValueKind.Undefined),
            JsonValueKind.Array => arguments.EnumerateArray(),
            _ => throw new FormatException($"{where}: \"arguments\" is neither an object of gen_args nor a list."),
        };
        foreach (JsonElement request in requests)
        {
            string Text(string key, int index) =>
                (request.ValueKind == JsonValueKind.Object && request.TryGetProperty(key, out JsonElement v) ? v
                : request.ValueKind == JsonValueKind.Array && request.GetArrayLength() > index ? request[index] : default) is { ValueKind: JsonValueKind.String } s
                    ? s.GetString()! : index == 1 ? string.Empty : throw new FormatException($"{where}: an argument of request {result.Count} has no context string.");
            result.Add((Text("arg_0", 0), Text("arg_1", 1)));
        }

        return result;
    }

    private static int Gold(JsonElement sample, string[] choices, string where, long docId)
    {
        if (!sample.TryGetProperty("target", out JsonElement target))
        {
            throw new FormatException($"{where}: no \"target\" (doc_id {docId}).");
        }

        if (target.ValueKind == JsonValueKind.Number && target.TryGetInt32(out int index))
        {
            return index;
        }

        string text = target.ValueKind == JsonValueKind.String ? target.GetString()! : target.GetRawText();
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out index))
        {
            return index;
        }

        int found = Array.IndexOf(choices, text);
        return found >= 0 ? found
            : text.StartsWith('[') ? throw new FormatException($"{where}: target {text} lists several gold choices (doc_id {docId}); only one gold choice per question is supported.")
            : throw new FormatException($"{where}: target '{text}' is neither a choice index nor one of the {choices.Length} choices (doc_id {docId}).");
    }

    private static (double, bool) Pair(JsonElement item, string where, int index)
    {
        if (item.ValueKind != JsonValueKind.Array || item.GetArrayLength() < 1)
        {
            throw new FormatException($"{where}: filtered_resps[{index}] is not an [ll, is_greedy] pair.");
        }

        double ll = Number(item[0], where, $"filtered_resps[{index}][0]");
        bool greedy = item.GetArrayLength() > 1 && item[1] switch
        {
            { ValueKind: JsonValueKind.True } => true,
            { ValueKind: JsonValueKind.False } => false,
            { ValueKind: JsonValueKind.String } s when s.GetString() is "True" or "true" => true,
            { ValueKind: JsonValueKind.String } s when s.GetString() is "False" or "false" => false,
            _ => throw new FormatException($"{where}: filtered_resps[{index}][1] is not a boolean: {item[1].GetRawText()}."),
        };
        return (ll, greedy);
    }

    /// <summary>A number written as a JSON number or, after lm-eval's sanitize_list, as a string ("-1.25", "nan", "-inf").</summary>
    private static double Number(JsonElement value, string where, string what)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            return value.GetDouble();
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            string text = value.GetString()!;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed))
            {
                return parsed;
            }

            switch (text)
            {
                case "nan": return double.NaN;
                case "inf": return double.PositiveInfinity;
                case "-inf": return double.NegativeInfinity;
            }
        }

        throw new FormatException($"{where}: {what} is not a number: {value.GetRawText()}.");
    }

    private static double? Logged(JsonElement sample, string name, string where) =>
        sample.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? Number(value, where, $"\"{name}\"") : null;

    /// <summary>The count of a logged [ll, count] pair (word_perplexity, byte_perplexity, bits_per_byte).</summary>
    private static long? LoggedCount(JsonElement sample, string name, string where) =>
        sample.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 2
            ? (long)Number(value[1], where, $"\"{name}\"[1]") : null;

    /// <summary>One document-level task's running sums.</summary>
    private sealed class DocumentState
    {
        public long Documents { get; private set; }

        public ExactSum LogLikelihood { get; } = new();

        public ExactSum LogLikelihoodSquares { get; } = new();

        public long Greedy { get; private set; }

        public long Bytes { get; private set; }

        public long Words { get; private set; }

        public bool AllBytes { get; private set; } = true;

        public bool AllWords { get; private set; } = true;

        public List<DocumentOutcome> Worst { get; } = [];

        public void Add(ParsedSample sample, int keep)
        {
            Documents++;
            LogLikelihood.Add(sample.LogLikelihood);
            LogLikelihoodSquares.Add(sample.LogLikelihood * sample.LogLikelihood);
            Greedy += sample.IsGreedy == true ? 1 : 0;
            (Bytes, AllBytes) = sample.Bytes > 0 ? (Bytes + sample.Bytes, AllBytes) : (Bytes, false);
            (Words, AllWords) = sample.Words > 0 ? (Words + sample.Words, AllWords) : (Words, false);
            BoundedList.Insert(Worst, new DocumentOutcome(sample.DocumentId, sample.LogLikelihood, sample.Bytes, sample.IsGreedy), keep, WorstDocumentOrder.Instance);
        }

        public DocumentMetrics Metrics(string task, SampleKind kind, double totalNll)
        {
            double n = Documents, sum = LogLikelihood.ToDouble(), mean = sum / n;
            double sd = Math.Sqrt(Math.Max(0, (LogLikelihoodSquares.ToDouble() - (sum * mean)) / (n - 1)));
            double acc = kind == SampleKind.LogLikelihood ? Greedy / n : double.NaN;
            return new DocumentMetrics
            {
                Task = task,
                OutputType = Describe(kind),
                Documents = Documents,
                MeanLogLikelihood = mean,
                MeanLogLikelihoodStandardError = sd / Math.Sqrt(n),
                Perplexity = kind == SampleKind.LogLikelihood ? Math.Exp(-mean) : double.NaN,
                WordPerplexity = AllWords ? Math.Exp(-sum / Words) : double.NaN,
                BytePerplexity = AllBytes ? Math.Exp(-sum / Bytes) : double.NaN,
                BitsPerByte = AllBytes ? -sum / Bytes / Math.Log(2) : double.NaN,
                Accuracy = acc,
                AccuracyStandardError = kind == SampleKind.LogLikelihood ? Math.Sqrt(acc * (1 - acc) / (n - 1)) : double.NaN,
                ShareOfNegativeLogLikelihood = -sum / totalNll,
                WorstDocuments = [.. Worst],
            };
        }
    }

    /// <summary>Lowest log-likelihood per byte first (per document when bytes are unknown); ties by document id.</summary>
    private sealed class WorstDocumentOrder : IComparer<DocumentOutcome>
    {
        public static readonly WorstDocumentOrder Instance = new();

        public int Compare(DocumentOutcome? x, DocumentOutcome? y)
        {
            double a = x!.Bytes > 0 ? x.LogLikelihood / x.Bytes : x.LogLikelihood, b = y!.Bytes > 0 ? y.LogLikelihood / y.Bytes : y.LogLikelihood;
            return a.CompareTo(b) is int c and not 0 ? c : x.DocumentId.CompareTo(y.DocumentId);
        }
    }
}
