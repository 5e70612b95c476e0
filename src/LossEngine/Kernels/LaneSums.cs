using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LossEngine.Kernels.Vectors;

namespace LossEngine.Kernels;

/// <summary>
/// The vector side of the lane sums both row kernels keep: per lane a running maximum m, s = Σ e^(x−m) and a weighted
/// sum w = Σ e^(x−m)·(x − m − c) whose weights move with m (c = 0 for the entropy, c = b − m_b for the comparison). The kernels keep the sums in locals (an address-exposed struct would keep
/// every sum in memory) and, in compare and full statistics, m in their state in memory, where the main loops read it
/// as an operand; these helpers serve their rare paths and their fold and finish.
/// </summary>
/// <remarks><see cref="FoldedLanes"/> holds the double side the float sums are folded into.</remarks>
internal static class LaneSums
{
    /// <summary>The largest value a row's shared reference maximum starts from (kernels with a margin of 1 start
    /// <see cref="WithHeadroom"/> of it): the largest of its first vectors (up to four, read
    /// exactly as the kernel reads them, fp16 too; <paramref name="vectorsEnd"/> is where the row's whole vectors end),
    /// scaled, and no lower than float.MinValue, where the lanes would otherwise start. Starting there, the first
    /// vectors do not leave the main loop to raise it and the first fold has nothing to rebase, which is most of a short
    /// row's fixed cost when values are spread evenly.</summary>
    /// <remarks>The scale is positive, so the scaled maximum is the maximum scaled. A NaN here (or one the native
    /// maximum passed over) still reaches the sums, which send the row to the special path.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float StartingMaximum<T, TWidth, TVector>(ref T row, nuint vectorsEnd, TVector scale)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        nuint count = (nuint)TWidth.Count;
        nuint end = Math.Min(vectorsEnd, 4 * count);
        TVector max = VectorMath.Load<T, TWidth, TVector>(ref row, 0);
        for (nuint i = count; i < end; i += count)
        {
            max = TWidth.MaxNative(max, VectorMath.Load<T, TWidth, TVector>(ref row, i));
        }

        return MathF.Max(TWidth.MaxAcross(TWidth.Multiply(max, scale)), float.MinValue);
    }

    /// <summary>The shared reference a kernel with a small rescale margin takes for the largest value seen so far: that
    /// value plus the margin. The row's maximum is at least that value and at most the margin above the reference (or it
    /// would raise again), so the reference stays within the margin of it either way, as the entropy's and the KL's
    /// rounding need; and a raise covers twice the margin above the values seen, which halves how often rows whose
    /// values spread out slowly (two or three times a row of normally spread logits) leave the main loop to raise and
    /// then rebase at the next fold.</summary>
    /// <remarks>Where the sum would overflow float, the value itself.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float WithHeadroom(float largest, float margin)
    {
        float raised = largest + margin;
        return float.IsFinite(raised) ? raised : largest;
    }

    /// <summary>A shared reference after a raise that may not concern it (the comparison raises both rows' references
    /// when either row's values pass its own): <see cref="WithHeadroom"/> of the largest lane of
    /// <paramref name="x"/> where some lane is above the reference, else the reference as it was, which must not climb
    /// by the margin at every raise of the other row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector RaisedReference<TWidth, TVector>(TVector reference, TVector x, float margin)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged =>
        TWidth.GreaterThanAny(x, reference) ? TWidth.Create(WithHeadroom(TWidth.MaxAcross(x), margin)) : reference;

    /// <summary>Moves the lane sums to raised maxima: δ = max(m_old − m_new, floor) ≤ 0, s ← s·e^δ and
    /// w ← e^δ·(w + δ·s).</summary>
    /// <remarks>δ is −∞ or huge when a lane first sees a finite value after float.MinValue; the clamp at the exp's
    /// floor turns that into e^δ = 0 and keeps 0·δ finite.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Rescale<TWidth, TVector>(TVector oldMax, TVector newMax, ref TVector sum, ref TVector weightedSum)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        TVector delta = TWidth.MaxNative(TWidth.Create(VectorMath.ExpArgumentFloor), TWidth.Subtract(oldMax, newMax));
        TVector scale = VectorMath.ExpOfClampedArgument<TWidth, TVector>(delta);
        weightedSum = TWidth.Multiply(scale, TWidth.MultiplyAdd(delta, sum, weightedSum));
        sum = TWidth.Multiply(sum, scale);
    }

    /// <summary>As <see cref="Rescale{TWidth, TVector}(TVector, TVector, ref TVector, ref TVector)"/>, for lanes
    /// without a weighted sum: s ← s·e^δ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Rescale<TWidth, TVector>(TVector oldMax, TVector newMax, ref TVector sum)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        TVector delta = TWidth.MaxNative(TWidth.Create(VectorMath.ExpArgumentFloor), TWidth.Subtract(oldMax, newMax));
        sum = TWidth.Multiply(sum, VectorMath.ExpOfClampedArgument<TWidth, TVector>(delta));
    }

    /// <summary>Lanes where x beats the exact maximum so far take x and its index; equal values never replace the
    /// first, which gives the lowest index among ties.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TrackArgMax<TWidth, TVector>(ref TVector best, ref TVector argMax, TVector x, nuint start)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        TVector better = TWidth.GreaterThan(x, best);
        argMax = TWidth.ConditionalSelect(better, TWidth.Add(TWidth.Indices, TWidth.Create((float)start)), argMax);
        best = TWidth.ConditionalSelect(better, x, best);
    }

    /// <summary>Writes the lanes of <paramref name="value"/> to <paramref name="lanes"/> (at least
    /// <c>TWidth.Count</c> long), for the per-lane work of a fold or finish.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<TWidth, TVector>(TVector value, Span<float> lanes)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged =>
        TWidth.Store(value, ref MemoryMarshal.GetReference(lanes), 0);

    /// <summary>The largest lane value and the lowest index among the lanes that hold it, from per-lane maxima and their
    /// first indices (kept as floats).</summary>
    /// <remarks>Each lane records the first index of its own maximum, so the lowest index over the lanes that reach the
    /// row maximum is the row's first argmax. It is found as the largest negated index: indices are exact in float, and
    /// lanes below the maximum take −∞.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (float Max, int Index) ArgMax<TWidth, TVector>(TVector laneMax, TVector laneIndex)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        float max = TWidth.MaxAcross(laneMax);
        TVector atMax = TWidth.GreaterThanOrEqual(laneMax, TWidth.Create(max));
        TVector negatedIndex = TWidth.ConditionalSelect(atMax, TWidth.Subtract(TWidth.Create(0f), laneIndex), TWidth.Create(float.NegativeInfinity));
        return (max, (int)-TWidth.MaxAcross(negatedIndex));
    }

    /// <summary>The first index in [<paramref name="start"/>, <paramref name="end"/>) (whole vectors) whose logit, read
    /// and scaled as the kernels read it, is at least <paramref name="value"/>: where the kernels' main loops keep per-lane
    /// maxima without indices, the first occurrence of a maximum inside the block of groups it was found in.</summary>
    /// <remarks>The lanes are compared as the vector conversion gives them, never converted again one by one: a
    /// scalar conversion can differ (fp16 subnormals, where the caller's thread flushes float subnormals to zero).
    /// The scan reads up to a block of groups every row, a fixed cost that short rows feel, so it tests four vectors at a
    /// time with one branch, and only the four that hold the value are looked at one by one. Each vector is compared on
    /// its own (no maximum of the four first), so a NaN in one cannot hide a match in another.</remarks>
    /// <exception cref="UnreachableException">No such logit in the range: the caller's records are inconsistent.</exception>
    public static int FirstIndexAtLeast<T, TWidth, TVector>(ReadOnlySpan<T> row, int start, int end, float value, float scale)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        ref T source = ref MemoryMarshal.GetReference(row);
        TVector bound = TWidth.Create(value);
        TVector scaleVector = TWidth.Create(scale);
        nuint count = (nuint)TWidth.Count;
        nuint i = (nuint)start;
        nuint stop = (nuint)end;
        for (; i + (GroupVectors * count) <= stop; i += GroupVectors * count)
        {
            TVector atLeast = TWidth.BitwiseOr(
                TWidth.BitwiseOr(AtLeast<T, TWidth, TVector>(ref source, i, scaleVector, bound), AtLeast<T, TWidth, TVector>(ref source, i + count, scaleVector, bound)),
                TWidth.BitwiseOr(AtLeast<T, TWidth, TVector>(ref source, i + (2 * count), scaleVector, bound), AtLeast<T, TWidth, TVector>(ref source, i + (3 * count), scaleVector, bound)));
            if (TWidth.AnyLaneSet(atLeast))
            {
                break;
            }
        }

        for (; i + count <= stop; i += count)
        {
            TVector atLeast = AtLeast<T, TWidth, TVector>(ref source, i, scaleVector, bound);
            if (TWidth.AnyLaneSet(atLeast))
            {
                return (int)i + FirstLaneSet<TWidth, TVector>(atLeast);
            }
        }

        return ThrowNoIndexAtLeast(value, start, end);
    }

    /// <summary>The vectors a group of the main loops holds; <see cref="FirstIndexAtLeast"/> scans a group a step.</summary>
    private const int GroupVectors = 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector AtLeast<T, TWidth, TVector>(ref T source, nuint index, TVector scale, TVector bound)
        where T : unmanaged
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged =>
        TWidth.GreaterThanOrEqual(TWidth.Multiply(VectorMath.Load<T, TWidth, TVector>(ref source, index), scale), bound);

    /// <summary>The lowest lane of a mask that has one set.</summary>
    private static int FirstLaneSet<TWidth, TVector>(TVector mask)
        where TWidth : IVectorWidth<TVector>
        where TVector : unmanaged
    {
        Span<float> lanes = stackalloc float[TWidth.Count];
        Store<TWidth, TVector>(TWidth.ConditionalSelect(mask, TWidth.Create(1f), TWidth.Create(0f)), lanes);
        return lanes.IndexOf(1f);
    }

    /// <summary>Out of line, so that the scan's loop keeps its values in registers rather than on the stack for the
    /// message.</summary>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int ThrowNoIndexAtLeast(float value, int start, int end) =>
        throw new UnreachableException($"No logit at least {value} in [{start}, {end}).");
}
