using System.Runtime.CompilerServices;
using CommunityToolkit.HighPerformance;

namespace LossEngine.Scoring;

/// <summary>A pinned [rows, width] view with a row stride, that worker threads can read while the caller waits.</summary>
internal readonly unsafe struct LogitRows<T>
    where T : unmanaged
{
    private readonly T* _origin;
    private readonly nint _rowStride;

    public LogitRows(T* origin, int height, int width, nint rowStride)
    {
        _origin = origin;
        Height = height;
        Width = width;
        _rowStride = rowStride;
    }

    public int Height { get; }

    public int Width { get; }

    public ReadOnlySpan<T> Row(int row) => new(_origin + (row * _rowStride), Width);

    /// <summary>The stride between row starts, in elements (width plus the span's pitch).</summary>
    public static nint StrideOf(ReadOnlySpan2D<T> matrix) =>
        matrix.Height < 2
            ? matrix.Width
            : Unsafe.ByteOffset(ref Unsafe.AsRef(in matrix.DangerousGetReferenceAt(0, 0)), ref Unsafe.AsRef(in matrix.DangerousGetReferenceAt(1, 0))) / sizeof(T);
}
