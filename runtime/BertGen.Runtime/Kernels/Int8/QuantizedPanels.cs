namespace BertGen.Runtime.Kernels.Int8;

/// <summary>
/// The packed layout of an int8 linear weight: what <see cref="Int8LinearPacker"/> writes and
/// <see cref="Int8Gemm.Linear"/> reads. One contiguous block per layer, 64-byte aligned throughout, so the
/// generator can place layers back to back at offsets it computes from <see cref="PackedBytes"/>.
/// </summary>
/// <remarks>
/// <para>
/// The weight <c>W[n, k]</c> (HF <c>[out, in]</c>) is quantised per output channel n: <c>W ≈ scale[n]·q[n, k]</c>,
/// <c>q</c> signed 8-bit in [−127, 127]. K is padded with zeros to a multiple of <see cref="GroupDepth"/> = 4,
/// because VPDPBUSD multiplies four consecutive bytes of A with four of B and adds them into one int32 lane.
/// </para>
/// <para>
/// Values: panels of <see cref="PanelWidth"/> = 48 output columns (as the fp32 <see cref="PackedPanels"/>), each
/// k-group-major: byte <c>((p·G + g)·48 + j)·4 + t</c> holds <c>q[48p + j, 4g + t]</c>, G = padded K / 4. One
/// k-group of a panel is 192 contiguous bytes: six 256-bit vectors (8 columns × 4 k each) for the AVX-VNNI
/// 4×24 tile, or three 512-bit vectors (16 columns × 4 k) for an 8×48 tile of 512-bit VNNI later — the same
/// bytes, so adding that kernel changes no caller and no packed weight. Columns past n are zero.
/// </para>
/// <para>
/// Then <c>ColumnSums[48·P]</c> (int32, Σₖ q[n, k]: the zero-point correction, see <see cref="Int8Gemm"/>) and
/// <c>Scales[48·P]</c> (float32), zero past n.
/// </para>
/// </remarks>
internal static class QuantizedPanels
{
    /// <summary>Output columns per packed panel (the fp32 panel width, so both precisions split work alike).</summary>
    public const int PanelWidth = PackedPanels.PanelWidth;

    /// <summary>Consecutive k values multiplied into one int32 lane by VPDPBUSD.</summary>
    public const int GroupDepth = 4;

    /// <summary>Bytes of one k-group of a panel: 48 columns × 4 k.</summary>
    internal const int GroupBytes = PanelWidth * GroupDepth;

    /// <summary>K rounded up to a whole number of k-groups.</summary>
    public static int PaddedDepth(int k) => (k + GroupDepth - 1) / GroupDepth * GroupDepth;

    /// <summary>
    /// Bytes a packed int8 weight of <paramref name="n"/> outputs and <paramref name="k"/> inputs occupies, a multiple
    /// of 64: <c>⌈n/48⌉·48·(⌈k/4⌉·4 + 8)</c> (values, then 4-byte column sums and 4-byte scales per padded column) —
    /// the formula a generator's planner repeats to place layers.
    /// </summary>
    public static long PackedBytes(int n, int k) => ScalesOffset(n, k) + (4L * PaddedColumns(n));

    /// <summary>Byte offset of the int32 column sums.</summary>
    internal static long ColumnSumsOffset(int n, int k)
    {
        if (n <= 0 || k <= 0)
        {
            throw new GemmArgumentException($"Packed int8 weight size needs positive n and k, got n={n}, k={k}.");
        }

        return (long)PaddedColumns(n) * PaddedDepth(k);
    }

    /// <summary>Byte offset of the float32 per-column scales.</summary>
    internal static long ScalesOffset(int n, int k) => ColumnSumsOffset(n, k) + (4L * PaddedColumns(n));

    // n rounded up to whole panels.
    private static int PaddedColumns(int n) => PackedPanels.PanelCount(n) * PanelWidth;
}
