using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BertGen.Runtime.Kernels;

/// <summary>
/// The AVX2+FMA micro-kernel for the same 8×48 tile and packed layout as <see cref="GemmTileAvx512"/>.
/// AVX2 has 16 ymm registers, so the tile is computed as four 4×24 sub-tiles: 12 <c>Vector256</c>
/// accumulators + 3 B vectors + 1 broadcast = all 16 registers. Each sub-tile reads its A rows again from L1.
/// </summary>
internal static unsafe class GemmTileAvx2
{
    /// <summary>
    /// C[0..rows, 0..48) = (loadC ? C : 0) + A[0..rows, 0..k) · Bpanel[0..k, 0..48); arguments as for
    /// <see cref="GemmTileAvx512.Tile{TRows, TLayout}"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile<TRows, TLayout>(float* a, nint lda, float* b, float* c, nint ldc, int k, bool loadC)
        where TRows : struct, ITileRows
        where TLayout : struct, IOperandLayout
    {
        nint rowStep = TLayout.IsTransposed ? 4 : lda * 4;
        SubTile<LowerHalf<TRows>, TLayout>(a, lda, b, c, ldc, k, loadC);
        SubTile<LowerHalf<TRows>, TLayout>(a, lda, b + 24, c + 24, ldc, k, loadC);
        if (TRows.Count > 4)
        {
            SubTile<UpperHalf<TRows>, TLayout>(a + rowStep, lda, b, c + (ldc * 4), ldc, k, loadC);
            SubTile<UpperHalf<TRows>, TLayout>(a + rowStep, lda, b + 24, c + (ldc * 4) + 24, ldc, k, loadC);
        }
    }

    // One 4×24 sub-tile; b points at its first column inside the 48-wide panel. Not inlined (the JIT
    // declines, as for the AVX-512 kernel), so compiled fully optimised from the first call.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SubTile<TRows, TLayout>(float* a, nint lda, float* b, float* c, nint ldc, int k, bool loadC)
        where TRows : struct, ITileRows
        where TLayout : struct, IOperandLayout
    {
        Vector256<float> c00 = Vector256<float>.Zero, c01 = Vector256<float>.Zero, c02 = Vector256<float>.Zero;
        Vector256<float> c10 = Vector256<float>.Zero, c11 = Vector256<float>.Zero, c12 = Vector256<float>.Zero;
        Vector256<float> c20 = Vector256<float>.Zero, c21 = Vector256<float>.Zero, c22 = Vector256<float>.Zero;
        Vector256<float> c30 = Vector256<float>.Zero, c31 = Vector256<float>.Zero, c32 = Vector256<float>.Zero;
        if (loadC)
        {
            c00 = Vector256.Load(c);
            c01 = Vector256.Load(c + 8);
            c02 = Vector256.Load(c + 16);

            if (TRows.Count > 1)
            {
                c10 = Vector256.Load(c + ldc);
                c11 = Vector256.Load(c + ldc + 8);
                c12 = Vector256.Load(c + ldc + 16);
            }

            if (TRows.Count > 2)
            {
                c20 = Vector256.Load(c + ldc * 2);
                c21 = Vector256.Load(c + ldc * 2 + 8);
                c22 = Vector256.Load(c + ldc * 2 + 16);
            }

            if (TRows.Count > 3)
            {
                c30 = Vector256.Load(c + ldc * 3);
                c31 = Vector256.Load(c + ldc * 3 + 8);
                c32 = Vector256.Load(c + ldc * 3 + 16);
            }
        }

        if (TLayout.IsTransposed)
        {
            for (int p = 0; p < k; p++)
            {
                Vector256<float> b0 = Vector256.Load(b);
                Vector256<float> b1 = Vector256.Load(b + 8);
                Vector256<float> b2 = Vector256.Load(b + 16);
                Vector256<float> x = Vector256.Create(a[0]);
                c00 = Fma.MultiplyAdd(x, b0, c00);
                c01 = Fma.MultiplyAdd(x, b1, c01);
                c02 = Fma.MultiplyAdd(x, b2, c02);
                if (TRows.Count > 1)
                {
                    x = Vector256.Create(a[1]);
                    c10 = Fma.MultiplyAdd(x, b0, c10);
                    c11 = Fma.MultiplyAdd(x, b1, c11);
                    c12 = Fma.MultiplyAdd(x, b2, c12);
                }

                if (TRows.Count > 2)
                {
                    x = Vector256.Create(a[2]);
                    c20 = Fma.MultiplyAdd(x, b0, c20);
                    c21 = Fma.MultiplyAdd(x, b1, c21);
                    c22 = Fma.MultiplyAdd(x, b2, c22);
                }

                if (TRows.Count > 3)
                {
                    x = Vector256.Create(a[3]);
                    c30 = Fma.MultiplyAdd(x, b0, c30);
                    c31 = Fma.MultiplyAdd(x, b1, c31);
                    c32 = Fma.MultiplyAdd(x, b2, c32);
                }

                a += lda;
                b += PackedPanels.PanelWidth;
            }
        }
        else
        {
            float* a0 = a;
            float* a1 = a + lda;
            float* a2 = a + (lda * 2);
            float* a3 = a + (lda * 3);
            for (nint p = 0; p < k; p++)
            {
                Vector256<float> b0 = Vector256.Load(b);
                Vector256<float> b1 = Vector256.Load(b + 8);
                Vector256<float> b2 = Vector256.Load(b + 16);
                Vector256<float> x = Vector256.Create(a0[p]);
                c00 = Fma.MultiplyAdd(x, b0, c00);
                c01 = Fma.MultiplyAdd(x, b1, c01);
                c02 = Fma.MultiplyAdd(x, b2, c02);
                if (TRows.Count > 1)
                {
                    x = Vector256.Create(a1[p]);
                    c10 = Fma.MultiplyAdd(x, b0, c10);
                    c11 = Fma.MultiplyAdd(x, b1, c11);
                    c12 = Fma.MultiplyAdd(x, b2, c12);
                }

                if (TRows.Count > 2)
                {
                    x = Vector256.Create(a2[p]);
                    c20 = Fma.MultiplyAdd(x, b0, c20);
                    c21 = Fma.MultiplyAdd(x, b1, c21);
                    c22 = Fma.MultiplyAdd(x, b2, c22);
                }

                if (TRows.Count > 3)
                {
                    x = Vector256.Create(a3[p]);
                    c30 = Fma.MultiplyAdd(x, b0, c30);
                    c31 = Fma.MultiplyAdd(x, b1, c31);
                    c32 = Fma.MultiplyAdd(x, b2, c32);
                }

                b += PackedPanels.PanelWidth;
            }
        }

        Vector256.Store(c00, c);
        Vector256.Store(c01, c + 8);
        Vector256.Store(c02, c + 16);

        if (TRows.Count > 1)
        {
            Vector256.Store(c10, c + ldc);
            Vector256.Store(c11, c + ldc + 8);
            Vector256.Store(c12, c + ldc + 16);
        }

        if (TRows.Count > 2)
        {
            Vector256.Store(c20, c + ldc * 2);
            Vector256.Store(c21, c + ldc * 2 + 8);
            Vector256.Store(c22, c + ldc * 2 + 16);
        }

        if (TRows.Count > 3)
        {
            Vector256.Store(c30, c + ldc * 3);
            Vector256.Store(c31, c + ldc * 3 + 8);
            Vector256.Store(c32, c + ldc * 3 + 16);
        }
    }
}
