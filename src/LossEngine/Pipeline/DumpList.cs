using LossEngine.Formats;

namespace LossEngine.Pipeline;

/// <summary>Dumps opened for one call, closed together; a failure while opening closes the ones already open.</summary>
internal sealed class DumpList : IDisposable
{
    private readonly List<EvalDump> _items = [];

    public DumpList(IEnumerable<EvalDump> opening)
    {
        try
        {
            foreach (EvalDump dump in opening)
            {
                _items.Add(dump);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public IReadOnlyList<EvalDump> Items => _items;

    /// <summary>Checks that the dumps of one run share V and the logits' element type.</summary>
    /// <exception cref="DumpFormatException">One differs from the first, naming both files.</exception>
    public static void CheckAlike(IReadOnlyList<EvalDump> dumps)
    {
        foreach (EvalDump dump in dumps.Skip(1))
        {
            if (dump.Vocabulary != dumps[0].Vocabulary || dump.LogitType != dumps[0].LogitType)
            {
                throw new DumpFormatException($"{dump.File}: V = {dump.Vocabulary} ({dump.LogitType}), but {dumps[0].File} has V = {dumps[0].Vocabulary} ({dumps[0].LogitType}); every shard of a run must share the vocabulary and the element type.");
            }
        }
    }

    public void Dispose() => _items.ForEach(d => d.Dispose());
}
