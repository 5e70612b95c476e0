using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CommunityToolkit.HighPerformance;
using LossEngine.Tests.Reference;

namespace LossEngine.Tests.Hardening;

/// <summary>
/// No kernel reads past a row or before it, ever: rows are placed so that they end exactly at a page boundary followed
/// by an inaccessible (PROT_NONE) page, or start exactly after one, for every length from 1 to 300 and around the
/// multiples of every vector width, so that every start alignment and every tail shape is met. An over-read is a
/// segmentation fault that ends the test run; the results must also equal the same call on an ordinary array. The
/// suite runs at every instruction-set level, so each level's paths are covered in its own run.
/// </summary>
public sealed class GuardPageTests
{
    /// <summary>1 to 300, and a few elements either side of the multiples of 16, 32 and 64 lanes up to 4096.</summary>
    public static readonly int[] Lengths =
    [
        .. Enumerable.Range(1, 300),
        .. new[] { 16, 32, 64, 128, 256, 512, 1024, 2048, 4096 }.SelectMany(m => new[] { m - 1, m, m + 1, m + 15, m + 17 }).Where(n => n > 300).Distinct(),
    ];

    [Fact]
    public void RowKernels_Float() => RowKernels<float, SingleElement>();

    [Fact]
    public void RowKernels_Half() => RowKernels<Half, HalfElement>();

    [Fact]
    public void RowKernels_BFloat16() => RowKernels<BFloat16, BFloat16Element>();

    [Fact]
    public void BatchKernels_Float() => BatchKernels<float, SingleElement>();

    [Fact]
    public void BatchKernels_Half() => BatchKernels<Half, HalfElement>();

    [Fact]
    public void BatchKernels_BFloat16() => BatchKernels<BFloat16, BFloat16Element>();

    private static T[] Values<T, TElement>(int length, int seed)
        where T : unmanaged
        where TElement : IElementType<T>
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, length).Select(_ => TElement.FromSingle((float)((random.NextDouble() * 16) - 8)))];
    }

    private static void RowKernels<T, TElement>()
        where T : unmanaged
        where TElement : IElementType<T>
    {
        int size = Unsafe.SizeOf<T>();
        using var guarded = new GuardedMemory(((Lengths.Max() * size) + Environment.SystemPageSize - 1) / Environment.SystemPageSize);
        var probabilities = new float[Lengths.Max()];
        var expected = new float[Lengths.Max()];
        foreach (int length in Lengths)
        {
            T[] row = Values<T, TElement>(length, length);
            T[] other = Values<T, TElement>(length, length + 7919);
            int target = length / 2;
            foreach (bool atEnd in new[] { true, false })
            {
                ReadOnlySpan<T> placed = guarded.Place<T>(row, atEnd);
                Assert.Equal(Logits.LogSumExp<T>(row), Logits.LogSumExp(placed));
                Assert.Equal(Logits.CrossEntropy<T>(row, target), Logits.CrossEntropy(placed, target));
                Assert.Equal(Logits.Statistics<T>(row, target), Logits.Statistics(placed, target));
                Logits.Softmax<T>(row, expected.AsSpan(0, length));
                Logits.Softmax(placed, probabilities.AsSpan(0, length));
                Assert.Equal(expected.AsSpan(0, length), probabilities.AsSpan(0, length));
                Logits.LogSoftmax<T>(row, expected.AsSpan(0, length));
                Logits.LogSoftmax(placed, probabilities.AsSpan(0, length));
                Assert.Equal(expected.AsSpan(0, length), probabilities.AsSpan(0, length));

                // The candidate row is the guarded one, the reference an ordinary array, and then the other way round.
                Assert.Equal(Logits.Compare<T>(other, row, target), Logits.Compare<T>(other, placed, target));
                Assert.Equal(Logits.Compare<T>(row, other, target), Logits.Compare<T>(placed, other, target));
            }
        }
    }

    private static unsafe void BatchKernels<T, TElement>()
        where T : unmanaged
        where TElement : IElementType<T>
    {
        const int rows = 3;
        int size = Unsafe.SizeOf<T>();
        int[] lengths = [.. Lengths.Where(n => n % 7 == 0 || n > 300 || n < 20)];
        int pages = ((rows * (lengths.Max() + 3) * size) + Environment.SystemPageSize - 1) / Environment.SystemPageSize;
        using var guarded = new GuardedMemory(pages);
        using var guardedOther = new GuardedMemory(pages);
        var options = new ScoringOptions { MaxDegreeOfParallelism = 1 };
        var crossEntropy = new CrossEntropyOptions { MaxDegreeOfParallelism = 1, Reduction = Reduction.None };
        foreach (int length in lengths)
        {
            foreach (int pitch in new[] { length, length + 3 })
            {
                // The last row ends at the guard page; with a pitch, the padding after the earlier rows is never read
                // either (it holds NaN, which would show in every result).
                T[] matrix = [.. Values<T, TElement>(rows * pitch, length).Select((v, i) => i % pitch < length ? v : TElement.FromSingle(float.NaN))];
                T[] other = [.. Values<T, TElement>(rows * pitch, length + 1).Select((v, i) => i % pitch < length ? v : TElement.FromSingle(float.NaN))];
                int used = ((rows - 1) * pitch) + length;
                var plain = new ReadOnlySpan2D<T>(matrix, 0, rows, length, pitch - length);
                var plainOther = new ReadOnlySpan2D<T>(other, 0, rows, length, pitch - length);
                var placed = new ReadOnlySpan2D<T>(Unsafe.AsPointer(ref guarded.Place<T>(matrix.AsSpan(0, used), atEnd: true)[0]), rows, length, pitch - length);
                var placedOther = new ReadOnlySpan2D<T>(Unsafe.AsPointer(ref guardedOther.Place<T>(other.AsSpan(0, used), atEnd: true)[0]), rows, length, pitch - length);
                long[] targets = [0, length - 1, length / 2];

                var expected = new TokenStatistics[rows];
                var actual = new TokenStatistics[rows];
                Logits.Statistics(plain, targets, expected, options);
                Logits.Statistics(placed, targets, actual, options);
                Assert.Equal(expected, actual);
                Assert.All(actual, s => Assert.False(float.IsNaN(s.LogSumExp)));

                var expectedLosses = new float[rows];
                var losses = new float[rows];
                Logits.CrossEntropy(plain, targets, expectedLosses, crossEntropy);
                Logits.CrossEntropy(placed, targets, losses, crossEntropy);
                Assert.Equal(expectedLosses, losses);

                var expectedComparisons = new ComparisonStatistics[rows];
                var comparisons = new ComparisonStatistics[rows];
                Logits.Compare(plain, plainOther, targets, expectedComparisons, options);
                Logits.Compare(placed, placedOther, targets, comparisons, options);
                Assert.Equal(expectedComparisons, comparisons);
            }
        }
    }

    /// <summary>Readable pages between two PROT_NONE pages, from mmap; rows are copied in against either guard.</summary>
    private sealed unsafe class GuardedMemory : IDisposable
    {
        private const int ProtNone = 0, ProtRead = 1, ProtWrite = 2, MapPrivate = 2, MapAnonymous = 0x20;
        private readonly byte* _base;
        private readonly nuint _length;
        private readonly int _pages;

        public GuardedMemory(int pages)
        {
            _pages = pages;
            nuint page = (nuint)Environment.SystemPageSize;
            _length = (nuint)(pages + 2) * page;
            _base = (byte*)Mmap(null, _length, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
            Assert.True((nint)_base != -1, "mmap failed");
            Assert.Equal(0, Mprotect(_base, page, ProtNone));
            Assert.Equal(0, Mprotect(_base + ((pages + 1) * (long)page), page, ProtNone));
        }

        /// <summary>Copies <paramref name="values"/> so that they end at the upper guard page, or start right after the
        /// lower one, and returns a span over the copy.</summary>
        public Span<T> Place<T>(ReadOnlySpan<T> values, bool atEnd)
            where T : unmanaged
        {
            long bytes = values.Length * (long)sizeof(T);
            byte* first = _base + Environment.SystemPageSize;
            byte* start = atEnd ? first + ((long)_pages * Environment.SystemPageSize) - bytes : first;
            var span = new Span<T>(start, values.Length);
            values.CopyTo(span);
            return span;
        }

        public void Dispose() => Munmap(_base, _length);

        [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
        private static extern void* Mmap(void* address, nuint length, int protection, int flags, int descriptor, nint offset);

        [DllImport("libc", EntryPoint = "mprotect", SetLastError = true)]
        private static extern int Mprotect(void* address, nuint length, int protection);

        [DllImport("libc", EntryPoint = "munmap", SetLastError = true)]
        private static extern int Munmap(void* address, nuint length);
    }
}
