namespace BertGen.Runtime.Kernels.Int8;

/// <summary>
/// The scratch an int8 GEMM quantises its A operand into, once per call: M rows of unsigned bytes, each
/// starting on a cache line (so two threads quantising neighbouring rows never share a line, and a row's
/// k-groups never straddle one), then the M row scales (float32) and the M zero points (int32).
/// </summary>
internal static unsafe class QuantizedRows
{
    /// <summary>Bytes between consecutive quantised rows: K rounded up to a cache line (≥ the padded depth).</summary>
    public static int Stride(int k) => (k + 63) / 64 * 64;

    /// <summary>Bytes of scratch for <paramref name="m"/> rows of depth <paramref name="k"/>, a multiple of 64.</summary>
    public static long ScratchBytes(int m, int k) => ScalesOffset(m, k) + ((8L * m) + 63) / 64 * 64;

    /// <summary>Row scales: float[m] right after the rows (64-byte aligned, since the stride is).</summary>
    public static float* Scales(byte* scratch, int m, int k) => (float*)(scratch + ScalesOffset(m, k));

    /// <summary>Row zero points: int[m] after the scales.</summary>
    public static int* ZeroPoints(byte* scratch, int m, int k) => (int*)(scratch + ScalesOffset(m, k) + (4L * m));

    private static long ScalesOffset(int m, int k) => (long)m * Stride(k);
}
