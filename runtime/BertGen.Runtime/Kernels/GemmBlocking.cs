namespace BertGen.Runtime.Kernels;

/// <summary>
/// The cache blocking of <see cref="Gemm"/>'s loop nest, public so generated per-shape drivers can mirror it
/// with constant bounds and produce bitwise the same results (the K-blocks decide the summation order).
/// </summary>
/// <remarks>
/// Loop nest, outermost first:
/// <code>
/// for each row block of KBlock… (M in blocks of RowBlock rows)
///   for each panel p (48 columns of packed B)
///     for each K-block [k0, k0 + KBlock)         // B's KBlock×48 slice (≤ 48 KB) stays in L1
///       for each 8-row tile in the row block      // A's rows stream from L2
///         micro-kernel; after the last K-block, the epilogue on the tile
/// </code>
/// </remarks>
public static class GemmBlocking
{
    /// <summary>K-block length: the packed panel slice KBlock × 48 floats is re-used from L1 by every row tile.</summary>
    public const int KBlock = 256;

    /// <summary>Rows of A per row block, a multiple of 8: the block's A (RowBlock × K) stays in L2 across panels.</summary>
    public const int RowBlock = 128;
}
