using System.Text.Json.Serialization;

namespace LossEngine.Aggregation;

/// <summary>Keeps the first k of a list under a total order (ties fully broken, so the result is deterministic).</summary>
internal static class BoundedList
{
    public static void Insert<TEntry>(List<TEntry> list, TEntry entry, int keep, IComparer<TEntry> order)
    {
        if (keep <= 0)
        {
            return;
        }

        int index = list.BinarySearch(entry, order);
        if (index >= 0)
        {
            return; // the same entry (a merge of a state with itself is not meaningful, but must not duplicate)
        }

        index = ~index;
        if (index >= keep)
        {
            return;
        }

        list.Insert(index, entry);
        if (list.Count > keep)
        {
            list.RemoveAt(list.Count - 1);
        }
    }
}
