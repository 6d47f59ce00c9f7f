using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BertGen.Runtime.CompilerServices;

namespace BertGen.Runtime.Kernels;

/// <summary>
/// The AVX-512 micro-kernel: one tile of up to 8 rows × 48 columns of C, fully unrolled over 24
/// <c>Vector512</c> accumulators held in registers for the whole K loop. Shape-independent: the generated
/// per-shape drivers (and <see cref="Gemm"/>) call it once per tile and K-block.
/// </summary>
internal static unsafe class GemmTileAvx512
{
    /// <summary>
    /// C[0..rows, 0..48) = (loadC ? C : 0) + A[0..rows, 0..k) · Bpanel[0..k, 0..48).
    /// </summary>
    /// <param name="a">A's element (0, 0) of this tile and K-block; read per <typeparamref name="TLayout"/>.</param>
    /// <param name="lda">A's leading dimension in floats.</param>
    /// <param name="b">The packed panel at this K-block: k rows of 48 floats (see <see cref="PackedPanels"/>).</param>
    /// <param name="c">C's element (0, 0) of this tile; 48 columns are written for every row, so a tile
    /// that overhangs N must point at scratch (see <see cref="Gemm"/>).</param>
    /// <param name="ldc">C's leading dimension in floats.</param>
    /// <param name="k">Reduction length of this K-block.</param>
    /// <remarks>
    /// Not inlined, by measurement: with <c>AggressiveInlining</c> the JIT still emitted a call (an inlinee may
    /// not have this many locals), so a constant k from a generated driver cannot reach the loop. It does not
    /// need to: one call covers 24·k FMAs (6144 at k = 256) and the loop test is one fused compare-and-branch.
    /// <c>AggressiveOptimization</c> compiles it fully optimised on first call: under tiering the first
    /// calls otherwise run tier-0 code, which measured 6 GFLOP/s instead of 112 until the background
    /// re-JIT caught up on a loaded machine.
    /// </remarks>
    /// <param name="loadC">Accumulate onto C (a later K-block, or gradient accumulation) instead of overwriting it.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile<TRows, TLayout>(float* a, nint lda, float* b, float* c, nint ldc, int k, bool loadC)
        where TRows : struct, ITileRows
        where TLayout : struct, IOperandLayout
    {
        Vector512<float> c00 = Vector512<float>.Zero, c01 = Vector512<float>.Zero, c02 = Vector512<float>.Zero;
        Vector512<float> c10 = Vector512<float>.Zero, c11 = Vector512<float>.Zero, c12 = Vector512<float>.Zero;
        Vector512<float> c20 = Vector512<float>.Zero, c21 = Vector512<float>.Zero, c22 = Vector512<float>.Zero;
        Vector512<float> c30 = Vector512<float>.Zero, c31 = Vector512<float>.Zero, c32 = Vector512<float>.Zero;
        Vector512<float> c40 = Vector512<float>.Zero, c41 = Vector512<float>.Zero, c42 = Vector512<float>.Zero;
        Vector512<float> c50 = Vector512<float>.Zero, c51 = Vector512<float>.Zero, c52 = Vector512<float>.Zero;
        Vector512<float> c60 = Vector512<float>.Zero, c61 = Vector512<float>.Zero, c62 = Vector512<float>.Zero;
        Vector512<float> c70 = Vector512<float>.Zero, c71 = Vector512<float>.Zero, c72 = Vector512<float>.Zero;
        if (loadC)
        {
            c00 = Vector512.Load(c);
            c01 = Vector512.Load(c + 16);
            c02 = Vector512.Load(c + 32);

            if (TRows.Count > 1)
            {
                c10 = Vector512.Load(c + ldc);
                c11 = Vector512.Load(c + ldc + 16);
                c12 = Vector512.Load(c + ldc + 32);
            }

            if (TRows.Count > 2)
            {
                c20 = Vector512.Load(c + ldc * 2);
                c21 = Vector512.Load(c + ldc * 2 + 16);
                c22 = Vector512.Load(c + ldc * 2 + 32);
            }

            if (TRows.Count > 3)
            {
                c30 = Vector512.Load(c + ldc * 3);
                c31 = Vector512.Load(c + ldc * 3 + 16);
                c32 = Vector512.Load(c + ldc * 3 + 32);
            }

            if (TRows.Count > 4)
            {
                c40 = Vector512.Load(c + ldc * 4);
                c41 = Vector512.Load(c + ldc * 4 + 16);
                c42 = Vector512.Load(c + ldc * 4 + 32);
            }

            if (TRows.Count > 5)
            {
                c50 = Vector512.Load(c + ldc * 5);
                c51 = Vector512.Load(c + ldc * 5 + 16);
                c52 = Vector512.Load(c + ldc * 5 + 32);
            }

            if (TRows.Count > 6)
            {
                c60 = Vector512.Load(c + ldc * 6);
                c61 = Vector512.Load(c + ldc * 6 + 16);
                c62 = Vector512.Load(c + ldc * 6 + 32);
            }

            if (TRows.Count > 7)
            {
                c70 = Vector512.Load(c + ldc * 7);
                c71 = Vector512.Load(c + ldc * 7 + 16);
                c72 = Vector512.Load(c + ldc * 7 + 32);
            }
        }

        if (TLayout.IsTransposed)
        {
            // A transposed: the 8 values of one k sit side by side, one pointer walks down k.
            for (int p = 0; p < k; p++)
            {
                Vector512<float> b0 = Vector512.Load(b);
                Vector512<float> b1 = Vector512.Load(b + 16);
                Vector512<float> b2 = Vector512.Load(b + 32);
                Vector512<float> x = Vector512.Create(a[0]);
                c00 = Avx512F.FusedMultiplyAdd(x, b0, c00);
                c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
                c02 = Avx512F.FusedMultiplyAdd(x, b2, c02);
                if (TRows.Count > 1)
                {
                    x = Vector512.Create(a[1]);
                    c10 = Avx512F.FusedMultiplyAdd(x, b0, c10);
                    c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
                    c12 = Avx512F.FusedMultiplyAdd(x, b2, c12);
                }

                if (TRows.Count > 2)
                {
                    x = Vector512.Create(a[2]);
                    c20 = Avx512F.FusedMultiplyAdd(x, b0, c20);
                    c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
                    c22 = Avx512F.FusedMultiplyAdd(x, b2, c22);
                }

                if (TRows.Count > 3)
                {
                    x = Vector512.Create(a[3]);
                    c30 = Avx512F.FusedMultiplyAdd(x, b0, c30);
                    c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
                    c32 = Avx512F.FusedMultiplyAdd(x, b2, c32);
                }

                if (TRows.Count > 4)
                {
                    x = Vector512.Create(a[4]);
                    c40 = Avx512F.FusedMultiplyAdd(x, b0, c40);
                    c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
                    c42 = Avx512F.FusedMultiplyAdd(x, b2, c42);
                }

                if (TRows.Count > 5)
                {
                    x = Vector512.Create(a[5]);
                    c50 = Avx512F.FusedMultiplyAdd(x, b0, c50);
                    c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
                    c52 = Avx512F.FusedMultiplyAdd(x, b2, c52);
                }

                if (TRows.Count > 6)
                {
                    x = Vector512.Create(a[6]);
                    c60 = Avx512F.FusedMultiplyAdd(x, b0, c60);
                    c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
                    c62 = Avx512F.FusedMultiplyAdd(x, b2, c62);
                }

                if (TRows.Count > 7)
                {
                    x = Vector512.Create(a[7]);
                    c70 = Avx512F.FusedMultiplyAdd(x, b0, c70);
                    c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
                    c72 = Avx512F.FusedMultiplyAdd(x, b2, c72);
                }

                a += lda;
                b += PackedPanels.PanelWidth;
            }
        }
        else
        {
            // A row-major: one pointer per row, all indexed by p, so the loop has one counter.
            float* a0 = a;
            float* a1 = a + lda;
            float* a2 = a + (lda * 2);
            float* a3 = a + (lda * 3);
            float* a4 = a + (lda * 4);
            float* a5 = a + (lda * 5);
            float* a6 = a + (lda * 6);
            float* a7 = a + (lda * 7);
            for (nint p = 0; p < k; p++)
            {
                Vector512<float> b0 = Vector512.Load(b);
                Vector512<float> b1 = Vector512.Load(b + 16);
                Vector512<float> b2 = Vector512.Load(b + 32);
                Vector512<float> x = Vector512.Create(a0[p]);
                c00 = Avx512F.FusedMultiplyAdd(x, b0, c00);
                c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
                c02 = Avx512F.FusedMultiplyAdd(x, b2, c02);
                if (TRows.Count > 1)
                {
                    x = Vector512.Create(a1[p]);
                    c10 = Avx512F.FusedMultiplyAdd(x, b0, c10);
                    c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
                    c12 = Avx512F.FusedMultiplyAdd(x, b2, c12);
                }

                if (TRows.Count > 2)
                {
                    x = Vector512.Create(a2[p]);
                    c20 = Avx512F.FusedMultiplyAdd(x, b0, c20);
                    c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
                    c22 = Avx512F.FusedMultiplyAdd(x, b2, c22);
                }

                if (TRows.Count > 3)
                {
                    x = Vector512.Create(a3[p]);
                    c30 = Avx512F.FusedMultiplyAdd(x, b0, c30);
                    c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
                    c32 = Avx512F.FusedMultiplyAdd(x, b2, c32);
                }

                if (TRows.Count > 4)
                {
                    x = Vector512.Create(a4[p]);
                    c40 = Avx512F.FusedMultiplyAdd(x, b0, c40);
                    c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
                    c42 = Avx512F.FusedMultiplyAdd(x, b2, c42);
                }

                if (TRows.Count > 5)
                {
                    x = Vector512.Create(a5[p]);
                    c50 = Avx512F.FusedMultiplyAdd(x, b0, c50);
                    c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
                    c52 = Avx512F.FusedMultiplyAdd(x, b2, c52);
                }

                if (TRows.Count > 6)
                {
                    x = Vector512.Create(a6[p]);
                    c60 = Avx512F.FusedMultiplyAdd(x, b0, c60);
                    c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
                    c62 = Avx512F.FusedMultiplyAdd(x, b2, c62);
                }

                if (TRows.Count > 7)
                {
                    x = Vector512.Create(a7[p]);
                    c70 = Avx512F.FusedMultiplyAdd(x, b0, c70);
                    c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
                    c72 = Avx512F.FusedMultiplyAdd(x, b2, c72);
                }

                b += PackedPanels.PanelWidth;
            }
        }

        Vector512.Store(c00, c);
        Vector512.Store(c01, c + 16);
        Vector512.Store(c02, c + 32);

        if (TRows.Count > 1)
        {
            Vector512.Store(c10, c + ldc);
            Vector512.Store(c11, c + ldc + 16);
            Vector512.Store(c12, c + ldc + 32);
        }

        if (TRows.Count > 2)
        {
            Vector512.Store(c20, c + ldc * 2);
            Vector512.Store(c21, c + ldc * 2 + 16);
            Vector512.Store(c22, c + ldc * 2 + 32);
        }

        if (TRows.Count > 3)
        {
            Vector512.Store(c30, c + ldc * 3);
            Vector512.Store(c31, c + ldc * 3 + 16);
            Vector512.Store(c32, c + ldc * 3 + 32);
        }

        if (TRows.Count > 4)
        {
            Vector512.Store(c40, c + ldc * 4);
            Vector512.Store(c41, c + ldc * 4 + 16);
            Vector512.Store(c42, c + ldc * 4 + 32);
        }

        if (TRows.Count > 5)
        {
            Vector512.Store(c50, c + ldc * 5);
            Vector512.Store(c51, c + ldc * 5 + 16);
            Vector512.Store(c52, c + ldc * 5 + 32);
        }

        if (TRows.Count > 6)
        {
            Vector512.Store(c60, c + ldc * 6);
            Vector512.Store(c61, c + ldc * 6 + 16);
            Vector512.Store(c62, c + ldc * 6 + 32);
        }

        if (TRows.Count > 7)
        {
            Vector512.Store(c70, c + ldc * 7);
            Vector512.Store(c71, c + ldc * 7 + 16);
            Vector512.Store(c72, c + ldc * 7 + 32);
        }
    }

    /// <summary>
    /// The edge kernel for a panel with at most 32 real columns (the last panel of N = 128, 176, …; a 32-wide
    /// attention head): C[0..rows, 0..32) = (loadC ? C : 0) + A · Bpanel[0..k, 0..32), reading only the first two
    /// vectors of each 48-wide packed row, so the zero padding costs no FMAs. Arguments as for
    /// <see cref="Tile{TRows, TLayout}"/>; 32 columns are written.
    /// </summary>
    /// <param name="a">A's element (0, 0) of this tile and K-block.</param>
    /// <param name="lda">A's leading dimension in floats.</param>
    /// <param name="b">The packed panel at this K-block.</param>
    /// <param name="c">C's element (0, 0) of this tile.</param>
    /// <param name="ldc">C's leading dimension in floats.</param>
    /// <param name="k">Reduction length of this K-block.</param>
    /// <param name="loadC">Accumulate onto C instead of overwriting it.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile32<TRows, TLayout>(float* a, nint lda, float* b, float* c, nint ldc, int k, bool loadC)
        where TRows : struct, ITileRows
        where TLayout : struct, IOperandLayout
    {
        Vector512<float> c00 = Vector512<float>.Zero, c01 = Vector512<float>.Zero;
        Vector512<float> c10 = Vector512<float>.Zero, c11 = Vector512<float>.Zero;
        Vector512<float> c20 = Vector512<float>.Zero, c21 = Vector512<float>.Zero;
        Vector512<float> c30 = Vector512<float>.Zero, c31 = Vector512<float>.Zero;
        Vector512<float> c40 = Vector512<float>.Zero, c41 = Vector512<float>.Zero;
        Vector512<float> c50 = Vector512<float>.Zero, c51 = Vector512<float>.Zero;
        Vector512<float> c60 = Vector512<float>.Zero, c61 = Vector512<float>.Zero;
        Vector512<float> c70 = Vector512<float>.Zero, c71 = Vector512<float>.Zero;
        if (loadC)
        {
            c00 = Vector512.Load(c);
            c01 = Vector512.Load(c + 16);

            if (TRows.Count > 1)
            {
                c10 = Vector512.Load(c + ldc);
                c11 = Vector512.Load(c + ldc + 16);
            }

            if (TRows.Count > 2)
            {
                c20 = Vector512.Load(c + ldc * 2);
                c21 = Vector512.Load(c + ldc * 2 + 16);
            }

            if (TRows.Count > 3)
            {
                c30 = Vector512.Load(c + ldc * 3);
                c31 = Vector512.Load(c + ldc * 3 + 16);
            }

            if (TRows.Count > 4)
            {
                c40 = Vector512.Load(c + ldc * 4);
                c41 = Vector512.Load(c + ldc * 4 + 16);
            }

            if (TRows.Count > 5)
            {
                c50 = Vector512.Load(c + ldc * 5);
                c51 = Vector512.Load(c + ldc * 5 + 16);
            }

            if (TRows.Count > 6)
            {
                c60 = Vector512.Load(c + ldc * 6);
                c61 = Vector512.Load(c + ldc * 6 + 16);
            }

            if (TRows.Count > 7)
            {
                c70 = Vector512.Load(c + ldc * 7);
                c71 = Vector512.Load(c + ldc * 7 + 16);
            }
        }

        if (TLayout.IsTransposed)
        {
            // A transposed: the 8 values of one k sit side by side, one pointer walks down k.
            for (int p = 0; p < k; p++)
            {
                Vector512<float> b0 = Vector512.Load(b);
                Vector512<float> b1 = Vector512.Load(b + 16);
                Vector512<float> x = Vector512.Create(a[0]);
                c00 = Avx512F.FusedMultiplyAdd(x, b0, c00);
                c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
                if (TRows.Count > 1)
                {
                    x = Vector512.Create(a[1]);
                    c10 = Avx512F.FusedMultiplyAdd(x, b0, c10);
                    c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
                }

                if (TRows.Count > 2)
                {
                    x = Vector512.Create(a[2]);
                    c20 = Avx512F.FusedMultiplyAdd(x, b0, c20);
                    c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
                }

                if (TRows.Count > 3)
                {
                    x = Vector512.Create(a[3]);
                    c30 = Avx512F.FusedMultiplyAdd(x, b0, c30);
                    c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
                }

                if (TRows.Count > 4)
                {
                    x = Vector512.Create(a[4]);
                    c40 = Avx512F.FusedMultiplyAdd(x, b0, c40);
                    c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
                }

                if (TRows.Count > 5)
                {
                    x = Vector512.Create(a[5]);
                    c50 = Avx512F.FusedMultiplyAdd(x, b0, c50);
                    c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
                }

                if (TRows.Count > 6)
                {
                    x = Vector512.Create(a[6]);
                    c60 = Avx512F.FusedMultiplyAdd(x, b0, c60);
                    c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
                }

                if (TRows.Count > 7)
                {
                    x = Vector512.Create(a[7]);
                    c70 = Avx512F.FusedMultiplyAdd(x, b0, c70);
                    c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
                }

                a += lda;
                b += PackedPanels.PanelWidth;
            }
        }
        else
        {
            // A row-major: one pointer per row, all indexed by p, so the loop has one counter.
            float* a0 = a;
            float* a1 = a + lda;
            float* a2 = a + (lda * 2);
            float* a3 = a + (lda * 3);
            float* a4 = a + (lda * 4);
            float* a5 = a + (lda * 5);
            float* a6 = a + (lda * 6);
            float* a7 = a + (lda * 7);
            for (nint p = 0; p < k; p++)
            {
                Vector512<float> b0 = Vector512.Load(b);
                Vector512<float> b1 = Vector512.Load(b + 16);
                Vector512<float> x = Vector512.Create(a0[p]);
                c00 = Avx512F.FusedMultiplyAdd(x, b0, c00);
                c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
                if (TRows.Count > 1)
                {
                    x = Vector512.Create(a1[p]);
                    c10 = Avx512F.FusedMultiplyAdd(x, b0, c10);
                    c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
                }

                if (TRows.Count > 2)
                {
                    x = Vector512.Create(a2[p]);
                    c20 = Avx512F.FusedMultiplyAdd(x, b0, c20);
                    c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
                }

                if (TRows.Count > 3)
                {
                    x = Vector512.Create(a3[p]);
                    c30 = Avx512F.FusedMultiplyAdd(x, b0, c30);
                    c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
                }

                if (TRows.Count > 4)
                {
                    x = Vector512.Create(a4[p]);
                    c40 = Avx512F.FusedMultiplyAdd(x, b0, c40);
                    c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
                }

                if (TRows.Count > 5)
                {
                    x = Vector512.Create(a5[p]);
                    c50 = Avx512F.FusedMultiplyAdd(x, b0, c50);
                    c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
                }

                if (TRows.Count > 6)
                {
                    x = Vector512.Create(a6[p]);
                    c60 = Avx512F.FusedMultiplyAdd(x, b0, c60);
                    c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
                }

                if (TRows.Count > 7)
                {
                    x = Vector512.Create(a7[p]);
                    c70 = Avx512F.FusedMultiplyAdd(x, b0, c70);
                    c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
                }

                b += PackedPanels.PanelWidth;
            }
        }

        Vector512.Store(c00, c);
        Vector512.Store(c01, c + 16);

        if (TRows.Count > 1)
        {
            Vector512.Store(c10, c + ldc);
            Vector512.Store(c11, c + ldc + 16);
        }

        if (TRows.Count > 2)
        {
            Vector512.Store(c20, c + ldc * 2);
            Vector512.Store(c21, c + ldc * 2 + 16);
        }

        if (TRows.Count > 3)
        {
            Vector512.Store(c30, c + ldc * 3);
            Vector512.Store(c31, c + ldc * 3 + 16);
        }

        if (TRows.Count > 4)
        {
            Vector512.Store(c40, c + ldc * 4);
            Vector512.Store(c41, c + ldc * 4 + 16);
        }

        if (TRows.Count > 5)
        {
            Vector512.Store(c50, c + ldc * 5);
            Vector512.Store(c51, c + ldc * 5 + 16);
        }

        if (TRows.Count > 6)
        {
            Vector512.Store(c60, c + ldc * 6);
            Vector512.Store(c61, c + ldc * 6 + 16);
        }

        if (TRows.Count > 7)
        {
            Vector512.Store(c70, c + ldc * 7);
            Vector512.Store(c71, c + ldc * 7 + 16);
        }
    }

    /// <summary>
    /// The edge kernel for a panel with at most 16 real columns (the second panel of a 64-wide attention head
    /// in P·V): reads only the first vector of each packed row and writes 16 columns. Arguments as for
    /// <see cref="Tile{TRows, TLayout}"/>.
    /// </summary>
    /// <param name="a">A's element (0, 0) of this tile and K-block.</param>
    /// <param name="lda">A's leading dimension in floats.</param>
    /// <param name="b">The packed panel at this K-block.</param>
    /// <param name="c">C's element (0, 0) of this tile.</param>
    /// <param name="ldc">C's leading dimension in floats.</param>
    /// <param name="k">Reduction length of this K-block.</param>
    /// <param name="loadC">Accumulate onto C instead of overwriting it.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile16<TRows, TLayout>(float* a, nint lda, float* b, float* c, nint ldc, int k, bool loadC)
        where TRows : struct, ITileRows
        where TLayout : struct, IOperandLayout
    {
        Vector512<float> c00 = Vector512<float>.Zero;
        Vector512<float> c10 = Vector512<float>.Zero;
        Vector512<float> c20 = Vector512<float>.Zero;
        Vector512<float> c30 = Vector512<float>.Zero;
        Vector512<float> c40 = Vector512<float>.Zero;
        Vector512<float> c50 = Vector512<float>.Zero;
        Vector512<float> c60 = Vector512<float>.Zero;
        Vector512<float> c70 = Vector512<float>.Zero;
        if (loadC)
        {
            c00 = Vector512.Load(c);

            if (TRows.Count > 1)
            {
                c10 = Vector512.Load(c + ldc);
            }

            if (TRows.Count > 2)
            {
                c20 = Vector512.Load(c + ldc * 2);
            }

            if (TRows.Count > 3)
            {
                c30 = Vector512.Load(c + ldc * 3);
            }

            if (TRows.Count > 4)
            {
                c40 = Vector512.Load(c + ldc * 4);
            }

            if (TRows.Count > 5)
            {
                c50 = Vector512.Load(c + ldc * 5);
            }

            if (TRows.Count > 6)
            {
                c60 = Vector512.Load(c + ldc * 6);
            }

            if (TRows.Count > 7)
            {
                c70 = Vector512.Load(c + ldc * 7);
            }
        }

        if (TLayout.IsTransposed)
        {
            // A transposed: the 8 values of one k sit side by side, one pointer walks down k.
            for (int p = 0; p < k; p++)
            {
                Vector512<float> b0 = Vector512.Load(b);
                Vector512<float> x = Vector512.Create(a[0]);
                c00 = Avx512F.FusedMultiplyAdd(x, b0, c00);
                if (TRows.Count > 1)
                {
                    x = Vector512.Create(a[1]);
                    c10 = Avx512F.FusedMultiplyAdd(x, b0, c10);
                }

                if (TRows.Count > 2)
                {
                    x = Vector512.Create(a[2]);
                    c20 = Avx512F.FusedMultiplyAdd(x, b0, c20);
                }

                if (TRows.Count > 3)
                {
                    x = Vector512.Create(a[3]);
                    c30 = Avx512F.FusedMultiplyAdd(x, b0, c30);
                }

                if (TRows.Count > 4)
                {
                    x = Vector512.Create(a[4]);
                    c40 = Avx512F.FusedMultiplyAdd(x, b0, c40);
                }

                if (TRows.Count > 5)
                {
                    x = Vector512.Create(a[5]);
                    c50 = Avx512F.FusedMultiplyAdd(x, b0, c50);
                }

                if (TRows.Count > 6)
                {
                    x = Vector512.Create(a[6]);
                    c60 = Avx512F.FusedMultiplyAdd(x, b0, c60);
                }

                if (TRows.Count > 7)
                {
                    x = Vector512.Create(a[7]);
                    c70 = Avx512F.FusedMultiplyAdd(x, b0, c70);
                }

                a += lda;
                b += PackedPanels.PanelWidth;
            }
        }
        else
        {
            // A row-major: one pointer per row, all indexed by p, so the loop has one counter.
            float* a0 = a;
            float* a1 = a + lda;
            float* a2 = a + (lda * 2);
            float* a3 = a + (lda * 3);
            float* a4 = a + (lda * 4);
            float* a5 = a + (lda * 5);
            float* a6 = a + (lda * 6);
            float* a7 = a + (lda * 7);
            for (nint p = 0; p < k; p++)
            {
                Vector512<float> b0 = Vector512.Load(b);
                Vector512<float> x = Vector512.Create(a0[p]);
                c00 = Avx512F.FusedMultiplyAdd(x, b0, c00);
                if (TRows.Count > 1)
                {
                    x = Vector512.Create(a1[p]);
                    c10 = Avx512F.FusedMultiplyAdd(x, b0, c10);
                }

                if (TRows.Count > 2)
                {
                    x = Vector512.Create(a2[p]);
                    c20 = Avx512F.FusedMultiplyAdd(x, b0, c20);
                }

                if (TRows.Count > 3)
                {
                    x = Vector512.Create(a3[p]);
                    c30 = Avx512F.FusedMultiplyAdd(x, b0, c30);
                }

                if (TRows.Count > 4)
                {
                    x = Vector512.Create(a4[p]);
                    c40 = Avx512F.FusedMultiplyAdd(x, b0, c40);
                }

                if (TRows.Count > 5)
                {
                    x = Vector512.Create(a5[p]);
                    c50 = Avx512F.FusedMultiplyAdd(x, b0, c50);
                }

                if (TRows.Count > 6)
                {
                    x = Vector512.Create(a6[p]);
                    c60 = Avx512F.FusedMultiplyAdd(x, b0, c60);
                }

                if (TRows.Count > 7)
                {
                    x = Vector512.Create(a7[p]);
                    c70 = Avx512F.FusedMultiplyAdd(x, b0, c70);
                }

                b += PackedPanels.PanelWidth;
            }
        }

        Vector512.Store(c00, c);

        if (TRows.Count > 1)
        {
            Vector512.Store(c10, c + ldc);
        }

        if (TRows.Count > 2)
        {
            Vector512.Store(c20, c + ldc * 2);
        }

        if (TRows.Count > 3)
        {
            Vector512.Store(c30, c + ldc * 3);
        }

        if (TRows.Count > 4)
        {
            Vector512.Store(c40, c + ldc * 4);
        }

        if (TRows.Count > 5)
        {
            Vector512.Store(c50, c + ldc * 5);
        }

        if (TRows.Count > 6)
        {
            Vector512.Store(c60, c + ldc * 6);
        }

        if (TRows.Count > 7)
        {
            Vector512.Store(c70, c + ldc * 7);
        }
    }
}
