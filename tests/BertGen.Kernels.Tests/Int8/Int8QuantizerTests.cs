using System;
using BertGen.Runtime.Kernels;
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
        // Eleven rows of this kind, each scaled differently, read with a leading dimension past k: a block of 8 and
        // a tail of 3, every row with its own scale and zero point.
        const int rows = 11;
        int ldx = k + 3, stride = (k + 63) / 64 * 64;
        float[] x = new float[rows * ldx];
        float[] dense = new float[rows * k];
        for (int i = 0; i < rows; i++)
        {
            float[] row = Row(kind, k, 201 + i);
            for (int p = 0; p < k; p++)
            {
                x[(i * ldx) + p] = dense[(i * k) + p] = row[p] * (1 + i);
            }
        }

        Int8Reference.Activations expected = Int8Reference.QuantizeActivations(dense, rows, k, k);
        foreach (VectorWidth width in Widths)
        {
            byte[] q = new byte[rows * stride];
            Array.Fill(q, (byte)0xAB);
            float[] scales = new float[rows];
            int[] zeroPoints = new int[rows];
            fixed (float* px = x, ps = scales)
            fixed (byte* pq = q)
            fixed (int* pz = zeroPoints)
            {
                Int8Quantizer.QuantizeActivationRows(px, ldx, rows, k, pq, stride, ps, pz, width);
            }

            for (int i = 0; i < rows; i++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(expected.Scales[i]), BitConverter.SingleToInt32Bits(scales[i]));
                Assert.Equal(expected.ZeroPoints[i], zeroPoints[i]);
                Assert.Equal(expected.Values[(i * k)..((i + 1) * k)], q[(i * stride)..((i * stride) + k)]);
                Assert.All(q[((i * stride) + k)..((i + 1) * stride)], b => Assert.Equal(0, b));
            }
        }
    }

    [Fact]
    public void ARowTooSmallForAScaleQuantisesToZerosWithScaleOne()
    {
        // Below ~1.8e-43, absMax / 127 rounds to 0: the row was written with scale 0 and values of ±127, a file the
        // int8 weights reader refuses (a 0 scale beside values that are not 0).
        float[] w = [1e-44f, -2e-44f, 0f, 3e-45f];
        foreach (VectorWidth width in Widths)
        {
            sbyte[] q = new sbyte[w.Length];
            float scale;
            fixed (float* pw = w)
            fixed (sbyte* pq = q)
            {
                (scale, _) = Int8Quantizer.QuantizeWeightRow(pw, w.Length, pq, width);
            }

            Assert.Equal(1f, scale);
            Assert.All(q, v => Assert.Equal(0, v));
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

    [Fact]
    public void DivisionFreeQuotientRoundsLikeDivisionAtEveryHalfStep()
    {
        // The vector bodies divide by Markstein's FMA sequence; the bytes must be those of x / scale rounded half to
        // even, also for values one or two ulps either side of each half step n + ½ (where a quotient one ulp off
        // would round the other way) and for scales whose significands are all ones or nearly 1.
        var random = new Random(205);
        var scales = new System.Collections.Generic.List<float> { 1f, 0.5f, BitConverter.Int32BitsToSingle(0x3F7FFFFF), BitConverter.Int32BitsToSingle(0x3F800001), BitConverter.Int32BitsToSingle(0x3FFFFFFF), 1f / 255f, 1f / 127f, 7.888609e-31f, 1.2676506e30f };
        for (int i = 0; i < 400; i++)
        {
            scales.Add((float)Math.Pow(2, (random.NextDouble() * 200) - 100));
        }

        foreach (float scale in scales)
        {
            var x = new System.Collections.Generic.List<float>();
            for (int n = -128; n < 128; n++)
            {
                float half = (float)((n + 0.5) * scale);
                x.AddRange([half, MathF.BitIncrement(half), MathF.BitDecrement(half), MathF.BitIncrement(MathF.BitIncrement(half)), MathF.BitDecrement(MathF.BitDecrement(half)), n * scale]);
            }

            float[] values = [.. x];
            foreach (VectorWidth width in Widths)
            {
                byte[] q = new byte[values.Length];
                fixed (float* px = values)
                fixed (byte* pq = q)
                {
                    Int8Quantizer.Quantize(px, values.Length, scale, -128, 127, 0, pq, width);
                }

                for (int i = 0; i < values.Length; i++)
                {
                    int expected = Math.Clamp((int)MathF.Round(values[i] / scale, MidpointRounding.ToEven), -128, 127);
                    Assert.True(expected == (sbyte)q[i], $"{width}: {values[i]:R} / {scale:R} quantised to {(sbyte)q[i]}, division gives {expected}");
                }
            }
        }
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
