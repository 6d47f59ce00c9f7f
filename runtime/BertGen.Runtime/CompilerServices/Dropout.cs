using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Threading;

namespace BertGen.Runtime.CompilerServices;

/// <summary>
/// Counter-based dropout: whether element i of dropout site s is kept is a pure function of
/// (seed, site, i), so the backward regenerates the forward's mask instead of storing it, and a step
/// replayed with the same seed drops the same elements (exact resume). Kept elements are scaled by
/// 1/(1 − p), as torch's inverted dropout.
/// </summary>
/// <remarks>
/// The per-element draw is MurmurHash3's 32-bit finaliser (fmix32) of key ⊕ i·φ, where the key mixes the
/// seed and the site through SplitMix64; its top 24 bits are a uniform integer, kept when ≥ p·2²⁴.
/// fmix32 is a bijection with full avalanche, so neighbouring elements get unrelated bits, and it runs in
/// 16 lanes of Vector512 or 8 of Vector256 (vpmulld) with the scalar tail computing the identical formula: every
/// path keeps and scales the same elements to the same bits.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe class Dropout
{
    /// <summary>φ·2³²: element i of a stream is drawn from key ⊕ i·φ.</summary>
    internal const uint Golden = 0x9E3779B9u;

    /// <summary>Below this many elements per thread dropout runs on the calling thread alone.</summary>
    public const long MinimumElementsPerPart = 1 << 14;

    /// <summary>
    /// x[i] = keep(i) ? x[i]/(1 − p) : 0. Also the backward (the same mask applied to a gradient). Split over
    /// <paramref name="pool"/> when given; the mask depends on the index alone, so the split changes nothing.
    /// </summary>
    public static void Apply(float* x, long count, float probability, ulong seed, ulong site, ComputePool? pool = null) =>
        Apply(x, count, probability, seed, site, pool, VectorWidths.Best);

    internal static void Apply(float* x, long count, float probability, ulong seed, ulong site, ComputePool? pool, VectorWidth width)
    {
        if (probability <= 0f)
        {
            return;
        }

        var work = new Operands { X = x, Probability = probability, Key = Key(seed, site), Width = width };
        ParallelRanges.Run(pool, count, 16, MinimumElementsPerPart, &ApplyRange, &work);
    }

    /// <summary>y[i] = dropout(y[i]) + residual[i]: the hidden dropout before a residual add.</summary>
    public static void ApplyAndAdd(float* y, float* residual, long count, float probability, ulong seed, ulong site, ComputePool? pool = null) =>
        ApplyAndAdd(y, residual, count, probability, seed, site, pool, VectorWidths.Best);

    internal static void ApplyAndAdd(float* y, float* residual, long count, float probability, ulong seed, ulong site, ComputePool? pool, VectorWidth width)
    {
        var work = new Operands { X = y, Residual = residual, Probability = probability, Key = Key(seed, site), Width = width };
        ParallelRanges.Run(pool, count, 16, MinimumElementsPerPart, &ApplyAndAddRange, &work);
    }

    private static void ApplyAndAddRange(void* state, long begin, long end)
    {
        var work = (Operands*)state;
        if (work->Probability > 0f)
        {
            ApplyRange(state, begin, end);
        }

        RowReductions.Add(work->X + begin, work->Residual + begin, end - begin, work->Width);
    }

    // The mask of elements [begin, end): element i's draw depends on i alone, whichever chunk it falls in.
    private static void ApplyRange(void* state, long begin, long end)
    {
        var work = (Operands*)state;
        float* x = work->X;
        float probability = work->Probability;
        uint key = work->Key;
        float scale = 1f / (1f - probability);
        uint threshold = Threshold(probability);
        long i = begin;
        if (work->Width == VectorWidth.Bits512)
        {
            Vector512<uint> lanes = Vector512.Create(0u, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            Vector512<float> scaleV = Vector512.Create(scale);
            for (; i <= end - 16; i += 16)
            {
                Vector512<uint> h = Fmix(Vector512.Create(key) ^ ((Vector512.Create((uint)i) + lanes) * Vector512.Create(Golden)));
                Vector512<float> keep = Vector512.GreaterThanOrEqual(Vector512.ShiftRightLogical(h, 8), Vector512.Create(threshold)).AsSingle();
                (Vector512.Load(x + i) * scaleV & keep).Store(x + i);
            }
        }
        else if (work->Width == VectorWidth.Bits256)
        {
            Vector256<uint> lanes = Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7);
            Vector256<float> scaleV = Vector256.Create(scale);
            for (; i <= end - 8; i += 8)
            {
                Vector256<uint> h = Fmix(Vector256.Create(key) ^ ((Vector256.Create((uint)i) + lanes) * Vector256.Create(Golden)));
                Vector256<float> keep = Vector256.GreaterThanOrEqual(Vector256.ShiftRightLogical(h, 8), Vector256.Create(threshold)).AsSingle();
                (Vector256.Load(x + i) * scaleV & keep).Store(x + i);
            }
        }

        for (; i < end; i++)
        {
            x[i] = (Fmix(key ^ ((uint)i * Golden)) >> 8) >= threshold ? x[i] * scale : 0f;
        }
    }

    /// <summary>dst[i] = dropout(src[i]) without touching src.</summary>
    public static void ApplyTo(float* src, float* dst, long count, float probability, ulong seed, ulong site) =>
        ApplyTo(src, dst, count, probability, seed, site, VectorWidths.Best);

    internal static void ApplyTo(float* src, float* dst, long count, float probability, ulong seed, ulong site, VectorWidth width)
    {
        Buffer.MemoryCopy(src, dst, count * sizeof(float), count * sizeof(float));
        Apply(dst, count, probability, seed, site, null, width);
    }

    /// <summary>The smallest 24-bit draw that keeps an element: p·2²⁴.</summary>
    internal static uint Threshold(float probability) => (uint)(probability * 16777216.0);

    /// <summary>The key of the stream of <paramref name="site"/> (element i is kept when <c>Draw(key ⊕ i·φ) ≥ Threshold(p)</c>).</summary>
    internal static uint Key(ulong seed, ulong site)
    {
        ulong z = seed ^ (site * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (uint)z ^ (uint)(z >> 32);
    }

    /// <summary>The 24-bit uniform draw of a mixed index: the top bits of fmix32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint Draw(uint mixed) => Fmix(mixed) >> 8;

    /// <summary><see cref="Draw(uint)"/> of 16 mixed indices.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<uint> Draw(Vector512<uint> mixed) => Vector512.ShiftRightLogical(Fmix(mixed), 8);

    /// <summary><see cref="Draw(uint)"/> of 8 mixed indices.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<uint> Draw(Vector256<uint> mixed)
    {
        Vector256<uint> h = mixed;
        h ^= Vector256.ShiftRightLogical(h, 16);
        h *= Vector256.Create(0x85EBCA6Bu);
        h ^= Vector256.ShiftRightLogical(h, 13);
        h *= Vector256.Create(0xC2B2AE35u);
        return Vector256.ShiftRightLogical(h ^ Vector256.ShiftRightLogical(h, 16), 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Fmix(uint h)
    {
        h ^= h >> 16;
        h *= 0x85EBCA6Bu;
        h ^= h >> 13;
        h *= 0xC2B2AE35u;
        return h ^ (h >> 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Fmix(Vector256<uint> h)
    {
        h ^= Vector256.ShiftRightLogical(h, 16);
        h *= Vector256.Create(0x85EBCA6Bu);
        h ^= Vector256.ShiftRightLogical(h, 13);
        h *= Vector256.Create(0xC2B2AE35u);
        return h ^ Vector256.ShiftRightLogical(h, 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Fmix(Vector512<uint> h)
    {
        h ^= Vector512.ShiftRightLogical(h, 16);
        h *= Vector512.Create(0x85EBCA6Bu);
        h ^= Vector512.ShiftRightLogical(h, 13);
        h *= Vector512.Create(0xC2B2AE35u);
        return h ^ Vector512.ShiftRightLogical(h, 16);
    }

    // What a chunk of a dropout needs; lives on the dispatching thread's stack during the call.
    private struct Operands
    {
        public float* X;
        public float* Residual;
        public float Probability;
        public uint Key;
        public VectorWidth Width;
    }
}
