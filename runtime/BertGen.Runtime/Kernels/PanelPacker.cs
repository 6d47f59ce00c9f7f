using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BertGen.Runtime.Kernels;

/// <summary>
/// Packs a GEMM's B operand into the panel layout of <see cref="PackedPanels"/>: once for a weight (at load
/// time, and again after each optimizer step in training), or on the fly for an activation operand (the keys
/// of attention scores, V of the context product, X of a weight gradient).
/// </summary>
public static unsafe class PanelPacker
{
    /// <summary>
    /// Packs B given as <c>[N, K]</c> row-major, the HuggingFace linear weight layout <c>[out, in]</c> (also
    /// the keys in Q·Kᵀ). Packs panels <c>[panelBegin, panelEnd)</c> only, so threads can each pack the
    /// panels they will multiply; pass 0 and <see cref="PackedPanels.PanelCount"/> for all.
    /// </summary>
    /// <param name="n">Output columns N (rows of the stored weight).</param>
    /// <param name="k">Reduction length K (columns of the stored weight).</param>
    /// <param name="source">Element (j, kk) at <c>source[j·ldSource + kk]</c>.</param>
    /// <param name="ldSource">Leading dimension of <paramref name="source"/>, at least <paramref name="k"/>.</param>
    /// <param name="packed">Destination of <see cref="PackedPanels.PackedLength"/>(n, k) floats.</param>
    /// <param name="panelBegin">First panel to pack.</param>
    /// <param name="panelEnd">One past the last panel to pack.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackTransposed(int n, int k, float* source, nint ldSource, float* packed, int panelBegin, int panelEnd)
    {
        Validate(n, k, source, ldSource, k, packed, panelBegin, panelEnd);
        const int W = PackedPanels.PanelWidth;
        for (int panel = panelBegin; panel < panelEnd; panel++)
        {
            float* dst = packed + ((long)panel * k * W);
            int columns = Math.Min(W, n - (panel * W));

            // Walk 16 K values of every column at a time: each source row is read in cache-line runs and
            // the 16×48 destination block (3 KB) stays in L1 while it is filled column by column.
            for (int k0 = 0; k0 < k; k0 += 16)
            {
                int kLen = Math.Min(16, k - k0);
                for (int j = 0; j < columns; j++)
                {
                    float* src = source + ((long)((panel * W) + j) * ldSource) + k0;
                    float* d = dst + ((long)k0 * W) + j;
                    for (int kk = 0; kk < kLen; kk++)
                    {
                        d[kk * W] = src[kk];
                    }
                }

                for (int j = columns; j < W; j++)
                {
                    float* d = dst + ((long)k0 * W) + j;
                    for (int kk = 0; kk < kLen; kk++)
                    {
                        d[kk * W] = 0f;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Packs B given as <c>[K, N]</c> row-major (V in P·V, a weight read as <c>[in, out]</c> in dX = dY·W,
    /// the input X in dW += dYᵀ·X). Packs panels <c>[panelBegin, panelEnd)</c> only.
    /// </summary>
    /// <param name="n">Output columns N (columns of the stored matrix).</param>
    /// <param name="k">Reduction length K (rows of the stored matrix).</param>
    /// <param name="source">Element (kk, j) at <c>source[kk·ldSource + j]</c>.</param>
    /// <param name="ldSource">Leading dimension of <paramref name="source"/>, at least <paramref name="n"/>.</param>
    /// <param name="packed">Destination of <see cref="PackedPanels.PackedLength"/>(n, k) floats.</param>
    /// <param name="panelBegin">First panel to pack.</param>
    /// <param name="panelEnd">One past the last panel to pack.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackDirect(int n, int k, float* source, nint ldSource, float* packed, int panelBegin, int panelEnd)
    {
        Validate(n, k, source, ldSource, n, packed, panelBegin, panelEnd);
        const int W = PackedPanels.PanelWidth;
        for (int panel = panelBegin; panel < panelEnd; panel++)
        {
            float* dst = packed + ((long)panel * k * W);
            int col0 = panel * W;
            int columns = Math.Min(W, n - col0);
            if (columns == W)
            {
                // A full panel row is three contiguous vectors: a straight copy.
                for (int kk = 0; kk < k; kk++)
                {
                    float* src = source + ((long)kk * ldSource) + col0;
                    float* d = dst + ((long)kk * W);
                    Vector128.Store(Vector128.Load(src), d);
                    Vector128.Store(Vector128.Load(src + 4), d + 4);
                    Vector128.Store(Vector128.Load(src + 8), d + 8);
                    Vector128.Store(Vector128.Load(src + 12), d + 12);
                    Vector128.Store(Vector128.Load(src + 16), d + 16);
                    Vector128.Store(Vector128.Load(src + 20), d + 20);
                    Vector128.Store(Vector128.Load(src + 24), d + 24);
                    Vector128.Store(Vector128.Load(src + 28), d + 28);
                    Vector128.Store(Vector128.Load(src + 32), d + 32);
                    Vector128.Store(Vector128.Load(src + 36), d + 36);
                    Vector128.Store(Vector128.Load(src + 40), d + 40);
                    Vector128.Store(Vector128.Load(src + 44), d + 44);
                }
            }
            else
            {
                for (int kk = 0; kk < k; kk++)
                {
                    float* src = source + ((long)kk * ldSource) + col0;
                    float* d = dst + ((long)kk * W);
                    int j = 0;
                    for (; j < columns; j++)
                    {
                        d[j] = src[j];
                    }

                    for (; j < W; j++)
                    {
                        d[j] = 0f;
                    }
                }
            }
        }
    }

    private static void Validate(int n, int k, float* source, nint ldSource, int minLd, float* packed, int panelBegin, int panelEnd)
    {
        if (n <= 0 || k <= 0)
        {
            throw new GemmArgumentException($"Packing needs positive n and k, got n={n}, k={k}.");
        }

        if (source == null || packed == null)
        {
            throw new GemmArgumentException("Packing got a null source or destination pointer.");
        }

        if (ldSource < minLd)
        {
            throw new GemmArgumentException($"Packing source leading dimension {ldSource} is shorter than a row of {minLd}.");
        }

        if (panelBegin < 0 || panelEnd > PackedPanels.PanelCount(n) || panelBegin > panelEnd)
        {
            throw new GemmArgumentException($"Panel range [{panelBegin}, {panelEnd}) is outside the {PackedPanels.PanelCount(n)} panels of n={n}.");
        }
    }
}
