using System;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Kernels;
using Xunit;

namespace BertGen.Kernels.Tests;

/// <summary>
/// The fused epilogue on every path: C = act(α·x·Wᵀ + bias) + residual, and C += x·Wᵀ, against the double
/// reference with the activation applied in double.
/// </summary>
public sealed unsafe class EpilogueTests
{
    [Theory]
    [InlineData(GemmPath.Avx512, Activation.None)]
    [InlineData(GemmPath.Avx512, Activation.GeluErf)]
    [InlineData(GemmPath.Avx512, Activation.GeluTanh)]
    [InlineData(GemmPath.Avx512, Activation.Relu)]
    [InlineData(GemmPath.Avx512, Activation.Tanh)]
    [InlineData(GemmPath.Avx2, Activation.GeluErf)]
    [InlineData(GemmPath.Avx2, Activation.Tanh)]
    [InlineData(GemmPath.Avx2, Activation.Relu)]
    [InlineData(GemmPath.Scalar, Activation.GeluErf)]
    [InlineData(GemmPath.Scalar, Activation.GeluTanh)]
    public void BiasActivationResidualAndAlpha(GemmPath path, Activation activation)
    {
        const int m = 37, k = 200, n = 72;
        const float alpha = 0.125f;
        float[] x = ReferenceMath.RandomArray(m * k, 11);
        float[] w = ReferenceMath.RandomArray(n * k, 12);
        float[] bias = ReferenceMath.RandomArray(n, 13);
        float[] residual = ReferenceMath.RandomArray(m * 80, 14); // leading dimension 80
        float[] y = new float[m * n];
        fixed (float* pb = bias, pr = residual)
        {
            GemmEpilogue epilogue = GemmEpilogue.None.WithAlpha(alpha).WithBias(pb).WithActivation(activation).WithResidual(pr, 80);
            GemmHarness.Linear(m, n, k, x, k, w, y, epilogue, null, path);
        }

        (double[] dot, double[] magnitude) = ReferenceMath.Product(m, n, k, (i, p) => x[(i * k) + p], (p, j) => w[(j * k) + p]);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double pre = (alpha * dot[(i * n) + j]) + bias[j];
                double expected = Activate(activation, pre) + residual[(i * 80) + j];

                // The product's γ_k bound scaled by α and by the activation's largest slope (GELU' ≤ 1.13),
                // plus the activation's own error (ActivationTests: 3e-7·(1 + |x|)) and a rounding of each
                // of the three adds.
                double tolerance = (1.13 * alpha * ReferenceMath.DotBound(k, magnitude[(i * n) + j]))
                    + (3e-7 * (1 + Math.Abs(pre)))
                    + (3 * ReferenceMath.FloatUnitRoundoff * (Math.Abs(pre) + Math.Abs(expected) + 1));
                double actual = y[(i * n) + j];
                if (!(Math.Abs(actual - expected) <= tolerance))
                {
                    Assert.Fail($"{path} {activation}: C[{i},{j}] = {actual}, expected {expected} ± {tolerance:E2}");
                }
            }
        }
    }

    [Theory]
    [InlineData(GemmPath.Avx512)]
    [InlineData(GemmPath.Avx2)]
    [InlineData(GemmPath.Scalar)]
    public void AccumulateAddsOntoC(GemmPath path)
    {
        // K = 600 spans three K-blocks, so the first block must load C too in accumulate mode.
        const int m = 13, k = 600, n = 100;
        float[] x = ReferenceMath.RandomArray(m * k, 15);
        float[] w = ReferenceMath.RandomArray(n * k, 16);
        float[] c0 = ReferenceMath.RandomArray(m * n, 17);
        float[] y = (float[])c0.Clone();
        GemmHarness.Linear(m, n, k, x, k, w, y, GemmEpilogue.AccumulateIntoC, null, path);
        (double[] dot, double[] magnitude) = ReferenceMath.Product(m, n, k, (i, p) => x[(i * k) + p], (p, j) => w[(j * k) + p]);
        for (int i = 0; i < dot.Length; i++)
        {
            dot[i] += c0[i];
            magnitude[i] += Math.Abs(c0[i]);
        }

        GemmHarness.AssertClose(m, n, k, dot, magnitude, y, n, $"{path} accumulate");
    }

    [Fact]
    public void RejectsMeaninglessCombinations()
    {
        float[] bias = new float[8];
        float[] y = new float[8 * 8];
        fixed (float* pb = bias, py = y)
        {
            float* b = pb;
            float* c = py;
            GemmEpilogue accumulateWithBias = GemmEpilogue.AccumulateIntoC.WithBias(b);
            Assert.Throws<GemmArgumentException>(() => GemmHarness.Linear(8, 8, 8, new float[64], 8, new float[64], y, accumulateWithBias, null, GemmPath.Auto));
            GemmEpilogue aliasedResidual = GemmEpilogue.None.WithResidual(c, 8);
            Assert.Throws<GemmArgumentException>(() => Gemm.Linear(8, 8, 8, c, 8, b, c, 8, aliasedResidual));
            GemmEpilogue shortResidual = GemmEpilogue.None.WithResidual(b, 4);
            Assert.Throws<GemmArgumentException>(() => GemmHarness.Linear(8, 8, 8, new float[64], 8, new float[64], new float[64], shortResidual, null, GemmPath.Auto));
            Assert.Throws<GemmArgumentException>(() => GemmHarness.Linear(8, 8, 8, new float[64], 8, new float[64], new float[64], GemmEpilogue.None.WithActivation((Activation)99), null, GemmPath.Auto));
        }
    }

    private static double Activate(Activation activation, double x) => activation switch
    {
        Activation.GeluErf => ReferenceMath.GeluErf(x),
        Activation.GeluTanh => ReferenceMath.GeluTanh(x),
        Activation.Relu => Math.Max(x, 0),
        Activation.Tanh => Math.Tanh(x),
        _ => x,
    };
}
