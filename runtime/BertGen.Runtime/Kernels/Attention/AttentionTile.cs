using System.Runtime.CompilerServices;

namespace BertGen.Runtime.Kernels.Attention;

/// <summary>
/// The one product form every attention step is made of: C[i, 0..2w) = epilogue(Σ_p A(i, p)·B[p, 0..2w)) for a tile
/// of up to 8 rows and two vectors of w lanes, with A read through two strides, A(i, p) = a[i·rowStride + p·kStride],
/// and broadcast one element at a time. B's rows and C's rows are contiguous vectors. The attention kernels keep
/// the query rows of a block in the vector lanes (scores as Sᵀ [keys, queries]), so every operand they need is
/// either a row of the fused QKV activation read in place or a block they wrote themselves: nothing of K or V is
/// packed or transposed.
/// </summary>
/// <remarks>
/// Measured alone with L1/L2-resident operands (bench <c>-- attention</c>, first lines) the tile runs at the FMA
/// ceiling in all three forms the kernels use: the 8 broadcasts and 2 loads per 16 FMAs stay under the load ports.
/// </remarks>
internal static unsafe class AttentionTile
{
    /// <summary>
    /// C[0..m, 0..columnPairs·2w) = epilogue(A·B) over tiles of <c>L.TileRows</c> rows and one vector pair; the last
    /// tile of rows takes the remainder.
    /// </summary>
    /// <param name="m">Rows of C (and of A).</param>
    /// <param name="columnPairs">Pairs of vectors in a row of B and C.</param>
    /// <param name="a">A(0, 0).</param>
    /// <param name="rowStride">Floats from A(i, p) to A(i + 1, p).</param>
    /// <param name="kStride">Floats from A(i, p) to A(i, p + 1).</param>
    /// <param name="k">Reduction length.</param>
    /// <param name="b">B, k rows of at least columnPairs·2w floats.</param>
    /// <param name="ldb">B's leading dimension in floats.</param>
    /// <param name="c">C, m rows.</param>
    /// <param name="ldc">C's leading dimension in floats.</param>
    /// <param name="epilogue">What happens to each row of the product.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply<L, V>(int m, int columnPairs, float* a, nint rowStride, nint kStride, int k, float* b, nint ldb, float* c, nint ldc, in TileEpilogue epilogue)
        where L : struct, IAttentionLanes<V>
        where V : unmanaged
    {
        int pairWidth = 2 * L.Count;
        for (int pair = 0; pair < columnPairs; pair++)
        {
            float* bp = b + (pair * pairWidth);
            float* columnMax = epilogue.ColumnMax + (pair * pairWidth);
            for (int i = 0; i < m; i += L.TileRows)
            {
                float* ai = a + (i * rowStride);
                float* ci = c + (i * ldc) + (pair * pairWidth);
                float* rowValues = epilogue.RowValues + i;
                switch (System.Math.Min(L.TileRows, m - i))
                {
                    case 8:
                        Tile<L, V, Rows8>(ai, rowStride, kStride, k, bp, ldb, ci, ldc, epilogue, rowValues, columnMax);
                        break;
                    case 7:
                        Tile<L, V, Rows7>(ai, rowStride, kStride, k, bp, ldb, ci, ldc, epilogue, rowValues, columnMax);
                        break;
                    case 6:
                        Tile<L, V, Rows6>(ai, rowStride, kStride, k, bp, ldb, ci, ldc, epilogue, rowValues, columnMax);
                        break;
                    case 5:
                        Tile<L, V, Rows5>(ai, rowStride, kStride, k, bp, ldb, ci, ldc, epilogue, rowValues, columnMax);
                        break;
                    case 4:
                        Tile<L, V, Rows4>(ai, rowStride, kStride, k, bp, ldb, ci, ldc, epilogue, rowValues, columnMax);
                        break;
                    case 3:
                        Tile<L, V, Rows3>(ai, rowStride, kStride, k, bp, ldb, ci, ldc, epilogue, rowValues, columnMax);
                        break;
                    case 2:
                        Tile<L, V, Rows2>(ai, rowStride, kStride, k, bp, ldb, ci, ldc, epilogue, rowValues, columnMax);
                        break;
                    default:
                        Tile<L, V, Rows1>(ai, rowStride, kStride, k, bp, ldb, ci, ldc, epilogue, rowValues, columnMax);
                        break;
                }
            }
        }
    }

    /// <summary>One tile: <typeparamref name="TRows"/> rows of C, two vectors wide, accumulators in registers for the whole k loop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<L, V, TRows>(float* a, nint rowStride, nint kStride, int k, float* b, nint ldb, float* c, nint ldc,
        in TileEpilogue epilogue, float* rowValues, float* columnMax)
        where L : struct, IAttentionLanes<V>
        where V : unmanaged
        where TRows : struct, ITileRows
    {
        V c00 = L.Zero, c01 = L.Zero;
        V c10 = L.Zero, c11 = L.Zero;
        V c20 = L.Zero, c21 = L.Zero;
        V c30 = L.Zero, c31 = L.Zero;
        V c40 = L.Zero, c41 = L.Zero;
        V c50 = L.Zero, c51 = L.Zero;
        V c60 = L.Zero, c61 = L.Zero;
        V c70 = L.Zero, c71 = L.Zero;
        nint r1 = rowStride * 1, r2 = rowStride * 2, r3 = rowStride * 3, r4 = rowStride * 4, r5 = rowStride * 5, r6 = rowStride * 6, r7 = rowStride * 7;
        for (int p = 0; p < k; p++, a += kStride, b += ldb)
        {
            V b0 = L.Load(b), b1 = L.Load(b + L.Count);
            V x;
            x = L.Splat(a[0]);
            c00 = L.Fma(x, b0, c00);
            c01 = L.Fma(x, b1, c01);

            if (TRows.Count > 1)
            {
                x = L.Splat(a[r1]);
                c10 = L.Fma(x, b0, c10);
                c11 = L.Fma(x, b1, c11);
            }

            if (TRows.Count > 2)
            {
                x = L.Splat(a[r2]);
                c20 = L.Fma(x, b0, c20);
                c21 = L.Fma(x, b1, c21);
            }

            if (TRows.Count > 3)
            {
                x = L.Splat(a[r3]);
                c30 = L.Fma(x, b0, c30);
                c31 = L.Fma(x, b1, c31);
            }

            if (TRows.Count > 4)
            {
                x = L.Splat(a[r4]);
                c40 = L.Fma(x, b0, c40);
                c41 = L.Fma(x, b1, c41);
            }

            if (TRows.Count > 5)
            {
                x = L.Splat(a[r5]);
                c50 = L.Fma(x, b0, c50);
                c51 = L.Fma(x, b1, c51);
            }

            if (TRows.Count > 6)
            {
                x = L.Splat(a[r6]);
                c60 = L.Fma(x, b0, c60);
                c61 = L.Fma(x, b1, c61);
            }

            if (TRows.Count > 7)
            {
                x = L.Splat(a[r7]);
                c70 = L.Fma(x, b0, c70);
                c71 = L.Fma(x, b1, c71);
            }
        }

        V max0 = L.Splat(float.MinValue), max1 = max0;
        Finish<L, V>(c00, c01, c, epilogue, rowValues + 0, ref max0, ref max1);

        if (TRows.Count > 1)
        {
            Finish<L, V>(c10, c11, c + (ldc * 1), epilogue, rowValues + 1, ref max0, ref max1);
        }

        if (TRows.Count > 2)
        {
            Finish<L, V>(c20, c21, c + (ldc * 2), epilogue, rowValues + 2, ref max0, ref max1);
        }

        if (TRows.Count > 3)
        {
            Finish<L, V>(c30, c31, c + (ldc * 3), epilogue, rowValues + 3, ref max0, ref max1);
        }

        if (TRows.Count > 4)
        {
            Finish<L, V>(c40, c41, c + (ldc * 4), epilogue, rowValues + 4, ref max0, ref max1);
        }

        if (TRows.Count > 5)
        {
            Finish<L, V>(c50, c51, c + (ldc * 5), epilogue, rowValues + 5, ref max0, ref max1);
        }

        if (TRows.Count > 6)
        {
            Finish<L, V>(c60, c61, c + (ldc * 6), epilogue, rowValues + 6, ref max0, ref max1);
        }

        if (TRows.Count > 7)
        {
            Finish<L, V>(c70, c71, c + (ldc * 7), epilogue, rowValues + 7, ref max0, ref max1);
        }

        if (epilogue.Kind == TileEpilogueKind.Scores)
        {
            L.Store(L.Max(L.Load(columnMax), max0), columnMax);
            L.Store(L.Max(L.Load(columnMax + L.Count), max1), columnMax + L.Count);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish<L, V>(V c0, V c1, float* c, in TileEpilogue epilogue, float* rowValue, ref V max0, ref V max1)
        where L : struct, IAttentionLanes<V>
        where V : unmanaged
    {
        switch (epilogue.Kind)
        {
            case TileEpilogueKind.Accumulate:
                c0 = L.Add(L.Load(c), c0);
                c1 = L.Add(L.Load(c + L.Count), c1);
                break;
            case TileEpilogueKind.Scores:
                V scale = L.Splat(epilogue.Scale), bias = L.Splat(*rowValue);
                c0 = L.Fma(c0, scale, bias);
                c1 = L.Fma(c1, scale, bias);
                max0 = L.Max(max0, c0);
                max1 = L.Max(max1, c1);
                break;
            case TileEpilogueKind.ScaleRows:
                V factor = L.Splat(*rowValue);
                c0 = L.Multiply(c0, factor);
                c1 = L.Multiply(c1, factor);
                break;
        }

        L.Store(c0, c);
        L.Store(c1, c + L.Count);
    }
}
