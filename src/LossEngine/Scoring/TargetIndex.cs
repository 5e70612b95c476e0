namespace LossEngine.Scoring;

/// <summary>Reads a target id from int or long storage.</summary>
internal static class TargetIndex
{
    public static long At<TIndex>(ReadOnlySpan<TIndex> targets, int row)
        where TIndex : unmanaged
    {
        TIndex value = targets[row];
        if (typeof(TIndex) == typeof(int))
        {
            return System.Runtime.CompilerServices.Unsafe.As<TIndex, int>(ref value);
        }

        if (typeof(TIndex) == typeof(long))
        {
            return System.Runtime.CompilerServices.Unsafe.As<TIndex, long>(ref value);
        }

        throw new NotSupportedException($"Targets of type {typeof(TIndex).Name} are not supported; use int or long.");
    }
}
