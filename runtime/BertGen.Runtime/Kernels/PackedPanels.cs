namespace BertGen.Runtime.Kernels;

/// <summary>
/// The packed layout of a GEMM's B operand (a linear layer's weight, or an activation packed on the fly)
/// and the tile the micro-kernels compute. Independent of the instruction set, so a weight is packed once
/// whichever path runs it.
/// </summary>
/// <remarks>
/// <para>
/// B (logically <c>[K, N]</c>: K the reduction, N the output columns) is cut into panels of
/// <see cref="PanelWidth"/> columns. Panel <c>p</c> holds columns <c>[48p, 48p+48)</c> for every k, stored
/// k-major: <c>packed[(p·K + k)·48 + j] = B[k, 48p + j]</c>. Columns past N are zero, so the micro-kernel
/// never needs an N mask while computing (only when storing). One k-step of the micro-kernel reads 48
/// consecutive floats (three <c>Vector512</c>, 192 bytes, three whole cache lines when the panel is 64-byte
/// aligned), and a K-block of a panel is one contiguous run the hardware prefetcher follows.
/// </para>
/// <para>
/// Tile 8×48: 24 <c>Vector512</c> accumulators + 3 B vectors + 1 broadcast = 28 of the 32 zmm registers.
/// 8 rows divide every BERT token count (128…1024) and 48 divides every BERT-base and MiniLM width
/// (384, 768, 1152, 1536, 2304, 3072), so BERT shapes have no edge tiles at all. Per k-step: 3 vector loads
/// + 8 broadcasts for 24 FMAs, under Zen 5's two loads per FMA pair.
/// </para>
/// </remarks>
internal static class PackedPanels
{
    /// <summary>Columns per packed panel (the micro-kernel's N tile).</summary>
    public const int PanelWidth = 48;

    /// <summary>Rows of A (output rows) per micro-kernel tile.</summary>
    public const int TileRows = 8;

    /// <summary>Number of panels that cover <paramref name="n"/> columns.</summary>
    public static int PanelCount(int n) => (n + PanelWidth - 1) / PanelWidth;

    /// <summary>
    /// Floats a packed B of <paramref name="n"/> columns and reduction length <paramref name="k"/> occupies
    /// (a multiple of 16, so consecutive packed tensors stay 64-byte aligned).
    /// </summary>
    public static long PackedLength(int n, int k)
    {
        if (n <= 0 || k <= 0)
        {
            throw new GemmArgumentException($"Packed panel size needs positive n and k, got n={n}, k={k}.");
        }

        return (long)PanelCount(n) * PanelWidth * k;
    }
}
