using System.Runtime.Intrinsics;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Kernels.Int8;
using BertGen.Runtime.Memory;

namespace BertGen.Bench;

/// <summary>
/// The AVX-VNNI 8×48 int8 tile alone on L1-resident operands (one K-block: k = 768, B slice 36 KB, A 6 KB),
/// storing int32 sums: the kernel's own efficiency against <see cref="VnniPeak"/>, without cache misses.
/// </summary>
public sealed unsafe class Int8MicroKernelProbe : System.IDisposable
{
    /// <summary>Reduction length per call (one K-block).</summary>
    public const int K = Int8Gemm.KBlock;

    private readonly AlignedBuffer _a = new(8 * K / 4);
    private readonly AlignedBuffer _b = new(48 * K / 4);
    private readonly AlignedBuffer _c = new(8 * 48);

    /// <summary>Operations of one <see cref="Run"/> (16 tile calls, 2 per multiply-add).</summary>
    public static double Operations => 16 * 2.0 * 8 * 48 * K;

    /// <summary>16 back-to-back tile calls.</summary>
    public void Run()
    {
        byte* a = (byte*)_a.Pointer;
        sbyte* b = (sbyte*)_b.Pointer;
        for (int i = 0; i < 16; i++)
        {
            Int8Tile256.Tile<Rows8, VnniDot, Vector256<byte>>(a, K, b, _c.Pointer, 48, K / 4, false, null);
        }
    }

    /// <summary>Frees the buffers.</summary>
    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
        _c.Dispose();
    }
}
