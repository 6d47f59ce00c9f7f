using System;

namespace BertGen.Runtime.Backward;

/// <summary>
/// Counter-based dropout: whether element i of dropout site s is kept is a pure function of
/// (seed, site, i), so the backward regenerates the forward's mask instead of storing it, and a step
/// replayed with the same seed drops the same elements (exact resume). Kept elements are scaled by
/// 1/(1 − p), as torch's inverted dropout.
/// </summary>
public static unsafe class Dropout
{
    /// <summary>x[i] = keep(i) ? x[i]/(1 − p) : 0. Also the backward (the same mask applied to a gradient).</summary>
    public static void Apply(float* x, long count, float probability, ulong seed, ulong site)
    {
        if (probability <= 0f)
        {
            return;
        }

        float scale = 1f / (1f - probability);
        ulong threshold = (ulong)(probability * 16777216.0);
        ulong key = Mix(seed ^ (site * 0x9E3779B97F4A7C15UL));
        for (long i = 0; i < count; i++)
        {
            x[i] = Keep(key, i, threshold) ? x[i] * scale : 0f;
        }
    }

    /// <summary>y[i] = dropout(y[i]) + residual[i]: the hidden dropout before a residual add.</summary>
    public static void ApplyAndAdd(float* y, float* residual, long count, float probability, ulong seed, ulong site)
    {
        Apply(y, count, probability, seed, site);
        for (long i = 0; i < count; i++)
        {
            y[i] += residual[i];
        }
    }

    /// <summary>dst[i] = dropout(src[i]) without touching src.</summary>
    public static void ApplyTo(float* src, float* dst, long count, float probability, ulong seed, ulong site)
    {
        new ReadOnlySpan<float>(src, checked((int)count)).CopyTo(new Span<float>(dst, checked((int)count)));
        Apply(dst, count, probability, seed, site);
    }

    // A 24-bit uniform from SplitMix64's finaliser of (key + i): kept when it is at or above p·2^24.
    private static bool Keep(ulong key, long i, ulong threshold) => (Mix(key + (ulong)i) >> 40) >= threshold;

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
