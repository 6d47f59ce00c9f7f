using System;

namespace BertGen.Bench;

/// <summary>Cosine similarity in double, for the int8 agreement checks of the bench.</summary>
internal static class Cosines
{
    public static double Of(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            aa += (double)a[i] * a[i];
            bb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(aa * bb);
    }

    /// <summary>The smallest cosine between matching rows (tokens) of two [rows, width] outputs.</summary>
    public static double MinRow(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int width)
    {
        double min = 1;
        for (int row = 0; row < a.Length / width; row++)
        {
            min = Math.Min(min, Of(a.Slice(row * width, width), b.Slice(row * width, width)));
        }

        return min;
    }
}
