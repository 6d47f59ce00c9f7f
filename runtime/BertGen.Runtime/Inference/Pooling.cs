using System;

namespace BertGen.Runtime.Inference;

/// <summary>How a sentence embedding is read off the last hidden state.</summary>
public enum PoolingMode
{
    /// <summary>Mean of the token vectors under the attention mask (sentence-transformers' default, all-MiniLM-L6-v2).</summary>
    Mean,

    /// <summary>The [CLS] token's vector (snowflake-arctic-embed).</summary>
    Cls,
}

/// <summary>Sentence-embedding pooling over one sequence's rows of the last hidden state.</summary>
internal static class Pooling
{
    /// <summary>Pools one sequence's rows (mask.Length × <paramref name="hidden"/>) into <paramref name="destination"/>.</summary>
    public static void Pool(PoolingMode mode, ReadOnlySpan<float> rows, ReadOnlySpan<int> mask, int hidden, Span<float> destination)
    {
        if (destination.Length != hidden || rows.Length != mask.Length * hidden)
        {
            throw new ArgumentException($"Pooling needs {mask.Length} rows of {hidden} and a destination of {hidden}.");
        }

        if (mode == PoolingMode.Cls)
        {
            rows.Slice(0, hidden).CopyTo(destination);
            return;
        }

        // Sum in double: a mean over up to 512 rows should not depend on the order of additions.
        Span<double> sum = hidden <= 4096 ? stackalloc double[hidden] : new double[hidden];
        sum.Clear();
        int count = 0;
        for (int s = 0; s < mask.Length; s++)
        {
            if (mask[s] == 0)
            {
                continue;
            }

            count++;
            ReadOnlySpan<float> row = rows.Slice(s * hidden, hidden);
            for (int j = 0; j < hidden; j++)
            {
                sum[j] += row[j];
            }
        }

        // sentence-transformers clamps the token count at 1e-9; with no token the mean is zero.
        double scale = 1.0 / Math.Max(count, 1e-9);
        for (int j = 0; j < hidden; j++)
        {
            destination[j] = (float)(sum[j] * scale);
        }
    }

    /// <summary>Scales <paramref name="vector"/> to unit L2 norm (F.normalize: the norm is clamped at 1e-12).</summary>
    public static void NormalizeL2(Span<float> vector)
    {
        double squares = 0;
        foreach (float x in vector)
        {
            squares += (double)x * x;
        }

        float scale = (float)(1.0 / Math.Max(Math.Sqrt(squares), 1e-12));
        for (int i = 0; i < vector.Length; i++)
        {
            vector[i] *= scale;
        }
    }
}
