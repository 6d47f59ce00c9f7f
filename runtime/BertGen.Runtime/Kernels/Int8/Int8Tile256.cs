using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BertGen.Runtime.Kernels.Int8;

/// <summary>
/// The 256-bit int8 micro-kernel: one tile of up to 8 rows × 48 columns of C from quantised A rows and one
/// packed panel (<see cref="QuantizedPanels"/>), computed as four 4×24 sub-tiles. A sub-tile keeps 12
/// <c>Vector256&lt;int&gt;</c> accumulators + 3 B vectors + 1 broadcast = 16 registers, all AVX-VNNI has without
/// AVX-512 (VEX encodes ymm0–15 only); the JIT also keeps VPDPBUSD's accumulators in ymm0–15 when AVX-512 is there,
/// so a wider tile moves the extra ones through a register every iteration (an 8×24 tile: 91–95% of the VPDPBUSD
/// ceiling on L1 data, this one 99%, Zen 5). At two VPDPBUSD per cycle 12 independent accumulators cover its
/// latency, and per k-group 3 + 4 loads feed 12 instructions.
/// </summary>
/// <remarks>
/// Generic over the dot product (<see cref="VnniDot"/>, <see cref="SplitActivationDot"/>): one body, a kernel per
/// instruction set. A 512-bit VNNI kernel (.NET 11) would be a sibling computing the whole 8×48 tile with 24
/// <c>Vector512</c> accumulators over the same bytes.
/// </remarks>
internal static unsafe class Int8Tile256
{
    /// <summary>
    /// acc[0..rows, 0..48) = (loadC ? C as int32 : 0) + A[0..rows, 0..4·groups) · panel, then stored to C as
    /// int32 bit patterns (a K-block that is not the last) or, when <paramref name="output"/> is given, as the
    /// dequantised floats (see <see cref="Int8TileOutput"/>).
    /// </summary>
    /// <param name="a">Quantised A at this tile's first row and K-block; rows <paramref name="lda"/> bytes apart.</param>
    /// <param name="lda">Bytes between A rows.</param>
    /// <param name="b">The packed panel at this K-block: <paramref name="groups"/> runs of 192 bytes.</param>
    /// <param name="c">C at the tile's first element; all 48 columns are written.</param>
    /// <param name="ldc">C's leading dimension in elements.</param>
    /// <param name="groups">k-groups (4 k each) in this K-block.</param>
    /// <param name="loadC">Add onto the int32 partial sums C holds from the previous K-blocks.</param>
    /// <param name="output">Null for a partial K-block; the tile's scales and sums for the last.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile<TRows, TDot, TActivation>(byte* a, nint lda, sbyte* b, float* c, nint ldc, int groups, bool loadC, Int8TileOutput* output)
        where TRows : struct, ITileRows
        where TDot : struct, IInt8Dot<TActivation>
        where TActivation : struct
    {
        const int Half = QuantizedPanels.PanelWidth / 2;
        Int8TileOutput right = output == null ? default : output->SkipColumns(Half);
        SubTile<LowerHalf<TRows>, TDot, TActivation>(a, lda, b, c, ldc, groups, loadC, output);
        SubTile<LowerHalf<TRows>, TDot, TActivation>(a, lda, b + (Half * 4), c + Half, ldc, groups, loadC, output == null ? null : &right);
        if (TRows.Count > 4)
        {
            Int8TileOutput lower = output == null ? default : output->SkipRows(4);
            Int8TileOutput lowerRight = output == null ? default : right.SkipRows(4);
            a += lda * 4;
            c += ldc * 4;
            SubTile<UpperHalf<TRows>, TDot, TActivation>(a, lda, b, c, ldc, groups, loadC, output == null ? null : &lower);
            SubTile<UpperHalf<TRows>, TDot, TActivation>(a, lda, b + (Half * 4), c + Half, ldc, groups, loadC, output == null ? null : &lowerRight);
        }
    }

    // One 4×24 sub-tile; b points at its first column inside the panel's 192-byte k-groups.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SubTile<TRows, TDot, TActivation>(byte* a, nint lda, sbyte* b, float* c, nint ldc, int groups, bool loadC, Int8TileOutput* output)
        where TRows : struct, ITileRows
        where TDot : struct, IInt8Dot<TActivation>
        where TActivation : struct
    {
        Vector256<int> c00 = Vector256<int>.Zero, c01 = Vector256<int>.Zero, c02 = Vector256<int>.Zero;
        Vector256<int> c10 = Vector256<int>.Zero, c11 = Vector256<int>.Zero, c12 = Vector256<int>.Zero;
        Vector256<int> c20 = Vector256<int>.Zero, c21 = Vector256<int>.Zero, c22 = Vector256<int>.Zero;
        Vector256<int> c30 = Vector256<int>.Zero, c31 = Vector256<int>.Zero, c32 = Vector256<int>.Zero;
        int* ci = (int*)c;
        if (loadC)
        {
            c00 = Vector256.Load(ci);
            c01 = Vector256.Load(ci + 8);
            c02 = Vector256.Load(ci + 16);
            if (TRows.Count > 1)
            {
                c10 = Vector256.Load(ci + ldc);
                c11 = Vector256.Load(ci + ldc + 8);
                c12 = Vector256.Load(ci + ldc + 16);
            }

            if (TRows.Count > 2)
            {
                c20 = Vector256.Load(ci + (ldc * 2));
                c21 = Vector256.Load(ci + (ldc * 2) + 8);
                c22 = Vector256.Load(ci + (ldc * 2) + 16);
            }

            if (TRows.Count > 3)
            {
                c30 = Vector256.Load(ci + (ldc * 3));
                c31 = Vector256.Load(ci + (ldc * 3) + 8);
                c32 = Vector256.Load(ci + (ldc * 3) + 16);
            }
        }

        byte* a0 = a;
        byte* a1 = a + lda;
        byte* a2 = a + (lda * 2);
        byte* a3 = a + (lda * 3);
        for (nint g = 0; g < groups; g++)
        {
            Vector256<sbyte> b0 = Vector256.Load(b);
            Vector256<sbyte> b1 = Vector256.Load(b + 32);
            Vector256<sbyte> b2 = Vector256.Load(b + 64);
            TActivation x = TDot.Broadcast(a0 + (g * 4));
            c00 = TDot.Add(c00, x, b0);
            c01 = TDot.Add(c01, x, b1);
            c02 = TDot.Add(c02, x, b2);
            if (TRows.Count > 1)
            {
                x = TDot.Broadcast(a1 + (g * 4));
                c10 = TDot.Add(c10, x, b0);
                c11 = TDot.Add(c11, x, b1);
                c12 = TDot.Add(c12, x, b2);
            }

            if (TRows.Count > 2)
            {
                x = TDot.Broadcast(a2 + (g * 4));
                c20 = TDot.Add(c20, x, b0);
                c21 = TDot.Add(c21, x, b1);
                c22 = TDot.Add(c22, x, b2);
            }

            if (TRows.Count > 3)
            {
                x = TDot.Broadcast(a3 + (g * 4));
                c30 = TDot.Add(c30, x, b0);
                c31 = TDot.Add(c31, x, b1);
                c32 = TDot.Add(c32, x, b2);
            }

            b += QuantizedPanels.GroupBytes;
        }

        if (output == null)
        {
            StoreSums(c00, c01, c02, ci);
            if (TRows.Count > 1)
            {
                StoreSums(c10, c11, c12, ci + ldc);
            }

            if (TRows.Count > 2)
            {
                StoreSums(c20, c21, c22, ci + (ldc * 2));
            }

            if (TRows.Count > 3)
            {
                StoreSums(c30, c31, c32, ci + (ldc * 3));
            }

            return;
        }

        Vector256<int> sum0 = Vector256.Load(output->ColumnSums);
        Vector256<int> sum1 = Vector256.Load(output->ColumnSums + 8);
        Vector256<int> sum2 = Vector256.Load(output->ColumnSums + 16);
        Vector256<float> scale0 = Vector256.Load(output->ColumnScales);
        Vector256<float> scale1 = Vector256.Load(output->ColumnScales + 8);
        Vector256<float> scale2 = Vector256.Load(output->ColumnScales + 16);
        StoreDequantized(c00, c01, c02, sum0, sum1, sum2, scale0, scale1, scale2, output, 0, c);
        if (TRows.Count > 1)
        {
            StoreDequantized(c10, c11, c12, sum0, sum1, sum2, scale0, scale1, scale2, output, 1, c + ldc);
        }

        if (TRows.Count > 2)
        {
            StoreDequantized(c20, c21, c22, sum0, sum1, sum2, scale0, scale1, scale2, output, 2, c + (ldc * 2));
        }

        if (TRows.Count > 3)
        {
            StoreDequantized(c30, c31, c32, sum0, sum1, sum2, scale0, scale1, scale2, output, 3, c + (ldc * 3));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreSums(Vector256<int> s0, Vector256<int> s1, Vector256<int> s2, int* c)
    {
        Vector256.Store(s0, c);
        Vector256.Store(s1, c + 8);
        Vector256.Store(s2, c + 16);
    }

    // One row of 24: float(acc − zp·Σq) · (scaleA · scaleW), then + bias, then + residual: the order Int8TileOutput fixes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreDequantized(Vector256<int> s0, Vector256<int> s1, Vector256<int> s2, Vector256<int> sum0, Vector256<int> sum1, Vector256<int> sum2,
        Vector256<float> scale0, Vector256<float> scale1, Vector256<float> scale2, Int8TileOutput* output, int row, float* c)
    {
        Vector256<int> zp = Vector256.Create(output->RowZeroPoints[row]);
        Vector256<float> sa = Vector256.Create(output->RowScales[row]);
        Vector256<float> v0 = Vector256.ConvertToSingle(s0 - (zp * sum0)) * (sa * scale0);
        Vector256<float> v1 = Vector256.ConvertToSingle(s1 - (zp * sum1)) * (sa * scale1);
        Vector256<float> v2 = Vector256.ConvertToSingle(s2 - (zp * sum2)) * (sa * scale2);
        if (output->Bias != null)
        {
            v0 += Vector256.Load(output->Bias);
            v1 += Vector256.Load(output->Bias + 8);
            v2 += Vector256.Load(output->Bias + 16);
        }

        if (output->Residual != null)
        {
            float* residual = output->Residual + (row * output->ResidualStride);
            v0 += Vector256.Load(residual);
            v1 += Vector256.Load(residual + 8);
            v2 += Vector256.Load(residual + 16);
        }

        Vector256.Store(v0, c);
        Vector256.Store(v1, c + 8);
        Vector256.Store(v2, c + 16);
    }
}
