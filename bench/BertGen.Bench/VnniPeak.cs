using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BertGen.Bench;

/// <summary>
/// The int8 ceiling, measured as <see cref="FmaPeak"/> measures the fp32 one: 12 independent 256-bit VPDPBUSD
/// chains in registers, no memory traffic. One VPDPBUSD on 256 bits is 32 multiply-adds, counted as 64 operations
/// so int8 GOP/s and fp32 GFLOP/s are on one scale. Twelve chains, because the JIT keeps VPDPBUSD accumulators in
/// ymm0–15 only (a 13th moves through another register every iteration), and twelve already cover its latency
/// at two per cycle: 14 measured the same.
/// </summary>
public static class VnniPeak
{
    /// <summary>Iterations of the 12-instruction body per call.</summary>
    public const int Iterations = 100_000;

    /// <summary>Operations of one <see cref="Run"/> (2 per multiply-add).</summary>
    public const double Operations = 2.0 * 32 * 12 * Iterations;

    /// <summary>Runs the chains; returns a value derived from them so the JIT cannot drop the loop.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static int Run(int seed)
    {
        Vector256<byte> x = Vector256.Create(seed).AsByte();
        Vector256<sbyte> y = Vector256.Create(0x01020304).AsSByte();
        Vector256<int> c0 = Vector256.Create(seed), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        Vector256<int> c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < Iterations; i++)
        {
            c0 = AvxVnni.MultiplyWideningAndAdd(c0, x, y);
            c1 = AvxVnni.MultiplyWideningAndAdd(c1, x, y);
            c2 = AvxVnni.MultiplyWideningAndAdd(c2, x, y);
            c3 = AvxVnni.MultiplyWideningAndAdd(c3, x, y);
            c4 = AvxVnni.MultiplyWideningAndAdd(c4, x, y);
            c5 = AvxVnni.MultiplyWideningAndAdd(c5, x, y);
            c6 = AvxVnni.MultiplyWideningAndAdd(c6, x, y);
            c7 = AvxVnni.MultiplyWideningAndAdd(c7, x, y);
            c8 = AvxVnni.MultiplyWideningAndAdd(c8, x, y);
            c9 = AvxVnni.MultiplyWideningAndAdd(c9, x, y);
            c10 = AvxVnni.MultiplyWideningAndAdd(c10, x, y);
            c11 = AvxVnni.MultiplyWideningAndAdd(c11, x, y);
        }

        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
