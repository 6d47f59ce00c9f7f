using System;
using System.Globalization;
using System.IO;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Kernels.Int8;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Threading;
using Microsoft.ML.OnnxRuntime;

namespace BertGen.Bench;

/// <summary>
/// ONNX Runtime's int8 linear layer — the graph <c>quantize_dynamic(per_channel=True)</c> writes
/// (<see cref="BertOnnxGraph.WriteInt8Linear"/>) — against BertGen's int8 GEMM on the same int8 weights and
/// scales, within a stated bound per element, at BERT-base and MiniLM shapes. Exits non-zero when any element is
/// outside it: the peer must compute the same thing before timing it means anything.
/// </summary>
/// <remarks>
/// <para>
/// The two quantise the activations differently: ORT's <c>DynamicQuantizeLinear</c> takes one scale and zero point
/// for the whole tensor, BertGen one per row (token). With one row they are the same quantisation — the same
/// formula, division and round-half-even as MLAS — so both multiply the same integers and differ at most in how the
/// final <c>float(Σ)·(sₐ·s_w) + b</c> is rounded (an FMA or not): |Δ| ≤ 4u·(|y| + |b|).
/// </para>
/// <para>
/// With more rows each is within its own quantisation bound of the exact product (Int8AccuracyTests derives it):
/// |y − xWᵀ| ≤ (s_w/2)·Σ|x| + (sₐ/2)·Σ|ŵ| + small, with sₐ the row's scale for BertGen and the tensor's for ORT, so
/// |Δ| ≤ s_w·Σ|x| + ((s_row + s_tensor)/2)·Σ|ŵ| + 512u·s_tensor·Σ|ŵ| + 6u·(|y| + |b|). The RMS error of each against
/// the exact product is printed too: per-row scales are finer, so BertGen's is the smaller.
/// </para>
/// </remarks>
public static unsafe class Int8LinearCheck
{
    private static readonly (int M, int K, int N, string Name)[] Cases =
    [
        (1, 384, 1536, "MiniLM ffn1, one token"),
        (1, 768, 768, "BERT-base out, one token"),
        (1, 3072, 768, "BERT-base ffn2, one token"),
        (128, 384, 1152, "MiniLM qkv, 128 tokens"),
        (128, 768, 3072, "BERT-base ffn1, 128 tokens"),
        (128, 3072, 768, "BERT-base ffn2, 128 tokens"),
        (37, 200, 72, "odd shape"),
    ];

    /// <summary>Runs every case; true when all are within their bounds.</summary>
    public static bool Run(int threads, TextWriter output)
    {
        const double u = 1.0 / (1 << 24);
        bool allWithin = true;
        using var pool = new ComputePool(threads);
        using var options = new SessionOptions { IntraOpNumThreads = threads, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        output.WriteLine($"ONNX Runtime {typeof(InferenceSession).Assembly.GetName().Version} int8 (DynamicQuantizeLinear + MatMulInteger, per-channel int8 weights) vs BertGen's int8 GEMM, same int8 weights, {threads} threads");
        output.WriteLine("| case | M×K→N | max |Δ| | max |Δ| / bound | RMS error vs exact: BertGen / ORT |");
        output.WriteLine("| --- | --- | --- | --- | --- |");
        foreach ((int m, int k, int n, string name) in Cases)
        {
            var random = new Random((m * 31) + k + n);
            float[] x = Activations(m, k, random);
            float[] w = Normal(n * k, 0.05, random);
            float[] bias = Normal(n, 0.1, random);
            (sbyte[] q, float[] scales) = QuantizeWeights(w, n, k);
            float[] ours = BertGen(m, n, k, x, q, scales, bias, pool);
            float[] ort = OnnxRuntime(m, n, k, x, q, scales, bias, options);
            (float tensorMin, float tensorMax) = MinMax(x, 0, m * k);
            float tensorScale = Int8Quantizer.ActivationParameters(tensorMin, tensorMax).Scale;
            double worst = 0, worstShare = 0, oursSquares = 0, ortSquares = 0;
            for (int i = 0; i < m; i++)
            {
                (float rowMin, float rowMax) = MinMax(x, i * k, k);
                float rowScale = Int8Quantizer.ActivationParameters(rowMin, rowMax).Scale;
                double sumAbsX = 0;
                for (int p = 0; p < k; p++)
                {
                    sumAbsX += Math.Abs(x[(i * k) + p]);
                }

                for (int j = 0; j < n; j++)
                {
                    double exact = bias[j], sumAbsW = 0;
                    for (int p = 0; p < k; p++)
                    {
                        exact += (double)x[(i * k) + p] * w[(j * k) + p];
                        sumAbsW += Math.Abs((double)scales[j] * q[(j * k) + p]);
                    }

                    double y = ours[(i * n) + j], delta = Math.Abs(y - ort[(i * n) + j]);
                    double bound = m == 1
                        ? 4 * u * (Math.Abs(y) + Math.Abs(bias[j]))
                        : (scales[j] * sumAbsX) + (((rowScale + tensorScale) / 2.0) * sumAbsW) + (512 * u * tensorScale * sumAbsW) + (6 * u * (Math.Abs(y) + Math.Abs(bias[j])));
                    worst = Math.Max(worst, delta);
                    worstShare = Math.Max(worstShare, bound > 0 ? delta / bound : delta > 0 ? double.PositiveInfinity : 0);
                    oursSquares += (y - exact) * (y - exact);
                    ortSquares += (ort[(i * n) + j] - exact) * (ort[(i * n) + j] - exact);
                }
            }

            allWithin &= worstShare <= 1;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {m}×{k}→{n} | {worst:E2} | {worstShare:F3}{(worstShare <= 1 ? "" : " OUTSIDE")} | {Math.Sqrt(oursSquares / (m * n)):E2} / {Math.Sqrt(ortSquares / (m * n)):E2} |"));
        }

        return allWithin;
    }

    private static float[] BertGen(int m, int n, int k, float[] x, sbyte[] q, float[] scales, float[] bias, ComputePool pool)
    {
        byte[] packed = new byte[QuantizedPanels.PackedBytes(n, k)];
        byte[] scratch = new byte[Int8Gemm.ScratchBytes(m, k)];
        float[] packedBias = new float[n], y = new float[m * n];
        fixed (sbyte* pq = q)
        fixed (float* ps = scales, pb = bias, ppb = packedBias, px = x, py = y)
        fixed (byte* pp = packed, pscratch = scratch)
        {
            Int8LinearPacker.PackQuantized(pp, ppb, k, [((nint)pq, (nint)ps, (nint)pb, n)]);
            Int8Gemm.Linear(m, n, k, px, k, pp, py, n, GemmEpilogue.None.WithBias(ppb), pscratch, pool);
        }

        return y;
    }

    private static float[] OnnxRuntime(int m, int n, int k, float[] x, sbyte[] q, float[] scales, float[] bias, SessionOptions options)
    {
        using var session = new InferenceSession(BertOnnxGraph.WriteInt8Linear(n, k, q, scales, bias), options);
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(x, [m, k]);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, ["x"], [input], ["y"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static (sbyte[] Values, float[] Scales) QuantizeWeights(float[] w, int n, int k)
    {
        var values = new sbyte[n * k];
        var scales = new float[n];
        fixed (float* pw = w)
        fixed (sbyte* pq = values)
        {
            for (int j = 0; j < n; j++)
            {
                (scales[j], _) = Int8Quantizer.QuantizeWeightRow(pw + ((long)j * k), k, pq + ((long)j * k), VectorWidths.Best);
            }
        }

        return (values, scales);
    }

    private static (float Min, float Max) MinMax(float[] values, int start, int count)
    {
        fixed (float* p = values)
        {
            return Int8Quantizer.MinMax(p + start, count, VectorWidth.Scalar);
        }
    }

    // Rows of different magnitudes (0.1 to 10) and some shifted off zero, as hidden states across tokens are.
    private static float[] Activations(int m, int k, Random random)
    {
        var x = new float[m * k];
        for (int i = 0; i < m; i++)
        {
            double scale = Math.Pow(10, (random.NextDouble() * 2) - 1), shift = random.Next(3) == 0 ? scale : 0;
            for (int p = 0; p < k; p++)
            {
                x[(i * k) + p] = (float)((Gaussian(random) * scale) + shift);
            }
        }

        return x;
    }

    private static float[] Normal(int count, double std, Random random)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)(Gaussian(random) * std);
        }

        return values;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
