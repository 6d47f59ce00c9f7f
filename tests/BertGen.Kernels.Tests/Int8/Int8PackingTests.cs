using System;
using BertGen.Runtime.Kernels.Int8;
using Xunit;

namespace BertGen.Kernels.Tests.Int8;

/// <summary>
/// The packed layout as <see cref="QuantizedPanels"/> documents it (a future 512-bit kernel reads the same bytes),
/// and the three ways of producing it agreeing: quantise-and-pack from fp32, pack already quantised weights, and
/// fused parts.
/// </summary>
public sealed unsafe class Int8PackingTests
{
    [Theory]
    [InlineData(48, 8)]
    [InlineData(100, 49)]   // a part-filled last panel and a padded k-group
    [InlineData(130, 257)]
    public void LayoutIsTheDocumentedOne(int n, int k)
    {
        float[] w = Int8Reference.Weight(n, k, 401);
        Int8Reference.Weights expected = Int8Reference.QuantizeWeights(w, n, k);
        byte[] packed = Int8Harness.Pack(w, n, k);
        int panels = (n + 47) / 48, depth = (k + 3) / 4 * 4, groups = depth / 4;
        Assert.Equal((long)panels * 48 * (depth + 8), packed.Length);
        Assert.Equal(0, packed.Length % 64);
        for (int p = 0; p < panels; p++)
        {
            for (int g = 0; g < groups; g++)
            {
                for (int j = 0; j < 48; j++)
                {
                    for (int t = 0; t < 4; t++)
                    {
                        int column = (48 * p) + j, kk = (4 * g) + t;
                        sbyte want = column < n && kk < k ? expected.Values[(column * k) + kk] : (sbyte)0;
                        Assert.Equal(want, (sbyte)packed[((((p * groups) + g) * 48) + j) * 4 + t]);
                    }
                }
            }
        }

        long sums = (long)panels * 48 * depth, scales = sums + (panels * 48 * 4);
        for (int column = 0; column < panels * 48; column++)
        {
            int wantSum = 0;
            for (int kk = 0; column < n && kk < k; kk++)
            {
                wantSum += expected.Values[(column * k) + kk];
            }

            Assert.Equal(wantSum, BitConverter.ToInt32(packed, (int)sums + (4 * column)));
            float wantScale = column < n ? expected.Scales[column] : 0f;
            Assert.Equal(wantScale, BitConverter.ToSingle(packed, (int)scales + (4 * column)));
        }
    }

    [Theory]
    [InlineData(96, 64)]
    [InlineData(70, 131)]
    public void PackingQuantisedWeightsGivesTheSameBytesAndUnpackInvertsIt(int n, int k)
    {
        float[] w = Int8Reference.Weight(n, k, 402);
        Int8Reference.Weights q = Int8Reference.QuantizeWeights(w, n, k);
        byte[] fromFloat = Int8Harness.Pack(w, n, k);
        byte[] fromInt8 = new byte[fromFloat.Length];
        float[] bias = ReferenceMath.RandomArray(n, 403), packedBias = new float[n];
        sbyte[] values = new sbyte[n * (k + 5)];
        float[] scales = new float[n];
        byte[] unaligned = new byte[(n * 4) + 1];
        Buffer.BlockCopy(q.Scales, 0, unaligned, 1, n * 4);
        fixed (sbyte* pq = q.Values, pv = values)
        fixed (float* pb = bias, ppb = packedBias, ps = scales)
        fixed (byte* pp = fromInt8, pu = unaligned)
        {
            // The scales one byte off alignment, as they can be in a mapped safetensors file.
            Int8LinearPacker.PackQuantized(pp, ppb, k, [((nint)pq, (nint)(pu + 1), (nint)pb, n)]);
            Int8LinearPacker.Unpack(pp, n, k, pv, k + 5, ps);
        }

        Assert.Equal(fromFloat, fromInt8);
        Assert.Equal(bias, packedBias);
        Assert.Equal(q.Scales, scales);
        for (int j = 0; j < n; j++)
        {
            Assert.Equal(q.Values[(j * k)..((j + 1) * k)], values[(j * (k + 5))..((j * (k + 5)) + k)]);
        }
    }

    [Fact]
    public void FusedPartsPackAsTheirStack()
    {
        // Q, K, V apart in memory (biases between them, as in the parameter buffer) pack as the stacked matrix.
        const int rows = 40, k = 72;
        float[] buffer = ReferenceMath.RandomArray(3 * ((rows * k) + rows), 404);
        float[] stacked = new float[3 * rows * k];
        float[] stackedBias = new float[3 * rows];
        for (int part = 0; part < 3; part++)
        {
            Array.Copy(buffer, part * ((rows * k) + rows), stacked, part * rows * k, rows * k);
            Array.Copy(buffer, (part * ((rows * k) + rows)) + (rows * k), stackedBias, part * rows, rows);
        }

        byte[] fused = new byte[QuantizedPanels.PackedBytes(3 * rows, k)];
        float[] fusedBias = new float[3 * rows];
        fixed (float* p = buffer, pb = fusedBias)
        fixed (byte* pf = fused)
        {
            float* p0 = p, p1 = p + ((rows * k) + rows), p2 = p + (2 * ((rows * k) + rows));
            Int8LinearPacker.Pack(pf, pb, k, [((nint)p0, (nint)(p0 + (rows * k)), rows), ((nint)p1, (nint)(p1 + (rows * k)), rows), ((nint)p2, (nint)(p2 + (rows * k)), rows)]);
        }

        Assert.Equal(Int8Harness.Pack(stacked, 3 * rows, k), fused);
        Assert.Equal(stackedBias, fusedBias);
    }
}
