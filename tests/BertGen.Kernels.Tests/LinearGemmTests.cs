using System;
using System.Collections.Generic;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Kernels;
using Xunit;

namespace BertGen.Kernels.Tests;

/// <summary>
/// y = x·Wᵀ on every path (AVX-512, AVX2, scalar, forced on this AVX-512 machine) at BERT shapes and odd
/// shapes (M and N not multiples of the 8×48 tile, K not a multiple of the K-block, size-1 edges), against
/// the double reference with the γ_k dot-product bound of <see cref="ReferenceMath.DotBound"/>.
/// </summary>
public sealed class LinearGemmTests
{
    public static IEnumerable<object[]> Cases()
    {
        int[][] shapes =
        [
            [128, 768, 768],   // BERT-base attention output
            [128, 384, 1152],  // MiniLM fused QKV
            [37, 72, 200],     // odd hidden 72, intermediate 200, 37 tokens
            [33, 200, 72],
            [1, 1, 1],
            [1, 33, 37],
            [9, 300, 49],      // K = 300 > K-block (256) and not a multiple; N = 49 = one panel + 1
            [17, 513, 97],     // K-block tail of 1
            [200, 40, 130],    // more than one row block (128 rows)
        ];
        foreach (GemmPath path in new[] { GemmPath.Avx512, GemmPath.Avx2, GemmPath.Scalar })
        {
            foreach (int[] s in shapes)
            {
                yield return [path, s[0], s[1], s[2]];
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesReference(GemmPath path, int m, int k, int n)
    {
        float[] x = ReferenceMath.RandomArray(m * k, 1);
        float[] w = ReferenceMath.RandomArray(n * k, 2);
        float[] y = new float[m * n];
        GemmHarness.Linear(m, n, k, x, k, w, y, GemmEpilogue.None, null, path);
        (double[] expected, double[] magnitude) = ReferenceMath.Product(m, n, k, (i, p) => x[(i * k) + p], (p, j) => w[(j * k) + p]);
        GemmHarness.AssertClose(m, n, k, expected, magnitude, y, n, $"{path} linear");
    }

    [Theory]
    [InlineData(GemmPath.Avx512)]
    [InlineData(GemmPath.Avx2)]
    [InlineData(GemmPath.Scalar)]
    public void ReadsStridedInputAndOverwritesStaleOutput(GemmPath path)
    {
        // x is a view with leading dimension 2304 (a slice of a fused QKV buffer); y starts with garbage
        // that a non-accumulating GEMM must not add in.
        const int m = 21, k = 72, n = 50, ldx = 2304;
        float[] x = ReferenceMath.RandomArray(m * ldx, 3);
        float[] w = ReferenceMath.RandomArray(n * k, 4);
        float[] y = ReferenceMath.RandomArray(m * n, 5);
        GemmHarness.Linear(m, n, k, x, ldx, w, y, GemmEpilogue.None, null, path);
        (double[] expected, double[] magnitude) = ReferenceMath.Product(m, n, k, (i, p) => x[(i * ldx) + p], (p, j) => w[(j * k) + p]);
        GemmHarness.AssertClose(m, n, k, expected, magnitude, y, n, $"{path} strided linear");
    }

    [Fact]
    public unsafe void DoesNotWritePastTheLastColumnOrRow()
    {
        // C is a [37, 50] view inside a [40, 64] buffer filled with a sentinel: the N tail (50 = 48 + 2) goes
        // through scratch and the M tail (37 = 32 + 5) uses the 5-row kernel, so nothing outside the view may change.
        const int m = 37, k = 64, n = 50, ldc = 64;
        float[] x = ReferenceMath.RandomArray(m * k, 6);
        float[] w = ReferenceMath.RandomArray(n * k, 7);
        float[] c = new float[40 * ldc];
        Array.Fill(c, 12345f);
        float[] packed = new float[PackedPanels.PackedLength(n, k)];
        fixed (float* px = x, pw = w, pp = packed, pc = c)
        {
            PanelPacker.PackTransposed(n, k, pw, k, pp, 0, PackedPanels.PanelCount(n));
            Gemm.Linear(m, n, k, px, k, pp, pc, ldc, GemmEpilogue.None, null, GemmPath.Avx512);
        }

        for (int i = 0; i < 40; i++)
        {
            for (int j = 0; j < ldc; j++)
            {
                bool inside = i < m && j < n;
                Assert.True(inside ? c[(i * ldc) + j] != 12345f : c[(i * ldc) + j] == 12345f, $"C[{i},{j}] = {c[(i * ldc) + j]}");
            }
        }
    }
}
