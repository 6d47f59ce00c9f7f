using System.Collections.Generic;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Kernels;
using Xunit;

namespace BertGen.Kernels.Tests;

/// <summary>
/// The GEMM forms with an activation operand packed on the fly: attention scores Q·Kᵀ read from a fused QKV
/// buffer, context P·V, and the backward products dX = dY·W and dW += dYᵀ·X, on every path.
/// </summary>
public sealed unsafe class GemmFormsTests
{
    public static IEnumerable<object[]> Paths()
    {
        yield return [GemmPath.Avx512];
        yield return [GemmPath.Avx2];
        yield return [GemmPath.Scalar];
    }

    public static IEnumerable<object[]> AttentionCases()
    {
        foreach (GemmPath path in new[] { GemmPath.Avx512, GemmPath.Avx2, GemmPath.Scalar })
        {
            yield return [path, 128, 64];
            yield return [path, 37, 32];
            yield return [path, 1, 64];
        }
    }

    [Theory]
    [MemberData(nameof(AttentionCases))]
    public void AttentionScoresFromFusedQkv(GemmPath path, int s, int dh)
    {
        // Q and K of head 1 sit inside a [S, 3·H] QKV buffer (H = 2 heads·dh): rows strided by 3H.
        int h = 2 * dh, ld = 3 * h, qOffset = dh, kOffset = h + dh;
        float[] qkv = ReferenceMath.RandomArray(s * ld, 21);
        float[] mask = ReferenceMath.RandomArray(s, 22);
        float[] scores = new float[s * s];
        float[] scratch = new float[PackedPanels.PackedLength(s, dh)];
        float alpha = 1f / System.MathF.Sqrt(dh);
        fixed (float* p = qkv, pm = mask, ps = scores, pk = scratch)
        {
            GemmEpilogue epilogue = GemmEpilogue.None.WithAlpha(alpha).WithBias(pm);
            Gemm.MultiplyTransposedB(s, s, dh, p + qOffset, ld, p + kOffset, ld, ps, s, pk, epilogue, null, path);
        }

        (double[] dot, double[] magnitude) = ReferenceMath.Product(s, s, dh, (i, d) => qkv[(i * ld) + qOffset + d], (d, j) => qkv[(j * ld) + kOffset + d]);
        for (int i = 0; i < s; i++)
        {
            for (int j = 0; j < s; j++)
            {
                // α is a power of two for dh = 64 but not for 32: one rounding each for the scale and the add.
                double expected = (alpha * dot[(i * s) + j]) + mask[j];
                double tolerance = (alpha * ReferenceMath.DotBound(dh, magnitude[(i * s) + j])) + (2 * ReferenceMath.FloatUnitRoundoff * (System.Math.Abs(expected) + 1));
                Assert.True(System.Math.Abs(scores[(i * s) + j] - expected) <= tolerance, $"{path} scores[{i},{j}] = {scores[(i * s) + j]}, expected {expected}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(AttentionCases))]
    public void ContextFromProbabilitiesAndStridedV(GemmPath path, int s, int dh)
    {
        // context[S, dh] = P[S, S]·V where V is head 0's slice of a [S, 3H] buffer; the output is written
        // into its head's columns of a [S, H] buffer.
        int h = 2 * dh, ld = 3 * h, vOffset = 2 * h;
        float[] p = ReferenceMath.RandomArray(s * s, 23);
        float[] qkv = ReferenceMath.RandomArray(s * ld, 24);
        float[] context = new float[s * h];
        float[] scratch = new float[PackedPanels.PackedLength(dh, s)];
        fixed (float* pp = p, pv = qkv, pc = context, pk = scratch)
        {
            Gemm.Multiply(s, dh, s, pp, s, pv + vOffset, ld, pc + dh, h, pk, GemmEpilogue.None, null, path);
        }

        (double[] expected, double[] magnitude) = ReferenceMath.Product(s, dh, s, (i, t) => p[(i * s) + t], (t, d) => qkv[(t * ld) + vOffset + d]);
        float[] view = new float[s * dh];
        for (int i = 0; i < s; i++)
        {
            for (int d = 0; d < dh; d++)
            {
                view[(i * dh) + d] = context[(i * h) + dh + d];
                Assert.Equal(0f, context[(i * h) + d]); // head 0's columns untouched
            }
        }

        GemmHarness.AssertClose(s, dh, s, expected, magnitude, view, dh, $"{path} context");
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void InputGradientWithWeightPackedOncePerStep(GemmPath path)
    {
        // In training W is fixed for a whole backward pass: pack it as [K = out, N = in] once (PackDirect)
        // and run every micro-batch's dX = dY·W through Linear, bitwise equal to packing on the fly.
        const int t = 40, outF = 144, inF = 100;
        float[] dy = ReferenceMath.RandomArray(t * outF, 32);
        float[] w = ReferenceMath.RandomArray(outF * inF, 33);
        float[] viaLinear = new float[t * inF];
        float[] viaMultiply = new float[t * inF];
        float[] packed = new float[PackedPanels.PackedLength(inF, outF)];
        float[] scratch = new float[PackedPanels.PackedLength(inF, outF)];
        fixed (float* pdy = dy, pw = w, pl = viaLinear, pm = viaMultiply, pp = packed, pk = scratch)
        {
            PanelPacker.PackDirect(inF, outF, pw, inF, pp, 0, PackedPanels.PanelCount(inF));
            Gemm.Linear(t, inF, outF, pdy, outF, pp, pl, inF, GemmEpilogue.None, null, path);
            Gemm.Multiply(t, inF, outF, pdy, outF, pw, inF, pm, inF, pk, GemmEpilogue.None, null, path);
        }

        Assert.Equal(viaMultiply, viaLinear);
        (double[] expected, double[] magnitude) = ReferenceMath.Product(t, inF, outF, (i, o) => dy[(i * outF) + o], (o, j) => w[(o * inF) + j]);
        GemmHarness.AssertClose(t, inF, outF, expected, magnitude, viaLinear, inF, $"{path} dX prepacked");
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void InputGradientIsDyTimesW(GemmPath path)
    {
        // dX[T, in] = dY[T, out]·W[out, in]: Multiply with B = W read as [K = out, N = in], and accumulate
        // mode adding onto a dX that already holds the residual branch's gradient.
        const int t = 37, outF = 200, inF = 72;
        float[] dy = ReferenceMath.RandomArray(t * outF, 25);
        float[] w = ReferenceMath.RandomArray(outF * inF, 26);
        float[] dx0 = ReferenceMath.RandomArray(t * inF, 27);
        float[] dx = (float[])dx0.Clone();
        float[] scratch = new float[PackedPanels.PackedLength(inF, outF)];
        fixed (float* pdy = dy, pw = w, pdx = dx, pk = scratch)
        {
            Gemm.Multiply(t, inF, outF, pdy, outF, pw, inF, pdx, inF, pk, GemmEpilogue.AccumulateIntoC, null, path);
        }

        (double[] expected, double[] magnitude) = ReferenceMath.Product(t, inF, outF, (i, o) => dy[(i * outF) + o], (o, j) => w[(o * inF) + j]);
        for (int i = 0; i < expected.Length; i++)
        {
            expected[i] += dx0[i];
            magnitude[i] += System.Math.Abs(dx0[i]);
        }

        GemmHarness.AssertClose(t, inF, outF, expected, magnitude, dx, inF, $"{path} dX");
    }

    public static IEnumerable<object[]> WeightGradientCases()
    {
        foreach (GemmPath path in new[] { GemmPath.Avx512, GemmPath.Avx2, GemmPath.Scalar })
        {
            yield return [path, 33, 37, 200];
            yield return [path, 128, 96, 144]; // full 8×48 tiles only, T = 128 tokens
            yield return [path, 20, 16, 80];   // last panel of 32 real columns: the 32-wide edge kernel
        }
    }

    [Theory]
    [MemberData(nameof(WeightGradientCases))]
    public void WeightGradientAccumulatesDyTransposedTimesX(GemmPath path, int t, int outF, int inF)
    {
        // dW[out, in] += dY[T, out]ᵀ·X[T, in], twice (two micro-batches): m = out, n = in, k = T.
        float[] dy1 = ReferenceMath.RandomArray(t * outF, 28);
        float[] x1 = ReferenceMath.RandomArray(t * inF, 29);
        float[] dy2 = ReferenceMath.RandomArray(t * outF, 30);
        float[] x2 = ReferenceMath.RandomArray(t * inF, 31);
        float[] dw = new float[outF * inF];
        float[] scratch = new float[PackedPanels.PackedLength(inF, t)];
        fixed (float* pdy1 = dy1, px1 = x1, pdy2 = dy2, px2 = x2, pdw = dw, pk = scratch)
        {
            Gemm.MultiplyTransposedA(outF, inF, t, pdy1, outF, px1, inF, pdw, inF, pk, GemmEpilogue.AccumulateIntoC, null, path);
            Gemm.MultiplyTransposedA(outF, inF, t, pdy2, outF, px2, inF, pdw, inF, pk, GemmEpilogue.AccumulateIntoC, null, path);
        }

        // Both micro-batches form one dot product of length 2T: that is the reference and its bound.
        (double[] expected, double[] magnitude) = ReferenceMath.Product(outF, inF, 2 * t,
            (o, r) => r < t ? dy1[(r * outF) + o] : dy2[((r - t) * outF) + o],
            (r, j) => r < t ? x1[(r * inF) + j] : x2[((r - t) * inF) + j]);
        GemmHarness.AssertClose(outF, inF, 2 * t, expected, magnitude, dw, inF, $"{path} dW");
    }
}
