using System;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Threading;
using Xunit;

namespace BertGen.Kernels.Tests;

/// <summary>Runs each GEMM form on managed arrays and checks it against <see cref="ReferenceMath"/>.</summary>
internal static unsafe class GemmHarness
{
    /// <summary>y = epilogue(x·Wᵀ) through pre-packing and <see cref="Gemm.Linear"/>; x has leading dimension ldx.</summary>
    public static float[] Linear(int m, int n, int k, float[] x, int ldx, float[] w, float[] y, GemmEpilogue epilogue, ComputePool? pool, GemmPath path)
    {
        float[] packed = new float[PackedPanels.PackedLength(n, k)];
        fixed (float* px = x, pw = w, pp = packed, py = y)
        {
            PanelPacker.PackTransposed(n, k, pw, k, pp, 0, PackedPanels.PanelCount(n));
            Gemm.Linear(m, n, k, px, ldx, pp, py, n, epilogue, pool, path);
        }

        return y;
    }

    /// <summary>Asserts every element of <paramref name="actual"/> is within the dot-product bound of the reference.</summary>
    public static void AssertClose(int m, int n, int k, double[] expected, double[] magnitude, float[] actual, int ldActual, string what)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double e = expected[(i * n) + j];
                double tolerance = ReferenceMath.DotBound(k, magnitude[(i * n) + j]) + 1e-30;
                double a = actual[(i * ldActual) + j];
                if (!(Math.Abs(a - e) <= tolerance))
                {
                    Assert.Fail($"{what}: C[{i},{j}] = {a}, expected {e} ± {tolerance:E2} (m={m}, n={n}, k={k})");
                }
            }
        }
    }
}
