namespace LossEngine.Scaling;

/// <summary>FNV-1a over a string's UTF-16 code units: a hash that, unlike <see cref="string.GetHashCode()"/>, is the
/// same in every process, so that a series' bootstrap seed does not change between runs.</summary>
internal static class StableHash
{
    public static ulong Of(string text, ulong hash = 0xCBF29CE484222325UL)
    {
        foreach (char c in text)
        {
            hash = (hash ^ c) * 0x100000001B3UL;
        }

        // A separator, so that ("ab", "c") and ("a", "bc") hash differently when chained.
        return (hash ^ 0xFFFF) * 0x100000001B3UL;
    }
}
