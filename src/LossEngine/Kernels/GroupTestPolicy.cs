namespace LossEngine.Kernels;

/// <summary>How the bf16 and fp16 main loops of log-sum-exp mode test a group (or a pair of groups) against the
/// reference's trigger t (and, for fp16, for an infinity or NaN), as a type, so that each loop is compiled with one test
/// and the registers of one.</summary>
internal interface IGroupTest
{
    /// <summary>Whether the test reads the raw words as 16-bit integers, which holds only for rows read as they are (a
    /// scale of 1) and t ≥ 0; the caller picks this form only then.</summary>
    static abstract bool OnWords { get; }
}

/// <summary>The word vectors as 16-bit integers: their signed maximum against the largest pattern at most t (and for
/// fp16 their unsigned maximum against 0xFBFF).</summary>
internal readonly struct WordGroupTest : IGroupTest
{
    public static bool OnWords => true;
}

/// <summary>The maximum of the float vectors, scaled, against t (and for fp16 their maximum and minimum against the
/// non-finite bound).</summary>
internal readonly struct FloatGroupTest : IGroupTest
{
    public static bool OnWords => false;
}
