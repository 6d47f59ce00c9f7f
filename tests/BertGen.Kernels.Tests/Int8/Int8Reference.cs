using System;

namespace BertGen.Kernels.Tests.Int8;

/// <summary>
/// The int8 oracle, written from the definitions and sharing no code with the runtime: ONNX Runtime's dynamic
/// quantisation in scalar code (onnxruntime/core/util/qmath.h GetQuantizationParameter; MlasQuantizeLinear:
/// saturate(round-half-even(x / scale) + zero point)), the integer product in 64-bit, and the dequantisation
/// written as the runtime documents it, float(Σ(a − zp)·q) · (scaleA · scaleW). Float operations are the ones the
/// definitions name, each correctly rounded, so "exact" comparisons against it are meaningful.
/// </summary>
internal static class Int8Reference
{
    /// <summary>A quantised activation matrix: unsigned bytes [m, k], a scale and zero point per row.</summary>
    public sealed record Activations(byte[] Values, float[] Scales, int[] ZeroPoints);

    /// <summary>A quantised weight [n, k]: signed bytes, a scale per output row.</summary>
    public sealed record Weights(sbyte[] Values, float[] Scales);

    /// <summary>Quantises each row of x [m, k] (leading dimension ldx) as DynamicQuantizeLinear quantises a tensor.</summary>
    public static Activations QuantizeActivations(float[] x, int m, int k, int ldx)
    {
        var values = new byte[m * k];
        var scales = new float[m];
        var zeroPoints = new int[m];
        for (int i = 0; i < m; i++)
        {
            float min = 0f, max = 0f;
            for (int p = 0; p < k; p++)
            {
                min = Math.Min(min, x[(i * ldx) + p]);
                max = Math.Max(max, x[(i * ldx) + p]);
            }

            float scale = max == min ? 1f : (max - min) / 255f;
            int zeroPoint = (int)MathF.Round(Math.Clamp(-min / scale, 0f, 255f), MidpointRounding.ToEven);
            for (int p = 0; p < k; p++)
            {
                int q = (int)MathF.Round(x[(i * ldx) + p] / scale, MidpointRounding.ToEven) + zeroPoint;
                values[(i * k) + p] = (byte)Math.Clamp(q, 0, 255);
            }

            scales[i] = scale;
            zeroPoints[i] = zeroPoint;
        }

        return new Activations(values, scales, zeroPoints);
    }

    /// <summary>Quantises each row of w [n, k] symmetrically to [−127, 127] (quantize_dynamic, per_channel).</summary>
    public static Weights QuantizeWeights(float[] w, int n, int k)
    {
        var values = new sbyte[n * k];
        var scales = new float[n];
        for (int j = 0; j < n; j++)
        {
            float absMax = 0f;
            for (int p = 0; p < k; p++)
            {
                absMax = Math.Max(absMax, Math.Abs(w[(j * k) + p]));
            }

            float scale = absMax > 0f ? absMax / 127f : 1f;
            for (int p = 0; p < k; p++)
            {
                int q = (int)MathF.Round(w[(j * k) + p] / scale, MidpointRounding.ToEven);
                values[(j * k) + p] = (sbyte)Math.Clamp(q, -127, 127);
            }

            scales[j] = scale;
        }

        return new Weights(values, scales);
    }

    /// <summary>The exact integer products Σₖ (a[i,k] − zp[i])·q[j,k], [m, n], in 64-bit.</summary>
    public static long[] IntegerProduct(Activations a, Weights w, int m, int n, int k)
    {
        var result = new long[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                long sum = 0;
                for (int p = 0; p < k; p++)
                {
                    sum += (long)(a.Values[(i * k) + p] - a.ZeroPoints[i]) * w.Values[(j * k) + p];
                }

                result[(i * n) + j] = sum;
            }
        }

        return result;
    }

    /// <summary>y[i, j] = float(Σ(a − zp)·q) · (scaleA[i] · scaleW[j]) (+ bias[j] when given).</summary>
    public static float[] Linear(Activations a, Weights w, int m, int n, int k, float[]? bias = null)
    {
        long[] sums = IntegerProduct(a, w, m, n, k);
        var y = new float[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float v = (float)checked((int)sums[(i * n) + j]) * (a.Scales[i] * w.Scales[j]);
                y[(i * n) + j] = bias is null ? v : v + bias[j];
            }
        }

        return y;
    }

    /// <summary>
    /// Seeded values resembling activations: normal with a per-row scale between 0.1 and 10 and an occasional
    /// outlier row, so rows get different scales and zero points.
    /// </summary>
    public static float[] Activation(int m, int k, int seed)
    {
        var random = new Random(seed);
        var x = new float[m * k];
        for (int i = 0; i < m; i++)
        {
            double rowScale = Math.Pow(10, (random.NextDouble() * 2) - 1);
            double shift = random.Next(3) == 0 ? rowScale : 0;
            for (int p = 0; p < k; p++)
            {
                x[(i * k) + p] = (float)((Normal(random) * rowScale) + shift);
            }
        }

        return x;
    }

    /// <summary>Seeded normal(0, 0.05) weights, HF-initialisation-like, with per-row magnitudes varying 4×.</summary>
    public static float[] Weight(int n, int k, int seed)
    {
        var random = new Random(seed);
        var w = new float[n * k];
        for (int j = 0; j < n; j++)
        {
            double rowScale = 0.025 + (0.075 * random.NextDouble());
            for (int p = 0; p < k; p++)
            {
                w[(j * k) + p] = (float)(Normal(random) * rowScale);
            }
        }

        return w;
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
