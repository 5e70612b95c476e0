namespace LossEngine.Scoring;

/// <summary>Checks made once, before any output is written, so an error never leaves a half-written destination.</summary>
internal static class BatchValidation
{
    /// <summary>Every check a batch call makes before writing: element type, options, shape, target count, destination
    /// length (when one is required) and every target. Returns the shape and how many rows are not ignored.</summary>
    public static (int Rows, int Width, int Counted) Check<T, TIndex>(int rows, int width, ReadOnlySpan<TIndex> targets, int destinationLength, bool destinationRequired, ScoringOptions options, string logitsName, string destinationName)
        where T : unmanaged
        where TIndex : unmanaged
    {
        if (!Kernels.ElementConversion.IsSupported<T>())
        {
            ThrowHelper.ThrowUnsupportedElementType<T>();
        }

        options.Validate();
        CheckShape(rows, width, logitsName);
        CheckTargetCount(targets.Length, rows, "targets");
        if (destinationRequired)
        {
            CheckDestination(destinationLength, rows, destinationName);
        }

        return (rows, width, CheckTargets(targets, width, options.IgnoreIndex, "targets"));
    }

    public static void CheckShape(int rows, int width, string matrixName)
    {
        if (rows > 0 && width == 0)
        {
            throw new ArgumentException($"The {matrixName} matrix has {rows} rows of width 0; a distribution needs at least one entry.", matrixName);
        }
    }

    public static void CheckTargetCount(int targets, int rows, string targetsName)
    {
        if (targets != rows)
        {
            throw new ArgumentException($"There are {targets} targets for {rows} rows of logits; they must match one to one.", targetsName);
        }
    }

    public static void CheckDestination(int length, int rows, string destinationName)
    {
        if (length < rows)
        {
            throw new ArgumentException($"The destination holds {length} elements but there are {rows} rows (row {length} has nowhere to go).", destinationName);
        }
    }

    /// <summary>Every target must be the ignore index or lie in [0, width). Returns how many rows are not ignored.</summary>
    public static int CheckTargets<TIndex>(ReadOnlySpan<TIndex> targets, int width, long ignoreIndex, string targetsName)
        where TIndex : unmanaged
    {
        int counted = 0;
        for (int row = 0; row < targets.Length; row++)
        {
            long target = TargetIndex.At(targets, row);
            if (target == ignoreIndex)
            {
                continue;
            }

            if ((ulong)target >= (ulong)width)
            {
                throw new ArgumentOutOfRangeException(targetsName, target, $"Row {row} has target {target}, outside the vocabulary [0, {width}) and not the ignore index {ignoreIndex}.");
            }

            counted++;
        }

        return counted;
    }
}
