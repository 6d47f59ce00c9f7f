using System;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Kernels.Int8;
using Xunit;

namespace BertGen.Kernels.Tests.Int8;

/// <summary>
/// The int8 linear layer against the exact product and against the fp32 GEMM, within a bound derived from the
/// quantisation steps (so it holds for every element, not on average).
/// </summary>
/// <remarks>
/// With x̂ = sₐ(a − zp) and ŵ = s_w·q the dequantised operands, the int8 GEMM returns Σₖ x̂ŵ up to three float
/// roundings (int → float, sₐ·s_w, the product): |y₈ − Σ x̂ŵ| ≤ 3u·|Σ x̂ŵ|. And
/// Σ xw − Σ x̂ŵ = Σ x(w − ŵ) + Σ (x − x̂)ŵ, with |w − ŵ| ≤ s_w/2 + 128u·s_w and |x − x̂| ≤ sₐ/2 + 256u·sₐ (the
/// round-trip properties of <see cref="Int8QuantizerTests"/>), so per element
/// <c>|y₈ − xwᵀ| ≤ (s_w/2 + 128u·s_w)·Σ|x| + (sₐ/2 + 256u·sₐ)·Σ|ŵ| + 3u·|Σ x̂ŵ|</c>, u = 2⁻²⁴.
/// Against the fp32 GEMM add its own γₖ·Σ|xw| (<see cref="ReferenceMath.DotBound"/>).
/// </remarks>
public sealed unsafe class Int8AccuracyTests
{
    [Theory]
    [InlineData(64, 384, 384)]
    [InlineData(32, 768, 96)]
    [InlineData(16, 1536, 48)]
    [InlineData(9, 97, 130)]
    public void WithinTheQuantisationBoundOfTheExactAndTheFp32Product(int m, int k, int n)
    {
        float[] x = Int8Reference.Activation(m, k, 301);
        float[] w = Int8Reference.Weight(n, k, 302);
        Int8Reference.Activations a = Int8Reference.QuantizeActivations(x, m, k, k);
        Int8Reference.Weights q = Int8Reference.QuantizeWeights(w, n, k);
        float[] int8 = Int8Harness.Linear(m, n, k, x, k, Int8Harness.Pack(w, n, k), new float[m * n], n, GemmEpilogue.None, null, Int8Path.Auto);
        float[] fp32 = GemmHarness.Linear(m, n, k, x, k, w, new float[m * n], GemmEpilogue.None, null, GemmPath.Auto);
        (double[] exact, double[] magnitude) = ReferenceMath.Product(m, n, k, (i, p) => x[(i * k) + p], (p, j) => w[(j * k) + p]);
        const double u = ReferenceMath.FloatUnitRoundoff;
        double worstShare = 0;
        for (int i = 0; i < m; i++)
        {
            double sumAbsX = 0;
            for (int p = 0; p < k; p++)
            {
                sumAbsX += Math.Abs(x[(i * k) + p]);
            }

            double stepA = (a.Scales[i] / 2.0) + (256 * u * a.Scales[i]);
            for (int j = 0; j < n; j++)
            {
                double sumAbsW = 0, dequantised = 0;
                for (int p = 0; p < k; p++)
                {
                    double wHat = (double)q.Scales[j] * q.Values[(j * k) + p];
                    sumAbsW += Math.Abs(wHat);
                    dequantised += a.Scales[i] * (double)(a.Values[(i * k) + p] - a.ZeroPoints[i]) * wHat;
                }

                double stepW = (q.Scales[j] / 2.0) + (128 * u * q.Scales[j]);
                double bound = (stepW * sumAbsX) + (stepA * sumAbsW) + (3 * u * Math.Abs(dequantised));
                double e = exact[(i * n) + j];
                double y = int8[(i * n) + j];
                Assert.True(Math.Abs(y - e) <= bound, $"y[{i},{j}] = {y:R}, exact {e:R}: off by {Math.Abs(y - e):E3} > bound {bound:E3}");
                double fp32Bound = bound + ReferenceMath.DotBound(k, magnitude[(i * n) + j]);
                Assert.True(Math.Abs(y - fp32[(i * n) + j]) <= fp32Bound, $"y[{i},{j}] = {y:R}, fp32 {fp32[(i * n) + j]:R}: off by more than {fp32Bound:E3}");
                worstShare = Math.Max(worstShare, Math.Abs(y - e) / bound);
            }
        }

        // The bound is a worst case (every rounding error of one sign); random errors use a fraction of it.
        Assert.InRange(worstShare, 0, 1);
    }
}
