using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BertGen.Bench;

/// <summary>
/// The ceiling measured the way REFERENCE.md §8 measured it: 24 independent <c>Vector512</c> FMA chains in
/// registers, no memory traffic. Measured in the same run as the kernels, so a loaded machine lowers both
/// and their ratio stays meaningful.
/// </summary>
public static class FmaPeak
{
    /// <summary>Iterations of the 24-FMA body per call.</summary>
    public const int Iterations = 100_000;

    /// <summary>Floating-point operations of one <see cref="Run"/>.</summary>
    public const double Flops = 2.0 * 16 * 24 * Iterations;

    /// <summary>Runs the chains; returns a value derived from them so the JIT cannot drop the loop.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static float Run(float seed)
    {
        Vector512<float> m = Vector512.Create(0.999999f), a = Vector512.Create(1e-7f);
        Vector512<float> c0 = Vector512.Create(seed), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        Vector512<float> c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0;
        Vector512<float> c16 = c0, c17 = c0, c18 = c0, c19 = c0, c20 = c0, c21 = c0, c22 = c0, c23 = c0;
        for (int i = 0; i < Iterations; i++)
        {
            c0 = Avx512F.FusedMultiplyAdd(c0, m, a);
            c1 = Avx512F.FusedMultiplyAdd(c1, m, a);
            c2 = Avx512F.FusedMultiplyAdd(c2, m, a);
            c3 = Avx512F.FusedMultiplyAdd(c3, m, a);
            c4 = Avx512F.FusedMultiplyAdd(c4, m, a);
            c5 = Avx512F.FusedMultiplyAdd(c5, m, a);
            c6 = Avx512F.FusedMultiplyAdd(c6, m, a);
            c7 = Avx512F.FusedMultiplyAdd(c7, m, a);
            c8 = Avx512F.FusedMultiplyAdd(c8, m, a);
            c9 = Avx512F.FusedMultiplyAdd(c9, m, a);
            c10 = Avx512F.FusedMultiplyAdd(c10, m, a);
            c11 = Avx512F.FusedMultiplyAdd(c11, m, a);
            c12 = Avx512F.FusedMultiplyAdd(c12, m, a);
            c13 = Avx512F.FusedMultiplyAdd(c13, m, a);
            c14 = Avx512F.FusedMultiplyAdd(c14, m, a);
            c15 = Avx512F.FusedMultiplyAdd(c15, m, a);
            c16 = Avx512F.FusedMultiplyAdd(c16, m, a);
            c17 = Avx512F.FusedMultiplyAdd(c17, m, a);
            c18 = Avx512F.FusedMultiplyAdd(c18, m, a);
            c19 = Avx512F.FusedMultiplyAdd(c19, m, a);
            c20 = Avx512F.FusedMultiplyAdd(c20, m, a);
            c21 = Avx512F.FusedMultiplyAdd(c21, m, a);
            c22 = Avx512F.FusedMultiplyAdd(c22, m, a);
            c23 = Avx512F.FusedMultiplyAdd(c23, m, a);
        }

        Vector512<float> s = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15
            + c16 + c17 + c18 + c19 + c20 + c21 + c22 + c23;
        return Vector512.Sum(s);
    }
}
