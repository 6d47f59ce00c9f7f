using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BertGen.Runtime.Kernels.Attention;

/// <summary>
/// A block of up to 32 rows of a head (Q or dO), transposed into [columns, 32] with the rows in the lanes, as the
/// scores tile reads it. By 8×8 squares in AVX registers (8 loads, 24 shuffles, 8 stores per 64 floats, the
/// textbook unpack / shuffle / 128-bit-permute sequence) where the machine has AVX; element by element otherwise and
/// for the column tail. Pure data movement: every path writes the same bits.
/// </summary>
internal static unsafe class BlockTranspose
{
    /// <summary>dst[d·32 + r] = src[r·ld + d] for r &lt; rows, d &lt; columns; rows past <paramref name="rows"/> are zero.</summary>
    public static void ToLanes(float* src, nint ld, int rows, int columns, float* dst)
    {
        const int block = AttentionGeometry.RowBlock;
        int d0 = 0;
        if (Avx.IsSupported)
        {
            for (; d0 <= columns - 8; d0 += 8)
            {
                for (int r0 = 0; r0 < block; r0 += 8)
                {
                    Square(src + (r0 * ld) + d0, ld, rows - r0, dst + (d0 * block) + r0);
                }
            }
        }

        for (int r = 0; r < block; r++)
        {
            float* row = src + (r * ld);
            for (int d = d0; d < columns; d++)
            {
                dst[(d * block) + r] = r < rows ? row[d] : 0f;
            }
        }
    }

    // One 8×8 square; rows at or past `rows` read as zero.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Square(float* src, nint ld, int rows, float* dst)
    {
        const int block = AttentionGeometry.RowBlock;
        Vector256<float> r0 = Row(src, ld, 0, rows), r1 = Row(src, ld, 1, rows), r2 = Row(src, ld, 2, rows), r3 = Row(src, ld, 3, rows);
        Vector256<float> r4 = Row(src, ld, 4, rows), r5 = Row(src, ld, 5, rows), r6 = Row(src, ld, 6, rows), r7 = Row(src, ld, 7, rows);

        // Interleave pairs of rows, then pairs of pairs: each 128-bit half then holds 4 rows of one column.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE), u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE), u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);

        // Join the halves: rows 0–3 from u, rows 4–7 from the matching u of the second four.
        Avx.Permute2x128(u0, u4, 0x20).Store(dst);
        Avx.Permute2x128(u1, u5, 0x20).Store(dst + block);
        Avx.Permute2x128(u2, u6, 0x20).Store(dst + (2 * block));
        Avx.Permute2x128(u3, u7, 0x20).Store(dst + (3 * block));
        Avx.Permute2x128(u0, u4, 0x31).Store(dst + (4 * block));
        Avx.Permute2x128(u1, u5, 0x31).Store(dst + (5 * block));
        Avx.Permute2x128(u2, u6, 0x31).Store(dst + (6 * block));
        Avx.Permute2x128(u3, u7, 0x31).Store(dst + (7 * block));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Row(float* src, nint ld, int r, int rows) => r < rows ? Vector256.Load(src + (r * ld)) : Vector256<float>.Zero;
}
