using BertGen.Runtime.Kernels;
using BertGen.Runtime.Memory;

namespace BertGen.Bench;

/// <summary>
/// The 8×48 AVX-512 micro-kernel alone on L1-resident operands (k = 256: B slice 48 KB, A 8 KB): the
/// kernel's own efficiency with cache misses taken out, to tell kernel problems from blocking problems.
/// </summary>
public sealed unsafe class MicroKernelProbe : System.IDisposable
{
    /// <summary>Reduction length per call.</summary>
    public const int K = 256;

    private readonly AlignedBuffer _a = new(8 * K);
    private readonly AlignedBuffer _b = new(48 * K);
    private readonly AlignedBuffer _c = new(8 * 48);

    /// <summary>Floating-point operations of one <see cref="Run"/> (16 tile calls).</summary>
    public static double Flops => 16 * 2.0 * 8 * 48 * K;

    /// <summary>16 back-to-back tile calls.</summary>
    public void Run()
    {
        float* a = _a.Pointer, b = _b.Pointer, c = _c.Pointer;
        for (int i = 0; i < 16; i++)
        {
            GemmTileAvx512.Tile<Rows8, RowMajorA>(a, K, b, c, 48, K, false);
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
