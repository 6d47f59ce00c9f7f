using System;
using System.Runtime.Intrinsics;

namespace BertGen.Runtime.Backward;

/// <summary>Row gathers, scatters and column sums the backward pass needs (bias gradients, gathered heads).</summary>
public static unsafe class RowReductions
{
    /// <summary>sums[j] += Σ_r x[r·ld + j]: a bias gradient from the output gradient.</summary>
    public static void AddColumnSums(float* x, int rows, int width, long ld, float* sums)
    {
        for (int r = 0; r < rows; r++)
        {
            Add(sums, x + (r * ld), width);
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
    public static void Add(float* x, float* y, long count)
    {
        long i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= count - 16; i += 16)
            {
                (Vector512.Load(x + i) + Vector512.Load(y + i)).Store(x + i);
            }
        }

        for (; i < count; i++)
        {
            x[i] += y[i];
        }
    }
}
