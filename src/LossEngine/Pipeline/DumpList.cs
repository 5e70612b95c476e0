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

    public void Dispose() => _items.ForEach(d => d.Dispose());
}
