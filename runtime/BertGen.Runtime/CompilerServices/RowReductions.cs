using System;
using System.ComponentModel;
using System.Runtime.Intrinsics;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Threading;

namespace BertGen.Runtime.CompilerServices;

/// <summary>Row gathers, scatters and column sums the backward pass needs (bias gradients, gathered heads).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe class RowReductions
{
    /// <summary>Below this many summed floats per thread column sums run on the calling thread alone.</summary>
    public const long MinimumFloatsPerPart = 1 << 15;

    /// <summary>
    /// sums[j] += Σ_r x[r·ld + j]: a bias gradient from the output gradient. Columns are split over
    /// <paramref name="pool"/> when given; each column is still summed in row order, so nothing changes.
    /// </summary>
    public static void AddColumnSums(float* x, int rows, int width, long ld, float* sums, ComputePool? pool = null) =>
        AddColumnSums(x, rows, width, ld, sums, pool, VectorWidths.Best);

    internal static void AddColumnSums(float* x, int rows, int width, long ld, float* sums, ComputePool? pool, VectorWidth vectors)
    {
        var work = new ColumnSums { X = x, Rows = rows, Ld = ld, Sums = sums, Width = vectors };
        ParallelRanges.Run(pool, width, 16, Math.Max(16, MinimumFloatsPerPart / Math.Max(1, rows)), &AddColumnSumsRange, &work);
    }

    private static void AddColumnSumsRange(void* state, long begin, long end)
    {
        var work = (ColumnSums*)state;
        for (int r = 0; r < work->Rows; r++)
        {
            Add(work->Sums + begin, work->X + (r * work->Ld) + begin, end - begin, work->Width);
        }
    }

    /// <summary>dst[r] = src[index[r]] for rows of <paramref name="width"/>.</summary>
    public static void GatherRows(float* src, int* index, int rows, int width, float* dst)
    {
        for (int r = 0; r < rows; r++)
        {
            new ReadOnlySpan<float>(src + ((long)index[r] * width), width).CopyTo(new Span<float>(dst + ((long)r * width), width));
        }
    }

    /// <summary>dst[index[r]] += src[r], in row order (deterministic when an index repeats).</summary>
    public static void ScatterAddRows(float* src, int* index, int rows, int width, float* dst)
    {
        for (int r = 0; r < rows; r++)
        {
            Add(dst + ((long)index[r] * width), src + ((long)r * width), width);
        }
    }

    /// <summary>x[i] += y[i].</summary>
    public static void Add(float* x, float* y, long count) => Add(x, y, count, VectorWidths.Best);

    internal static void Add(float* x, float* y, long count, VectorWidth width)
    {
        long i = 0;
        if (width == VectorWidth.Bits512)
        {
            for (; i <= count - 16; i += 16)
            {
                (Vector512.Load(x + i) + Vector512.Load(y + i)).Store(x + i);
            }
        }
        else if (width == VectorWidth.Bits256)
        {
            for (; i <= count - 8; i += 8)
            {
                (Vector256.Load(x + i) + Vector256.Load(y + i)).Store(x + i);
            }
        }

        for (; i < count; i++)
        {
            x[i] += y[i];
        }
    }

    // What a range of columns of a column sum needs; lives on the dispatching thread's stack during the call.
    private struct ColumnSums
    {
        public float* X;
        public float* Sums;
        public long Ld;
        public int Rows;
        public VectorWidth Width;
    }
}
