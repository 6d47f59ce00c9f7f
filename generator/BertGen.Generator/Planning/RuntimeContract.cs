namespace BertGen.Generator.Planning;

/// <summary>
/// Facts about the runtime's kernels the generator must know at build time to size buffers. Each mirrors a
/// constant of BertGen.Runtime; a test asserts they agree, so a change on one side fails the build's tests.
/// </summary>
internal static class RuntimeContract
{
    /// <summary><c>BertGen.Runtime.Kernels.PackedPanels.PanelWidth</c>: columns per packed GEMM panel.</summary>
    public const int PanelWidth = 48;

    /// <summary>
    /// <c>BertGen.Runtime.CompilerServices.Gemm.MinimumFlopsToSplit</c>: below this many FLOPs the runtime runs a
    /// GEMM on one thread whatever pool it is given, so the plan hands it none.
    /// </summary>
    public const long MinimumFlopsToSplit = 1 << 17;

    /// <summary><c>AttentionGeometry.RowBlock</c>: query rows per work item of the fused attention forward.</summary>
    public const int AttentionRowBlock = 32;

    /// <summary>
    /// <c>AttentionKernels.ForwardScratchPerPart(s, dh)</c>: floats of scratch one part of the fused attention forward
    /// uses — a block's scores [s, 32], its Qᵀ and context tile (2 × dh × 32) and three row statistics.
    /// </summary>
    public static long AttentionForwardScratchPerPart(int sequence, int headSize) => (long)AttentionRowBlock * (sequence + (2L * headSize) + 3);

    /// <summary>
    /// <c>AttentionKernels.BackwardScratchPerPart(s, dh)</c>: floats of scratch one part of the fused attention backward
    /// uses — three [s, 32] blocks, three [dh, 32] and two [32, padded dh] tiles, three row statistics, and the head's
    /// dK and dV accumulators [s, padded dh] (padded to whole pairs of 16-float vectors).
    /// </summary>
    public static long AttentionBackwardScratchPerPart(int sequence, int headSize)
    {
        long padded = (headSize + 31) / 32 * 32L;
        return ((long)AttentionRowBlock * ((3L * sequence) + (3L * headSize) + (2 * padded) + 3)) + (2L * sequence * padded);
    }

    /// <summary><c>AttentionKernels.StatisticsLength</c>: 2 · batch · heads · sequence row statistics.</summary>
    public static long AttentionStatisticsLength(int batch, int heads, int sequence) => 2L * batch * heads * sequence;

    /// <summary><c>AttentionKernels.ExponentialsLength</c>: batch · heads · ⌈s/32⌉ · 32 · s saved exponentials.</summary>
    public static long AttentionExponentialsLength(int batch, int heads, int sequence) =>
        (long)batch * heads * ((sequence + AttentionRowBlock - 1) / AttentionRowBlock) * AttentionRowBlock * sequence;

    /// <summary><c>PackedPanels.PackedLength(n, k)</c>: floats of a packed <c>[n, k]</c> operand.</summary>
    public static long PackedLength(int n, int k) => (long)((n + PanelWidth - 1) / PanelWidth) * PanelWidth * k;

    /// <summary>
    /// <c>QuantizedPanels.PackedBytes(n, k)</c>: bytes of an int8-packed <c>[n, k]</c> weight, a multiple of 64 —
    /// <c>⌈n/48⌉·48·(⌈k/4⌉·4 + 8)</c> (values, then an int32 column sum and a float scale per padded column).
    /// </summary>
    public static long QuantizedPackedBytes(int n, int k) => (long)((n + PanelWidth - 1) / PanelWidth) * PanelWidth * (((k + 3) / 4 * 4) + 8);

    /// <summary>
    /// <c>Int8Gemm.ScratchBytes(m, k)</c>: bytes an int8 linear quantises its <c>m</c> input rows into —
    /// <c>m·⌈k/64⌉·64 + ⌈8m/64⌉·64</c> (each row on its own cache lines, then a scale and a zero point per row).
    /// </summary>
    public static long QuantizedRowsBytes(int m, int k) => ((long)m * ((k + 63) / 64 * 64)) + ((8L * m) + 63) / 64 * 64;
}
