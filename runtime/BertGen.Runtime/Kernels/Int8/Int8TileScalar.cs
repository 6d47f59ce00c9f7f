using System.Runtime.CompilerServices;

namespace BertGen.Runtime.Kernels.Int8;

/// <summary>
/// The portable int8 micro-kernel for the same tile, packed layout and output as <see cref="Int8Tile256"/>:
/// plain int32 multiply-adds, one row at a time with a 48-lane accumulator row.
/// </summary>
internal static unsafe class Int8TileScalar
{
    /// <summary>Arguments as for <see cref="Int8Tile256.Tile{TRows, TDot, TActivation}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile<TRows>(byte* a, nint lda, sbyte* b, float* c, nint ldc, int groups, bool loadC, Int8TileOutput* output)
        where TRows : struct, ITileRows
    {
        const int Width = QuantizedPanels.PanelWidth;
        int* acc = stackalloc int[Width];
        for (int r = 0; r < TRows.Count; r++)
        {
            int* cRow = (int*)(c + (r * ldc));
            for (int j = 0; j < Width; j++)
            {
                acc[j] = loadC ? cRow[j] : 0;
            }

            byte* aRow = a + (r * lda);
            sbyte* bk = b;
            for (int g = 0; g < groups; g++)
            {
                int a0 = aRow[4 * g], a1 = aRow[(4 * g) + 1], a2 = aRow[(4 * g) + 2], a3 = aRow[(4 * g) + 3];
                for (int j = 0; j < Width; j++)
                {
                    sbyte* q = bk + (4 * j);
                    acc[j] += (a0 * q[0]) + (a1 * q[1]) + (a2 * q[2]) + (a3 * q[3]);
                }

                bk += QuantizedPanels.GroupBytes;
            }

            if (output == null)
            {
                for (int j = 0; j < Width; j++)
                {
                    cRow[j] = acc[j];
                }

                continue;
            }

            int zeroPoint = output->RowZeroPoints[r];
            float rowScale = output->RowScales[r];
            float* cOut = c + (r * ldc);
            float* residual = output->Residual == null ? null : output->Residual + (r * output->ResidualStride);
            for (int j = 0; j < Width; j++)
            {
                float v = (float)(acc[j] - (zeroPoint * output->ColumnSums[j])) * (rowScale * output->ColumnScales[j]);
                if (output->Bias != null)
                {
                    v += output->Bias[j];
                }

                if (residual != null)
                {
                    v += residual[j];
                }

                cOut[j] = v;
            }
        }
    }
}
