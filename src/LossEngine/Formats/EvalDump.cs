using CommunityToolkit.HighPerformance;

namespace LossEngine.Formats;

/// <summary>
/// One shard of an eval dump: validated, memory-mapped logits [N, V] or [B, S, V], targets, and optional task and example
/// ids, seen as a sequence of scored rows. Shapes and element types are checked at open. Targets are checked by the
/// scorer, which knows the ignore index (<see cref="Pipeline.DumpScorer"/>).
/// </summary>
/// <remarks>Rows are indexed after the optional shift. Each sequence of a [B, S, V] dump is an example unless example ids
/// are given; each row of an [N, V] dump is its own example unless example ids are given.</remarks>
public sealed unsafe class EvalDump : IDisposable
{
    private readonly List<IDisposable> _owners;
    private readonly List<MappedFile> _mappings;
    private readonly TensorView _logits;
    private readonly TensorView _targets;
    private readonly TensorView? _taskIds;
    private readonly TensorView? _exampleIds;
    private readonly TensorView? _byteLengths;
    private readonly ChoiceTensors? _choices;
    private readonly long _batch;
    private readonly long _sequence;
    private readonly bool _shift;

    private EvalDump(List<IDisposable> owners, List<MappedFile> mappings, TensorView logits, TensorView targets, TensorView? taskIds, TensorView? exampleIds, TensorView? byteLengths, DumpOptions options, IReadOnlyList<string>? taskNames, ChoiceTensors? choices = null)
    {
        _choices = choices;
        _owners = owners;
        _mappings = mappings;
        _logits = logits;
        _targets = targets;
        _taskIds = taskIds;
        _exampleIds = exampleIds;
        _byteLengths = byteLengths;
        TaskNames = taskNames;
        _shift = options.Shift;
        IReadOnlyList<long> shape = logits.Shape;
        if (!TensorDataTypes.IsLogitType(logits.DataType))
        {
            throw new DumpFormatException($"{logits.Describe()} has element type {logits.DataType}; logits must be F32, F16 or BF16.");
        }

        if (shape.Count is not (2 or 3))
        {
            throw new DumpFormatException($"{logits.Describe()} has rank {shape.Count} (shape [{string.Join(", ", shape)}]); logits must be [N, V] or [B, S, V].");
        }

        if (shape[^1] is < 1 or > int.MaxValue)
        {
            throw new DumpFormatException($"{logits.Describe()} has shape [{string.Join(", ", shape)}]: V = {shape[^1]}, but a row needs 1 to {int.MaxValue} logits.");
        }

        Vocabulary = (int)shape[^1];
        (_batch, _sequence) = shape.Count == 3 ? (shape[0], shape[1]) : (1, shape[0]);
        if (_shift && shape.Count != 3)
        {
            throw new DumpFormatException($"{logits.Describe()}: shifting labels (the causal-LM convention) needs [B, S, V] logits, not [{string.Join(", ", shape)}].");
        }

        Rows = _shift ? _batch * Math.Max(0, _sequence - 1) : _batch * _sequence;
        long[] tokenShape = shape.Count == 3 ? [_batch, _sequence] : [_sequence];
        CheckShape(targets, tokenShape, "targets");
        if (taskIds is not null && !(shape.Count == 3 && taskIds.Shape.Count == 1 && taskIds.Shape[0] == _batch))
        {
            CheckShape(taskIds, tokenShape, "task ids");
        }

        if (exampleIds is not null && !(shape.Count == 3 && exampleIds.Shape.Count == 1 && exampleIds.Shape[0] == _batch))
        {
            CheckShape(exampleIds, tokenShape, "example ids");
        }

        if (byteLengths is not null)
        {
            CheckShape(byteLengths, tokenShape, "byte lengths");
        }

        if (choices is not null)
        {
            foreach ((TensorView? tensor, string role) in new[] { (choices.QuestionIds, "question ids"), (choices.ChoiceIndex, "choice indices"), (choices.CharacterLengths, "choice character lengths"), (choices.ByteLengths, "choice byte lengths") })
            {
                if (tensor is not null && !(shape.Count == 3 && tensor.Shape.Count == 1 && tensor.Shape[0] == _batch))
                {
                    CheckShape(tensor, tokenShape, role);
                }
            }

            if (choices.Gold.Shape.Count != 1 || choices.Gold.DataType is not (TensorDataType.Int32 or TensorDataType.Int64))
            {
                throw new DumpFormatException($"{choices.Gold.Describe()} (gold choice per question) must be a 1-D I32 or I64 tensor indexed by question id, not [{string.Join(", ", choices.Gold.Shape)}] {choices.Gold.DataType}.");
            }
        }
    }

    /// <summary>The optional multiple-choice tensors of a safetensors dump.</summary>
    private sealed record ChoiceTensors(TensorView QuestionIds, TensorView ChoiceIndex, TensorView Gold, TensorView? CharacterLengths, TensorView? ByteLengths);

    /// <summary>Whether the dump groups its examples into multiple-choice questions: tensors "question_ids" and
    /// "choice_index" (per example: shaped like "example_ids") and "gold" ([Q], the right choice of each question id),
    /// with optional "choice_char_lengths" and "choice_byte_lengths" (per example).</summary>
    public bool HasQuestions => _choices is not null;

    /// <summary>The question id of a row's example; −1 when the dump has no questions.</summary>
    public long QuestionId(long row) => _choices is null ? -1 : PerExample(_choices.QuestionIds, row);

    /// <summary>Which choice of its question a row's example is; −1 when the dump has no questions.</summary>
    public long ChoiceIndex(long row) => _choices is null ? -1 : PerExample(_choices.ChoiceIndex, row);

    /// <summary>The length in characters of a row's choice; −1 when not given.</summary>
    public long ChoiceCharacters(long row) => _choices?.CharacterLengths is { } t ? PerExample(t, row) : -1;

    /// <summary>The UTF-8 length of a row's choice; −1 when not given.</summary>
    public long ChoiceBytes(long row) => _choices?.ByteLengths is { } t ? PerExample(t, row) : -1;

    /// <summary>The gold choice of a question.</summary>
    /// <exception cref="DumpFormatException">The dump has no questions, or the id is outside the gold tensor.</exception>
    public long Gold(long questionId) =>
        _choices is null ? throw new DumpFormatException($"{File} has no multiple-choice tensors.")
        : (ulong)questionId < (ulong)_choices.Gold.Shape[0] ? _choices.Gold.ReadIntegerUnchecked(questionId)
        : throw new DumpFormatException($"{_choices.Gold.Describe()}: question id {questionId} is outside the gold tensor's {_choices.Gold.Shape[0]} questions.");

    private long PerExample(TensorView tensor, long row)
    {
        CheckRow(row);
        return tensor.Shape.Count == 1 && _logits.Shape.Count == 3 ? tensor.ReadIntegerUnchecked(Position(row).Batch) : tensor.ReadIntegerUnchecked(LabelIndex(row));
    }

    /// <summary>The logits file.</summary>
    public string File => _logits.File;

    /// <summary>The element type of the logits.</summary>
    public TensorDataType LogitType => _logits.DataType;

    /// <summary>V.</summary>
    public int Vocabulary { get; }

    /// <summary>The number of scored rows (after the shift).</summary>
    public long Rows { get; }

    /// <summary>Bytes of logits read to score every row.</summary>
    public long LogitBytes => Rows * Vocabulary * TensorDataTypes.SizeOf(LogitType);

    /// <summary>Task names from the safetensors metadata ("task_names", a JSON array), if any.</summary>
    public IReadOnlyList<string>? TaskNames { get; }

    /// <summary>Whether the dump has task ids.</summary>
    public bool HasTaskIds => _taskIds is not null;

    /// <summary>Whether the dump has byte lengths (tensor "byte_lengths"): the UTF-8 length of each target token's
    /// text, for bits per byte.</summary>
    public bool HasByteLengths => _byteLengths is not null;

    /// <summary>The tensor that holds the targets ("labels" or "targets"), for messages.</summary>
    public string TargetTensor => _targets.Name;

    /// <summary>Opens a safetensors dump: tensors 'logits', 'labels' or 'targets', optional 'task_ids', 'example_ids' and
    /// 'byte_lengths' (each target token's UTF-8 length, shaped like the labels), optional multiple-choice tensors (see
    /// <see cref="HasQuestions"/>), and task names in the metadata ("task_names", a JSON array of strings).</summary>
    /// <param name="path">The file.</param>
    /// <param name="options">How to read it; null for the defaults (no shift).</param>
    /// <exception cref="DumpFormatException">Anything wrong with the file, a tensor, a shape or a target.</exception>
    public static EvalDump OpenSafetensors(string path, DumpOptions? options = null)
    {
        options ??= new DumpOptions();
        SafetensorsFile file = SafetensorsFile.Open(path);
        try
        {
            TensorView logits = file.Tensors.GetValueOrDefault("logits") ?? throw new DumpFormatException($"{path}: no tensor named 'logits' (found: {string.Join(", ", file.Tensors.Keys)}).");
            TensorView targets = file.Tensors.GetValueOrDefault("labels") ?? file.Tensors.GetValueOrDefault("targets")
                ?? throw new DumpFormatException($"{path}: no tensor named 'labels' or 'targets'.");
            IReadOnlyList<string>? names = null;
            if (file.Metadata.TryGetValue("task_names", out string? json))
            {
                try
                {
                    names = System.Text.Json.JsonSerializer.Deserialize(json, FormatsJsonContext.Default.StringArray);
                    if (names is null || names.Any(n => n is null))
                    {
                        throw new DumpFormatException($"{path}: __metadata__.task_names must be a JSON array of strings, with no null.");
                    }
                }
                catch (System.Text.Json.JsonException error)
                {
                    throw new DumpFormatException($"{path}: __metadata__.task_names is not a JSON array of strings: {error.Message}", error);
                }
            }

            TensorView? questions = file.Tensors.GetValueOrDefault("question_ids"), choice = file.Tensors.GetValueOrDefault("choice_index"), gold = file.Tensors.GetValueOrDefault("gold");
            ChoiceTensors? choices = null;
            if (questions is not null || choice is not null || gold is not null)
            {
                choices = questions is not null && choice is not null && gold is not null
                    ? new ChoiceTensors(questions, choice, gold, file.Tensors.GetValueOrDefault("choice_char_lengths"), file.Tensors.GetValueOrDefault("choice_byte_lengths"))
                    : throw new DumpFormatException($"{path}: multiple-choice questions need all of 'question_ids', 'choice_index' and 'gold'; found only {string.Join(", ", new[] { ("question_ids", questions), ("choice_index", choice), ("gold", gold) }.Where(t => t.Item2 is not null).Select(t => $"'{t.Item1}'"))}.");
            }

            return new EvalDump([file], [file.Mapping], logits, targets, file.Tensors.GetValueOrDefault("task_ids"), file.Tensors.GetValueOrDefault("example_ids"), file.Tensors.GetValueOrDefault("byte_lengths"), options, names, choices);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Opens a dump stored as separate .npy files: logits [N, V] or [B, S, V], targets [N] or [B, S], optional
    /// task and example ids ([N], [B] or [B, S]) and byte lengths (shaped like the targets).</summary>
    /// <exception cref="DumpFormatException">Anything wrong with a file, a shape or a target.</exception>
    public static EvalDump OpenNpy(string logitsPath, string targetsPath, string? taskIdsPath = null, string? exampleIdsPath = null, DumpOptions? options = null, string? byteLengthsPath = null)
    {
        options ??= new DumpOptions();
        var owners = new List<IDisposable>();
        var mappings = new List<MappedFile>();
        try
        {
            TensorView Load(string path, TensorDataType? twoByte)
            {
                NpyFile file = NpyFile.Open(path, twoByte);
                owners.Add(file);
                mappings.Add(file.Mapping);
                return file.Tensor;
            }

            TensorView logits = Load(logitsPath, options.NpyTwoByteType);
            TensorView targets = Load(targetsPath, null);
            TensorView? taskIds = taskIdsPath is null ? null : Load(taskIdsPath, null);
            TensorView? exampleIds = exampleIdsPath is null ? null : Load(exampleIdsPath, null);
            TensorView? byteLengths = byteLengthsPath is null ? null : Load(byteLengthsPath, null);
            return new EvalDump(owners, mappings, logits, targets, taskIds, exampleIds, byteLengths, options, null);
        }
        catch
        {
            owners.ForEach(o => o.Dispose());
            throw;
        }
    }

    private static void CheckShape(TensorView tensor, long[] expected, string role)
    {
        if (tensor.DataType is not (TensorDataType.Int32 or TensorDataType.Int64))
        {
            throw new DumpFormatException($"{tensor.Describe()} ({role}) has element type {tensor.DataType}; ids must be I32 or I64.");
        }

        if (!tensor.Shape.SequenceEqual(expected))
        {
            throw new DumpFormatException($"{tensor.Describe()} ({role}) has shape [{string.Join(", ", tensor.Shape)}] but the logits need [{string.Join(", ", expected)}].");
        }
    }

    /// <summary>"row r" or "row r (sequence b, position s)" for messages.</summary>
    public string DescribeRow(long row)
    {
        if (_logits.Shape.Count == 2)
        {
            return $"row {row}";
        }

        (long b, long s) = Position(row);
        return $"row {row} (sequence {b}, position {s})";
    }

    private (long Batch, long Position) Position(long row) =>
        _shift ? (row / (_sequence - 1), row % (_sequence - 1)) : (row / _sequence, row % _sequence);

    /// <summary>The flat token index that holds row <paramref name="row"/>'s label (one further along when shifted).</summary>
    private long LabelIndex(long row)
    {
        (long b, long s) = Position(row);
        return (b * _sequence) + s + (_shift ? 1 : 0);
    }

    /// <summary>The target id of a row, as stored (not yet checked against the vocabulary).</summary>
    public long Target(long row) => _targets.ReadIntegerUnchecked(LabelIndex(CheckRow(row)));

    /// <summary>The UTF-8 byte length of a row's target token, as stored (−1 when the dump has none).</summary>
    public long ByteLength(long row) => _byteLengths is null ? -1 : _byteLengths.ReadIntegerUnchecked(LabelIndex(CheckRow(row)));

    /// <summary>The task id of a row (0 when the dump has none).</summary>
    public long TaskId(long row) =>
        _taskIds is null ? 0 : _taskIds.Shape.Count == 1 && _logits.Shape.Count == 3 ? _taskIds.ReadIntegerUnchecked(Position(CheckRow(row)).Batch) : _taskIds.ReadIntegerUnchecked(LabelIndex(CheckRow(row)));

    /// <summary>The example id of a row: given, or the sequence index ([B, S, V]) or the row index ([N, V]).</summary>
    public long ExampleId(long row)
    {
        CheckRow(row);
        if (_exampleIds is null)
        {
            return _logits.Shape.Count == 3 ? Position(row).Batch : row;
        }

        return _exampleIds.Shape.Count == 1 && _logits.Shape.Count == 3 ? _exampleIds.ReadIntegerUnchecked(Position(row).Batch) : _exampleIds.ReadIntegerUnchecked(LabelIndex(row));
    }

    /// <summary>How many rows from <paramref name="row"/> (at most <paramref name="maxRows"/>, at least one) are evenly
    /// spaced in memory and can be read as one <see cref="LogitView{T}"/>: all remaining rows of an [N, V] dump, the rest
    /// of the sequence when shifted.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="row"/> is not a row of the dump, or
    /// <paramref name="maxRows"/> is not positive.</exception>
    public int RunLength(long row, int maxRows)
    {
        CheckRow(row);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRows);
        long left = Rows - row;
        long inSequence = _shift ? (_sequence - 1) - Position(row).Position : left;
        return (int)Math.Min(Math.Min(left, inSequence), maxRows);
    }

    /// <summary>The logits of <paramref name="rows"/> rows from <paramref name="firstRow"/> as a [rows, V] view over the
    /// mapping, without copying. Valid while the dump is open.</summary>
    /// <typeparam name="T">The logits' element type: <see cref="float"/>, <see cref="Half"/> or <see cref="BFloat16"/>,
    /// matching <see cref="LogitType"/>.</typeparam>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> does not match <see cref="LogitType"/>, or the rows
    /// are not one evenly spaced run (see <see cref="RunLength"/>).</exception>
    public ReadOnlySpan2D<T> LogitView<T>(long firstRow, int rows)
        where T : unmanaged
    {
        if (TensorDataTypes.Of<T>() != LogitType)
        {
            throw new ArgumentException($"{_logits.Describe()} holds {LogitType} logits, not {typeof(T).Name}.", nameof(T));
        }

        if (RunLength(firstRow, rows) != rows)
        {
            throw new ArgumentException($"{File}: rows {firstRow}–{firstRow + rows - 1} are not one evenly spaced run; split the read at {firstRow + RunLength(firstRow, rows)}.", nameof(rows));
        }

        (long b, long s) = Position(firstRow);
        long flat = (b * _sequence) + s;
        return new ReadOnlySpan2D<T>(_logits.Data + (flat * Vocabulary * sizeof(T)), rows, Vocabulary, 0);
    }

    /// <summary>Checks that no file of the dump has been truncated since it was opened; the readers call it before each
    /// batch of rows (see <see cref="MappedFile.CheckLength"/> for why and what it cannot catch).</summary>
    /// <exception cref="DumpFormatException">A file is shorter than when it was opened, naming it.</exception>
    public void CheckFilesUnchanged() => _mappings.ForEach(m => m.CheckLength());

    private long CheckRow(long row) =>
        (ulong)row < (ulong)Rows ? row : throw new ArgumentOutOfRangeException(nameof(row), row, $"{File} has {Rows} rows.");

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (IDisposable owner in _owners)
        {
            owner.Dispose();
        }
    }
}
