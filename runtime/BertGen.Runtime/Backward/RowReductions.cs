namespace BertGen.Runtime.Backward;

/// <summary>Row gathers, scatters and column sums the backward pass needs (bias gradients, gathered heads).</summary>
public static unsafe class RowReductions
{
    /// <summary>sums[j] += Σ_r x[r·ld + j]: a bias gradient from the output gradient.</summary>
    public static void AddColumnSums(float* x, int rows, int width, long ld, float* sums)
    {
        for (int r = 0; r < rows; r++)
        {
            float* row = x + (r * ld);
            for (int j = 0; j < width; j++)
            {
                sums[j] += row[j];
            }
        }
    }

    /// <summary>dst[r] = src[index[r]] for rows of <paramref name="width"/>.</summary>
    public static void GatherRows(float* src, int* index, int rows, int width, float* dst)
    {
        for (int r = 0; r < rows; r++)
        {
            new System.ReadOnlySpan<float>(src + ((long)index[r] * width), width).CopyTo(new System.Span<float>(dst + ((long)r * width), width));
        }
    }

    /// <summary>dst[index[r]] += src[r], in row order (deterministic when an index repeats).</summary>
    public static void ScatterAddRows(float* src, int* index, int rows, int width, float* dst)
    {
        for (int r = 0; r < rows; r++)
        {
            float* d = dst + ((long)index[r] * width), s = src + ((long)r * width);
            for (int j = 0; j < width; j++)
            {
                d[j] += s[j];
            }
        }
    }

    /// <summary>x[i] += y[i].</summary>
    public static void Add(float* x, float* y, long count)
    {
        for (long i = 0; i < count; i++)
        {
            x[i] += y[i];
        }
    }
}
