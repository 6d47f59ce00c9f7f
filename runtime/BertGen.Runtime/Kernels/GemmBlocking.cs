using BertGen.Runtime.CompilerServices;

namespace BertGen.Runtime.Kernels;

/// <summary>
/// The cache blocking of <see cref="Gemm"/>'s loop nest (the K-blocks decide each element's summation order).
/// </summary>
/// <remarks>
/// Loop nest of one thread's part (a range of panels, or a range of 8-row tiles), outermost first:
/// <code>
/// for each row block (RowBlock rows of A, re-read by every panel: 128 KB per K-block, from L2)
///   for each panel p (48 columns of packed B)
///     for each K-block [k0, k0 + KBlock)   (B's KBlock × 48 slice, 48 KB, is re-used by every row tile)
///       for each 8-row tile of the row block
///         full tile:  GemmTileAvx512.Tile&lt;Rows8, RowMajorA&gt;(a, lda, b, c, ldc, kLen, loadC: k0 &gt; 0 || accumulate)
///         otherwise:  Gemm.EdgeTile(path, aTransposed, rows, cols, a, lda, b, c, ldc, kLen, loadC)
///         after the last K-block: epilogue.ApplyToTile(c, ldc, row0, rows, col0, cols, path)
/// </code>
/// The K-blocks fix the order in which each C element is summed, so a driver that keeps them (and keeps
/// <c>loadC</c> as above) is bitwise equal to <see cref="Gemm"/>; the row blocks and the panel order only
/// change which cache a tile's operands come from.
/// </remarks>
internal static class GemmBlocking
{
    /// <summary>K-block length: the packed panel slice KBlock × 48 floats is re-used from L1 by every row tile.</summary>
    public const int KBlock = 256;

    /// <summary>
    /// Rows of A per row block, a multiple of 8: bounds the A rows every panel re-reads (RowBlock × KBlock =
    /// 128 KB per K-block) so that for long token counts (512, 1024) they come from L2, not L3.
    /// </summary>
    public const int RowBlock = 128;
}
