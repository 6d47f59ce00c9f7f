using System;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Kernels.Int8;
using BertGen.Runtime.Threading;
using Xunit;

namespace BertGen.Kernels.Tests.Int8;

/// <summary>
/// The int8 GEMM on every path against the scalar int8 reference, exactly: the integer products are exact and the
/// dequantisation is the same three correctly rounded float operations, so any difference is a bug.
/// </summary>
public sealed unsafe class Int8GemmTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 },
        { 1, 384, 1152 },   // one token (the pooler's CLS row, a single-sequence classifier)
        { 37, 200, 72 },    // 37 rows: four full tiles and a 5-row tail
        { 33, 72, 200 },    // n = 200: a last panel of 8 real columns
        { 9, 49, 300 },     // k = 49: a k-group padded with zeros
        { 17, 97, 513 },
        { 128, 384, 384 },  // MiniLM attention output, no edges
        { 20, 1701, 100 },  // three K-blocks (768, 768, 168 with 3 of padding): partial sums carried in C
        { 200, 130, 40 },   // two row blocks
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EveryPathEqualsTheReferenceExactly(int m, int k, int n)
    {
        float[] x = Int8Reference.Activation(m, k, 101);
        float[] w = Int8Reference.Weight(n, k, 102);
        float[] bias = ReferenceMath.RandomArray(n, 103);
        float[] expected = Int8Reference.Linear(Int8Reference.QuantizeActivations(x, m, k, k), Int8Reference.QuantizeWeights(w, n, k), m, n, k, bias);
        byte[] packed = Int8Harness.Pack(w, n, k);
        foreach (Int8Path path in Int8Harness.Paths)
        {
            fixed (float* pb = bias)
            {
                float[] y = Int8Harness.Linear(m, n, k, x, k, packed, new float[m * n], n, GemmEpilogue.None.WithBias(pb), null, path);
                Int8Harness.AssertBitwiseEqual(expected, y, n, $"{path} {m}×{k}→{n}");
            }
        }
    }

    [Fact]
    public void StridedOperandsReadAndWriteOnlyTheirElements()
    {
        // x is a slice of a wider buffer (ldx 300), y a view with ldy 90 whose gaps hold a sentinel.
        const int m = 19, k = 250, n = 70, ldx = 300, ldy = 90;
        float[] wide = Int8Reference.Activation(m, ldx, 104);
        float[] x = new float[m * k];
        for (int i = 0; i < m; i++)
        {
            Array.Copy(wide, i * ldx, x, i * k, k);
        }

        float[] w = Int8Reference.Weight(n, k, 105);
        float[] expected = Int8Reference.Linear(Int8Reference.QuantizeActivations(x, m, k, k), Int8Reference.QuantizeWeights(w, n, k), m, n, k);
        byte[] packed = Int8Harness.Pack(w, n, k);
        foreach (Int8Path path in Int8Harness.Paths)
        {
            float[] y = new float[m * ldy];
            Array.Fill(y, -7.25f);
            Int8Harness.Linear(m, n, k, wide, ldx, packed, y, ldy, GemmEpilogue.None, null, path);
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < ldy; j++)
                {
                    float actual = y[(i * ldy) + j];
                    float want = j < n ? expected[(i * n) + j] : -7.25f;
                    Assert.True(BitConverter.SingleToInt32Bits(actual) == BitConverter.SingleToInt32Bits(want), $"{path}: y[{i},{j}] = {actual:R}, expected {want:R}");
                }
            }
        }
    }

    [Fact]
    public void ExtremeOperandsCannotSaturateTheAvx2Path()
    {
        // Rows whose quantised activations are all 255 (0 … 255 when the row has a single negative value) against
        // weights of ±127 with equal signs in every pair: the plain VPMADDUBSW sum 2·255·127 = 64,770 would
        // saturate at 32,767. Also −128 weights, which no symmetric quantiser writes but a foreign file could.
        const int m = 4, k = 64, n = 48;
        float[] x = new float[m * k];
        Array.Fill(x, 3f);
        x[k] = -1f;                                       // row 1: zero point 64, all others 255
        for (int p = 0; p < k; p++)
        {
            x[(2 * k) + p] = -3f;                          // row 2: all 0 with zero point 255
            x[(3 * k) + p] = p % 2 == 0 ? 5f : -5f;        // row 3: alternating 0 / 255 around zero point 128
        }

        sbyte[] q = new sbyte[n * k];
        float[] scales = new float[n];
        for (int j = 0; j < n; j++)
        {
            for (int p = 0; p < k; p++)
            {
                q[(j * k) + p] = (sbyte)(j % 3 == 0 ? 127 : j % 3 == 1 ? -127 : -128);
            }

            scales[j] = 0.01f;
        }

        byte[] packed = new byte[QuantizedPanels.PackedBytes(n, k)];
        float[] bias = new float[n];
        fixed (sbyte* pq = q)
        fixed (float* ps = scales, pb = bias)
        fixed (byte* pp = packed)
        {
            Int8LinearPacker.PackQuantized(pp, pb, k, [((nint)pq, (nint)ps, (nint)pb, n)]);
        }

        Int8Reference.Activations a = Int8Reference.QuantizeActivations(x, m, k, k);
        Assert.Equal(255, a.Values[0]);
        float[] expected = Int8Reference.Linear(a, new Int8Reference.Weights(q, scales), m, n, k);
        foreach (Int8Path path in Int8Harness.Paths)
        {
            float[] y = Int8Harness.Linear(m, n, k, x, k, packed, new float[m * n], n, GemmEpilogue.None, null, path);
            Int8Harness.AssertBitwiseEqual(expected, y, n, path.ToString());
        }
    }

    [Theory]
    [InlineData(Activation.None, 1f)]      // bias and residual added by the kernel, no epilogue pass
    [InlineData(Activation.GeluErf, 1f)]   // bias by the kernel, GELU and residual by the pass
    [InlineData(Activation.GeluErf, 0.5f)] // α ≠ 1: everything by the pass
    [InlineData(Activation.GeluTanh, 1f)]
    [InlineData(Activation.Relu, 1f)]
    [InlineData(Activation.Tanh, 0.5f)]
    public void FusedEpilogueIsTheFp32EpilogueAfterDequantisation(Activation activation, float alpha)
    {
        // The fused int8 linear must equal: dequantised product, then the fp32 GEMM's epilogue (tested against
        // double references in EpilogueTests) applied on the same path, bit for bit; n = 100 has full-width tiles,
        // where the kernel adds bias and residual itself, and a 4-column edge tile, where the pass does.
        const int m = 21, k = 150, n = 100, ldr = 110;
        float[] x = Int8Reference.Activation(m, k, 106);
        float[] w = Int8Reference.Weight(n, k, 107);
        float[] bias = ReferenceMath.RandomArray(n, 108);
        float[] residual = ReferenceMath.RandomArray(m * ldr, 109);
        byte[] packed = Int8Harness.Pack(w, n, k);
        foreach (Int8Path path in Int8Harness.Paths)
        {
            fixed (float* pb = bias, pr = residual)
            {
                GemmEpilogue epilogue = GemmEpilogue.None.WithAlpha(alpha).WithBias(pb).WithActivation(activation).WithResidual(pr, ldr);
                float[] fused = Int8Harness.Linear(m, n, k, x, k, packed, new float[m * n], n, epilogue, null, path);
                float[] separate = Int8Harness.Linear(m, n, k, x, k, packed, new float[m * n], n, GemmEpilogue.None, null, path);
                fixed (float* ps = separate)
                {
                    for (int row0 = 0; row0 < m; row0 += 8)
                    {
                        epilogue.ApplyToTile(ps + (row0 * n), n, row0, Math.Min(8, m - row0), 0, n, Int8Gemm.EpiloguePath(path));
                    }
                }

                Int8Harness.AssertBitwiseEqual(separate, fused, n, $"{path} {activation}");
            }
        }
    }

    [Theory]
    [InlineData(128, 768, 768, 2, false)]  // 16 tiles share out evenly: rows, each thread quantising its own
    [InlineData(20, 768, 768, 2, true)]    // 3 tiles do not: the fp32 split, by panels, rows quantised first
    [InlineData(37, 200, 72, 2, false)]    // 2 panels: rows
    [InlineData(1, 384, 1536, 2, true)]    // one row: panels
    [InlineData(16, 32, 96, 1, true)]      // below the split threshold: one part
    public void The_split_prefers_whole_tiles_when_they_share_out_evenly(int m, int k, int n, int parts, bool byPanels)
    {
        Assert.Equal((parts, byPanels), Int8Gemm.PlanSplit(m, n, k, threads: 2));
    }

    [Theory]
    [InlineData(128, 768, 768)]  // split by rows, each thread quantising its own
    [InlineData(20, 768, 768)]   // split by panels, rows quantised in a dispatch of their own
    [InlineData(37, 200, 72)]    // 2 panels: split by 8-row tiles, each thread quantising its own rows
    [InlineData(64, 96, 256)]    // N = 256: 5⅓ panels, split by rows
    [InlineData(1, 384, 1536)]   // one row, many panels
    [InlineData(16, 32, 96)]     // below the split threshold: one part
    public void ThreadedIsBitwiseEqual(int m, int k, int n)
    {
        float[] x = Int8Reference.Activation(m, k, 110);
        float[] w = Int8Reference.Weight(n, k, 111);
        float[] bias = ReferenceMath.RandomArray(n, 112);
        using ComputePool pool = new(2);
        byte[] packed = Int8Harness.Pack(w, n, k);
        Assert.Equal(packed, Int8Harness.Pack(w, n, k, pool));
        foreach (Int8Path path in Int8Harness.Paths)
        {
            fixed (float* pb = bias)
            {
                GemmEpilogue epilogue = GemmEpilogue.None.WithBias(pb).WithActivation(Activation.GeluErf);
                float[] single = Int8Harness.Linear(m, n, k, x, k, packed, new float[m * n], n, epilogue, null, path);
                float[] threaded = Int8Harness.Linear(m, n, k, x, k, packed, new float[m * n], n, epilogue, pool, path);
                Int8Harness.AssertBitwiseEqual(single, threaded, n, $"{path} threaded");
            }
        }
    }

    [Fact]
    public void ARowsOutputDoesNotDependOnTheOtherRows()
    {
        // Per-row quantisation: a token's result is the same alone as inside a batch with an outlier row.
        const int m = 24, k = 160, n = 96;
        float[] x = Int8Reference.Activation(m, k, 113);
        for (int p = 0; p < k; p++)
        {
            x[(5 * k) + p] *= 1000f;
        }

        byte[] packed = Int8Harness.Pack(Int8Reference.Weight(n, k, 114), n, k);
        float[] batch = Int8Harness.Linear(m, n, k, x, k, packed, new float[m * n], n, GemmEpilogue.None, null, Int8Path.Auto);
        float[] alone = Int8Harness.Linear(1, n, k, x[(11 * k)..(12 * k)], k, packed, new float[n], n, GemmEpilogue.None, null, Int8Path.Auto);
        Int8Harness.AssertBitwiseEqual(alone, batch[(11 * n)..(12 * n)], n, "row 11 alone vs in the batch");
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(37, 200)]
    [InlineData(128, 3072)]
    public void ScratchSizeIsTheDocumentedFormula(int m, int k)
    {
        // The generator's planner repeats this formula to size the arena: m rows of ⌈k/64⌉·64 bytes, then 8 bytes a row.
        Assert.Equal((m * ((k + 63) / 64 * 64)) + (((8 * m) + 63) / 64 * 64), Int8Gemm.ScratchBytes(m, k));
    }

    [Fact]
    public void BadArgumentsAreOneLineErrors()
    {
        byte[] packed = Int8Harness.Pack(new float[48 * 8], 48, 8);
        float[] x = new float[64], y = new float[48 * 8];
        GemmArgumentException Call(int m, int n, int k, GemmEpilogue epilogue, bool scratch = true)
        {
            byte[] s = new byte[Int8Gemm.ScratchBytes(8, 8)];
            return Assert.Throws<GemmArgumentException>(() =>
            {
                fixed (float* px = x, py = y)
                fixed (byte* pp = packed, ps = s)
                {
                    Int8Gemm.Linear(m, n, k, px, k, pp, py, n, epilogue, scratch ? ps : null);
                }
            });
        }

        Assert.Contains("k = 65536", Call(1, 48, Int8Gemm.MaxDepth + 1, GemmEpilogue.None).Message);
        Assert.Contains("accumulate", Call(8, 48, 8, GemmEpilogue.AccumulateIntoC).Message);
        Assert.Contains("null", Call(8, 48, 8, GemmEpilogue.None, scratch: false).Message);
        Assert.Contains("positive", Call(0, 48, 8, GemmEpilogue.None).Message);
    }
}
