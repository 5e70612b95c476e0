using LossEngine.Formats;
using LossEngine.MultipleChoice;

namespace LossEngine.Pipeline;

/// <summary>
/// Groups a dump run's examples into multiple-choice questions: each example is one choice's continuation, its
/// log-likelihood the sum of ln p over its scored tokens (the context's labels are the ignore index), and the dumps'
/// "question_ids", "choice_index" and "gold" tensors say which question and choice it is (<see cref="EvalDump.HasQuestions"/>).
/// Pass <see cref="Add"/> as the scored-rows handler of <see cref="DumpScorer.Score(IReadOnlyList{EvalDump}, DumpScoringOptions?, IProgress{ScoringProgress}?, ScoredRowsHandler?, CancellationToken)"/>,
/// then <see cref="Aggregate"/>.
/// </summary>
/// <remarks>Memory grows with the number of examples (one small record each). Question ids are the dumps' own, not moved
/// from dump to dump, so a question's choices may lie in different dumps; the gold index must then agree.</remarks>
public sealed class MultipleChoiceCollector
{
    private readonly IReadOnlyList<EvalDump> _dumps;
    private readonly long[] _firstRows;
    private readonly Dictionary<(int Dump, long Example), Choice> _choices = [];

    private sealed class Choice
    {
        public required int Dump { get; init; }

        public required long FirstRow { get; init; }

        public required long Task { get; init; }

        public required long Question { get; init; }

        public required long Index { get; init; }

        public required long Characters { get; init; }

        public required long Bytes { get; init; }

        public double NegativeLogLikelihood { get; set; }

        public long Tokens { get; set; }
    }

    /// <summary>Creates a collector for the dumps of one run, in the order they are scored.</summary>
    /// <exception cref="DumpFormatException">A dump has no multiple-choice tensors.</exception>
    public MultipleChoiceCollector(IReadOnlyList<EvalDump> dumps)
    {
        ArgumentNullException.ThrowIfNull(dumps);
        _dumps = dumps;
        _firstRows = new long[dumps.Count + 1];
        for (int d = 0; d < dumps.Count; d++)
        {
            if (!dumps[d].HasQuestions)
            {
                throw new DumpFormatException($"{dumps[d].File}: no multiple-choice tensors ('question_ids', 'choice_index' and 'gold').");
            }

            _firstRows[d + 1] = _firstRows[d] + dumps[d].Rows;
        }
    }

    /// <summary>Adds a batch of scored rows (a <see cref="ScoredRowsHandler"/>).</summary>
    /// <exception cref="DumpFormatException">An example's rows disagree on its task, question, choice or lengths; the
    /// message names the file and rows.</exception>
    public void Add(long firstRow, ReadOnlySpan<TokenStatistics> rows)
    {
        for (int i = 0; i < rows.Length; i++)
        {
            long global = firstRow + i;
            int d = Array.BinarySearch(_firstRows, global);
            d = d >= 0 ? d : ~d - 1;
            while (_firstRows[d + 1] <= global)
            {
                d++; // empty dumps share their first row with the next one
            }

            EvalDump dump = _dumps[d];
            long row = global - _firstRows[d];
            long example = dump.ExampleId(row);
            var seen = new Choice
            {
                Dump = d, FirstRow = row, Task = dump.TaskId(row), Question = dump.QuestionId(row), Index = dump.ChoiceIndex(row),
                Characters = dump.ChoiceCharacters(row), Bytes = dump.ChoiceBytes(row),
            };
            if (!_choices.TryGetValue((d, example), out Choice? choice))
            {
                _choices[(d, example)] = choice = seen;
            }
            else if ((choice.Task, choice.Question, choice.Index, choice.Characters, choice.Bytes) != (seen.Task, seen.Question, seen.Index, seen.Characters, seen.Bytes))
            {
                throw new DumpFormatException($"{dump.File}: example {example} has task {choice.Task}, question {choice.Question}, choice {choice.Index} (lengths {choice.Characters}, {choice.Bytes}) at {dump.DescribeRow(choice.FirstRow)} but task {seen.Task}, question {seen.Question}, choice {seen.Index} (lengths {seen.Characters}, {seen.Bytes}) at {dump.DescribeRow(row)}; an example is one choice of one question.");
            }

            if (!rows[i].IsIgnored)
            {
                choice.NegativeLogLikelihood += rows[i].Loss;
                choice.Tokens++;
            }
        }
    }

    /// <summary>Questions left out of the last <see cref="Aggregate"/> because a choice's log-likelihood was NaN.</summary>
    public long NaNQuestions { get; private set; }

    /// <summary>Groups the examples into questions and scores them.</summary>
    /// <param name="taskNames">The run's task names, indexed by task id.</param>
    /// <param name="keep">Worst questions and label errors kept per task.</param>
    /// <param name="labelErrorConfidence">The label-error threshold.</param>
    /// <exception cref="DumpFormatException">A question's choices are not 0…C−1 once each, a choice has no scored token,
    /// its gold index is out of range or differs between dumps, or it has lengths for some choices only; the message
    /// names the file and question.</exception>
    public MultipleChoiceAggregator Aggregate(IReadOnlyList<string> taskNames, int keep = 10, double labelErrorConfidence = 0.9)
    {
        var aggregator = new MultipleChoiceAggregator(taskNames, keep, labelErrorConfidence);
        NaNQuestions = 0;
        foreach (IGrouping<(long Task, long Question), Choice> question in _choices.Values.GroupBy(c => (c.Task, c.Question)).OrderBy(g => g.Key))
        {
            Choice[] choices = [.. question.OrderBy(c => c.Index)];
            string where = $"{_dumps[choices[0].Dump].File}: question {question.Key.Question} of task {question.Key.Task}";
            if (choices.Select((c, i) => c.Index != i).Any(bad => bad))
            {
                throw new DumpFormatException($"{where} has choice indices [{string.Join(", ", choices.Select(c => c.Index))}]; they must be 0…{choices.Length - 1}, once each.");
            }

            if (choices.FirstOrDefault(c => c.Tokens == 0) is { } empty)
            {
                throw new DumpFormatException($"{where}: choice {empty.Index} (from {_dumps[empty.Dump].DescribeRow(empty.FirstRow)}) has no scored token; its continuation's labels must not all be ignored.");
            }

            long[] golds = [.. choices.Select(c => c.Dump).Distinct().Select(d => _dumps[d].Gold(question.Key.Question)).Distinct()];
            if (golds.Length != 1)
            {
                throw new DumpFormatException($"{where}: the dumps disagree on its gold choice ({string.Join(", ", golds)}).");
            }

            if (choices.Any(c => c.Characters < 0) && choices.Any(c => c.Characters >= 0) || choices.Any(c => c.Bytes < 0) && choices.Any(c => c.Bytes >= 0))
            {
                throw new DumpFormatException($"{where}: some choices have lengths and others do not.");
            }

            if (choices.Any(c => double.IsNaN(c.NegativeLogLikelihood)))
            {
                NaNQuestions++;
                continue;
            }

            try
            {
                aggregator.Add(checked((int)question.Key.Task), new MultipleChoiceQuestion
                {
                    QuestionId = question.Key.Question,
                    LogLikelihoods = [.. choices.Select(c => -c.NegativeLogLikelihood)],
                    Gold = (int)Math.Clamp(golds[0], -1, int.MaxValue),
                    CharacterLengths = choices[0].Characters < 0 ? null : [.. choices.Select(c => (int)c.Characters)],
                    ByteLengths = choices[0].Bytes < 0 ? null : [.. choices.Select(c => (int)c.Bytes)],
                });
            }
            catch (ArgumentException error)
            {
                throw new DumpFormatException($"{where}: {error.Message}", error);
            }
        }

        return aggregator;
    }
}
