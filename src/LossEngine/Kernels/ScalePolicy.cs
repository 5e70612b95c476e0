namespace LossEngine.Kernels;

/// <summary>Whether a row kernel's main loop may see a scale other than 1 (a temperature), as a type, so that a loop
/// compiled for unscaled rows has no scaled path beside its own.</summary>
/// <remarks>A test of a run-time flag inside the loop, however predictable, has the JIT allocate registers for both of
/// its paths: in full statistics at AVX2 that put the sums on the stack in every group.</remarks>
internal interface IScalePolicy
{
    static abstract bool MayScale { get; }
}

/// <summary>Rows read as they are (a scale of 1).</summary>
internal readonly struct UnitScale : IScalePolicy
{
    public static bool MayScale => false;
}

/// <summary>Rows multiplied by the pass's scale wherever it is not 1.</summary>
internal readonly struct RowScale : IScalePolicy
{
    public static bool MayScale => true;
}
