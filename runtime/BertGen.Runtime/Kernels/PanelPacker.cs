using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BertGen.Runtime.Kernels;

/// <summary>
/// Packs a GEMM's B operand into the panel layout of <see cref="PackedPanels"/>: once for a weight (at load
/// time, and again after each optimizer step in training), or on the fly for an activation operand (the keys
/// of attention scores, V of the context product, X of a weight gradient).
/// </summary>
internal static unsafe class PanelPacker
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
        PackRows(n, k, new StridedRows(source, ldSource), packed, panelBegin, panelEnd);
    }

    /// <summary>
    /// Packs B given as <c>[N, K]</c> whose rows live anywhere: row j (output column j, <paramref name="k"/>
    /// contiguous floats) at <c>rows[j]</c>. For a fused layer (Q, K, V stacked along N) packed straight from
    /// the tensors, without stacking them in a scratch copy first. The same layout and values as
    /// <see cref="PackTransposed"/> of the stacked matrix. Packs panels <c>[panelBegin, panelEnd)</c> only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackTransposedRows(int n, int k, nint* rows, float* packed, int panelBegin, int panelEnd)
    {
        if (rows == null)
        {
            throw new GemmArgumentException("Packing got a null row-pointer table.");
        }

        Validate(n, k, (float*)rows[0], k, k, packed, panelBegin, panelEnd);
        PackRows(n, k, new TableRows(rows), packed, panelBegin, panelEnd);
    }

    // The [N, K] packing loop over any row source: 8 source rows (output columns) × 8 K values at a time,
    // transposed in registers, so each source row is read and each packed row written in 32-byte runs.
    private static void PackRows<TRows>(int n, int k, TRows source, float* packed, int panelBegin, int panelEnd)
        where TRows : struct, IRowSource
    {
        const int W = PackedPanels.PanelWidth;
        for (int panel = panelBegin; panel < panelEnd; panel++)
        {
            float* dst = packed + ((long)panel * k * W);
            int col0 = panel * W;
            int columns = Math.Min(W, n - col0);
            int j = 0;
            if (Avx.IsSupported)
            {
                for (; j + 8 <= columns; j += 8)
                {
                    float* s0 = source.Row(col0 + j), s1 = source.Row(col0 + j + 1), s2 = source.Row(col0 + j + 2), s3 = source.Row(col0 + j + 3);
                    float* s4 = source.Row(col0 + j + 4), s5 = source.Row(col0 + j + 5), s6 = source.Row(col0 + j + 6), s7 = source.Row(col0 + j + 7);
                    int kk = 0;
                    for (; kk + 8 <= k; kk += 8)
                    {
                        Transpose8x8(s0 + kk, s1 + kk, s2 + kk, s3 + kk, s4 + kk, s5 + kk, s6 + kk, s7 + kk, dst + ((long)kk * W) + j);
                    }

                    for (; kk < k; kk++)
                    {
                        for (int jj = 0; jj < 8; jj++)
                        {
                            dst[((long)kk * W) + j + jj] = source.Row(col0 + j + jj)[kk];
                        }
                    }
                }
            }

            for (; j < columns; j++)
            {
                float* src = source.Row(col0 + j);
                for (int kk = 0; kk < k; kk++)
                {
                    dst[((long)kk * W) + j] = src[kk];
                }
            }

            for (int kk = 0; kk < k && columns < W; kk++)
            {
                new Span<float>(dst + ((long)kk * W) + columns, W - columns).Clear();
            }
        }
    }

    // Writes the transpose of the 8×8 block whose rows start at s0…s7 to 8 packed rows of 48 floats:
    // unpack pairs of rows, shuffle pairs of pairs, then swap 128-bit halves (the standard AVX sequence).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* s0, float* s1, float* s2, float* s3, float* s4, float* s5, float* s6, float* s7, float* dst)
    {
        const int W = PackedPanels.PanelWidth;
        Vector256<float> r0 = Avx.LoadVector256(s0);
        Vector256<float> r1 = Avx.LoadVector256(s1);
        Vector256<float> r2 = Avx.LoadVector256(s2);
        Vector256<float> r3 = Avx.LoadVector256(s3);
        Vector256<float> r4 = Avx.LoadVector256(s4);
        Vector256<float> r5 = Avx.LoadVector256(s5);
        Vector256<float> r6 = Avx.LoadVector256(s6);
        Vector256<float> r7 = Avx.LoadVector256(s7);
        Vector256<float> t0 = Avx.UnpackLow(r0, r1);
        Vector256<float> t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3);
        Vector256<float> t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5);
        Vector256<float> t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7);
        Vector256<float> t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44);
        Vector256<float> u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44);
        Vector256<float> u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44);
        Vector256<float> u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44);
        Vector256<float> u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + W, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + (2 * W), Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + (3 * W), Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + (4 * W), Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + (5 * W), Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + (6 * W), Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + (7 * W), Avx.Permute2x128(u3, u7, 0x31));
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
                for (int kk = 0; kk < k; kk++)
                {
                    CopyPanelRow(source + ((long)kk * ldSource) + col0, dst + ((long)kk * W));
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

    // A full panel row, 48 contiguous floats: three cache lines, copied as three whole lines where 64-byte vectors are
    // accelerated (on a cold source 23–53% less than 16-byte copies, bench/README, "Packing B").
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyPanelRow(float* source, float* destination)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512.Store(Vector512.Load(source), destination);
            Vector512.Store(Vector512.Load(source + 16), destination + 16);
            Vector512.Store(Vector512.Load(source + 32), destination + 32);
            return;
        }

        for (int j = 0; j < PackedPanels.PanelWidth; j += 4)
        {
            Vector128.Store(Vector128.Load(source + j), destination + j);
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

    // Where row j of a [N, K] source starts: generic so the JIT specialises the packing loop for each.
    private interface IRowSource
    {
        float* Row(int j);
    }

    private readonly struct StridedRows(float* source, nint ld) : IRowSource
    {
        public float* Row(int j) => source + ((long)j * ld);
    }

    private readonly struct TableRows(nint* rows) : IRowSource
    {
        public float* Row(int j) => (float*)rows[j];
    }
}
