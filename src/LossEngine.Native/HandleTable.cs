namespace LossEngine.Native;

/// <summary>
/// The objects behind the C ABI's opaque handles. A handle is a slot number and that slot's generation, not an address,
/// so a garbage pointer, a handle of another type, a freed handle and a stale handle whose slot was reused are all
/// recognised and become a status code: nothing the caller passes can crash the host process or act on the wrong object.
/// </summary>
internal static class HandleTable
{
    private static readonly object Gate = new();
    private static readonly List<(object? Target, uint Generation)> Slots = [];
    private static readonly Stack<int> Free = [];

    /// <summary>A new handle for <paramref name="target"/>: (generation &lt;&lt; 32) | (slot + 1), never 0.</summary>
    public static nint Add(object target)
    {
        lock (Gate)
        {
            int slot;
            if (Free.Count > 0)
            {
                slot = Free.Pop();
            }
            else
            {
                slot = Slots.Count;
                Slots.Add((null, 0));
            }

            uint generation = Slots[slot].Generation + 1;
            Slots[slot] = (target, generation);
            return (nint)(((long)generation << 32) | (uint)(slot + 1));
        }
    }

    /// <summary>The object of type <typeparamref name="T"/> behind a live handle.</summary>
    /// <exception cref="NativeArgumentException">The handle is NULL, freed, stale, not a handle, or of another type.</exception>
    public static T Get<T>(nint handle, string kind)
        where T : class
    {
        lock (Gate)
        {
            return Find(handle, kind) as T ?? throw new NativeArgumentException(Status.InvalidArgument, $"the handle is not a LossEngine {kind}.");
        }
    }

    /// <summary>Frees a live handle of type <typeparamref name="T"/>.</summary>
    /// <exception cref="NativeArgumentException">As <see cref="Get{T}"/>: a double free is reported, not ignored.</exception>
    public static void Remove<T>(nint handle, string kind)
        where T : class
    {
        lock (Gate)
        {
            if (Find(handle, kind) is not T)
            {
                throw new NativeArgumentException(Status.InvalidArgument, $"the handle is not a LossEngine {kind}.");
            }

            int slot = (int)((uint)handle - 1);
            Slots[slot] = (null, Slots[slot].Generation);
            Free.Push(slot);
        }
    }

    private static object Find(nint handle, string kind)
    {
        if (handle == 0)
        {
            throw new NativeArgumentException(Status.NullPointer, $"the {kind} handle is NULL.");
        }

        long value = handle;
        int slot = (int)((uint)value - 1);
        uint generation = (uint)(value >> 32);
        if ((value >> 32) != generation || slot < 0 || slot >= Slots.Count || Slots[slot].Generation != generation || Slots[slot].Target is null)
        {
            throw new NativeArgumentException(Status.InvalidArgument, $"the {kind} handle is not a live handle: it was freed, never created, or belongs to another library instance.");
        }

        return Slots[slot].Target!;
    }
}
