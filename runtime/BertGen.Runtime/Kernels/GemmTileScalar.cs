using System.Runtime.CompilerServices;

namespace BertGen.Runtime.Kernels;

/// <summary>
/// The portable micro-kernel for the same 8×48 tile and packed layout as <see cref="GemmTileAvx512"/>, for
/// machines without AVX2. Plain float multiply-add, one row at a time with a 48-float accumulator row, so the
/// inner loop runs over contiguous panel columns and auto-vectorises where the JIT can.
/// </summary>
internal static unsafe class GemmTileScalar
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
        const int Width = PackedPanels.PanelWidth;
        float* acc = stackalloc float[Width];
        for (int r = 0; r < TRows.Count; r++)
        {
            float* cRow = c + (r * ldc);
            for (int j = 0; j < Width; j++)
            {
                acc[j] = loadC ? cRow[j] : 0f;
            }

            float* bk = b;
            for (int p = 0; p < k; p++)
            {
                float x = TLayout.IsTransposed ? a[(p * lda) + r] : a[(r * lda) + p];
                for (int j = 0; j < Width; j++)
                {
                    acc[j] += x * bk[j];
                }

                bk += Width;
            }

            for (int j = 0; j < Width; j++)
            {
                cRow[j] = acc[j];
            }
        }
    }
}
