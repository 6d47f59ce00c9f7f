using System;
using BertGen.Runtime.Kernels.Int8;
using BertGen.Runtime.Optimization;
using Xunit;

namespace BertGen.Kernels.Tests.Int8;

/// <summary>
/// The quantiser at every vector width against the scalar reference (bitwise: every step is exact or correctly
/// rounded), and the round-trip properties the error bound of <see cref="Int8AccuracyTests"/> rests on.
/// </summary>
public sealed unsafe class Int8QuantizerTests
{
    private static readonly VectorWidth[] Widths = [VectorWidth.Bits512, VectorWidth.Bits256, VectorWidth.Scalar];

    // Rows a linear layer can see: random, one-signed, zero, constant, with an outlier, tiny, huge.
    public static TheoryData<string, int> Rows => new()
    {
        { "random", 1 }, { "random", 7 }, { "random", 31 }, { "random", 64 }, { "random", 65 }, { "random", 129 }, { "random", 384 }, { "random", 1000 },
        { "positive", 100 }, { "negative", 100 }, { "zero", 70 }, { "constant", 70 }, { "outlier", 384 }, { "tiny", 50 }, { "huge", 50 },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void ActivationRowsEqualTheReference(string kind, int k)
    {
        float[] x = Row(kind, k, 201);
        Int8Reference.Activations expected = Int8Reference.QuantizeActivations(x, 1, k, k);
        int padded = (k + 63) / 64 * 64;
        foreach (VectorWidth width in Widths)
        {
            byte[] q = new byte[padded];
            Array.Fill(q, (byte)0xAB);
            float scale;
            int zeroPoint;
            fixed (float* px = x)
            fixed (byte* pq = q)
            {
                (scale, zeroPoint) = Int8Quantizer.QuantizeActivationRow(px, k, pq, padded, width);
            }

            Assert.Equal(BitConverter.SingleToInt32Bits(expected.Scales[0]), BitConverter.SingleToInt32Bits(scale));
            Assert.Equal(expected.ZeroPoints[0], zeroPoint);
            Assert.Equal(expected.Values, q[..k]);
            Assert.All(q[k..], b => Assert.Equal(0, b));
        }
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void WeightRowsEqualTheReference(string kind, int k)
    {
        float[] w = Row(kind, k, 202);
        Int8Reference.Weights expected = Int8Reference.QuantizeWeights(w, 1, k);
        foreach (VectorWidth width in Widths)
        {
            sbyte[] q = new sbyte[k];
            float scale;
            int sum;
            fixed (float* pw = w)
            fixed (sbyte* pq = q)
            {
                (scale, sum) = Int8Quantizer.QuantizeWeightRow(pw, k, pq, width);
            }

            Assert.Equal(BitConverter.SingleToInt32Bits(expected.Scales[0]), BitConverter.SingleToInt32Bits(scale));
            Assert.Equal(expected.Values, q);
            Assert.Equal(SumOf(expected.Values), sum);
        }
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void ActivationRoundTripIsWithinHalfAStep(string kind, int k)
    {
        // Dequantising gives back every value within scale/2, plus 256·u·scale for the rounding of x/scale, of the
        // scale and of the zero point (|x| ≤ 255·scale): the range [min, max] fits the 256 levels, 0 is exact.
        float[] x = Row(kind, k, 203);
        Int8Reference.Activations q = Int8Reference.QuantizeActivations(x, 1, k, k);
        double scale = q.Scales[0];
        for (int p = 0; p < k; p++)
        {
            double back = scale * (q.Values[p] - q.ZeroPoints[0]);
            double bound = (scale / 2) + (256 * ReferenceMath.FloatUnitRoundoff * scale);
            Assert.True(Math.Abs(back - x[p]) <= bound, $"{kind}: x[{p}] = {x[p]:R} came back as {back:R}, off by more than {bound:E3}");
            if (x[p] == 0f)
            {
                Assert.Equal(q.ZeroPoints[0], q.Values[p]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void WeightRoundTripIsWithinHalfAStepAndUsesTheFullRange(string kind, int k)
    {
        float[] w = Row(kind, k, 204);
        Int8Reference.Weights q = Int8Reference.QuantizeWeights(w, 1, k);
        double scale = q.Scales[0], absMax = 0;
        int largest = 0;
        for (int p = 0; p < k; p++)
        {
            double back = scale * q.Values[p];
            double bound = (scale / 2) + (128 * ReferenceMath.FloatUnitRoundoff * scale);
            Assert.True(Math.Abs(back - w[p]) <= bound, $"{kind}: w[{p}] = {w[p]:R} came back as {back:R}");
            absMax = Math.Max(absMax, Math.Abs(w[p]));
            largest = Math.Max(largest, Math.Abs((int)q.Values[p]));
        }

        Assert.Equal(absMax > 0 ? 127 : 0, largest);
        Assert.DoesNotContain((sbyte)-128, q.Values);
    }

    private static int SumOf(sbyte[] values)
    {
        int sum = 0;
        foreach (sbyte v in values)
        {
            sum += v;
        }

        return sum;
    }

    private static float[] Row(string kind, int k, int seed)
    {
        float[] random = Int8Reference.Activation(1, k, seed + k);
        float[] row = new float[k];
        for (int p = 0; p < k; p++)
        {
            row[p] = kind switch
            {
                "random" => random[p],
                "positive" => Math.Abs(random[p]) + 0.5f,
                "negative" => -Math.Abs(random[p]) - 0.5f,
                "zero" => 0f,
                "constant" => 2.5f,
                "outlier" => p == k / 3 ? 480f : random[p],
                "tiny" => random[p] * 1e-30f,
                "huge" => random[p] * 1e30f,
                _ => throw new ArgumentException(kind),
            };
        }

        return row;
    }
}
