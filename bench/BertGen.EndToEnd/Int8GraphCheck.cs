using System;
using System.Globalization;
using System.IO;
using BertGen.Models;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Pretrained;
using BertGen.Runtime.Threading;
using BertGen.Runtime.Weights;
using Microsoft.ML.OnnxRuntime;

namespace BertGen.Bench;

/// <summary>
/// The whole dynamically quantised graph (<see cref="BertOnnxGraph.Write"/> with <c>int8</c>) on the real
/// all-MiniLM-L6-v2 weights: ONNX Runtime runs it, and its last hidden state is set beside BertGen's fp32 forward
/// on the same ids — per-token cosine similarity and the cosine of the mean-pooled sentence embeddings. A check that
/// the written int8 graph is the model — a wrong graph (a weight not transposed, a scale missing) gives a cosine near
/// 0, quantisation noise alone stays above 0.95 — and a first look at ORT's int8 quality (its per-tensor activation
/// scales are coarser than BertGen's per-token ones); BertGen's own int8 forward comes with the generator's int8
/// variant.
/// </summary>
public static class Int8GraphCheck
{
    /// <summary>Runs one sequence of 128 seeded ids; true when the pooled cosine is at least 0.95.</summary>
    public static bool Run(int threads, TextWriter output)
    {
        const int batch = 1, sequence = 128;
        using var pool = new ComputePool(threads);
        using IBertModel model = MiniLmL6.Descriptor.Create(pool);
        ParameterLoader.LoadPretrained(PretrainedModel.MiniLmL6V2, model.ParameterTable, model.Parameters.AsSpan());
        byte[] graph = BertOnnxGraph.Write(model, MiniLmL6.Descriptor, sequence, int8: true);
        model.PrepareWeights();
        using IForwardPass pass = model.CreateForwardPass(batch, sequence);

        var random = new Random(2024);
        int tokens = batch * sequence, h = model.HiddenSize;
        var ids = new int[tokens];
        var mask = new int[tokens];
        var types = new int[tokens];
        for (int t = 0; t < tokens; t++)
        {
            ids[t] = t % sequence == 0 ? 101 : t % sequence == sequence - 1 ? 102 : random.Next(1000, 30000);
            mask[t] = 1;
        }

        pass.Run(ids, mask, types);
        float[] fp32 = pass.LastHiddenState.ToArray();

        using var options = new SessionOptions { IntraOpNumThreads = threads, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(graph, options);
        long[] dims = [batch, sequence];
        using OrtValue idsValue = OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(ids, v => (long)v), dims);
        using OrtValue maskValue = OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(mask, v => (long)v), dims);
        using OrtValue typesValue = OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(types, v => (long)v), dims);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, ["input_ids", "attention_mask", "token_type_ids"], [idsValue, maskValue, typesValue], ["last_hidden_state"]);
        float[] int8 = outputs[0].GetTensorDataAsSpan<float>().ToArray();

        var tokenCosines = new double[tokens];
        for (int t = 0; t < tokens; t++)
        {
            tokenCosines[t] = Cosine(fp32.AsSpan(t * h, h), int8.AsSpan(t * h, h));
        }

        Array.Sort(tokenCosines);
        bool allWithin = true;
        for (int b = 0; b < batch; b++)
        {
            double pooled = Cosine(MeanPool(fp32, b, sequence, h), MeanPool(int8, b, sequence, h));
            allWithin &= pooled >= 0.95;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"all-MiniLM-L6-v2 written int8 graph on ORT {typeof(InferenceSession).Assembly.GetName().Version} vs BertGen fp32, sequence {b} of {batch}×{sequence} seeded ids: mean-pooled embedding cosine {pooled:F5}"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"per-token hidden-state cosine over {tokens} tokens: min {tokenCosines[0]:F5}, median {tokenCosines[tokens / 2]:F5}"));
        return allWithin;
    }

    private static float[] MeanPool(float[] hidden, int b, int sequence, int h)
    {
        var pooled = new float[h];
        for (int s = 0; s < sequence; s++)
        {
            for (int j = 0; j < h; j++)
            {
                pooled[j] += hidden[((b * sequence) + s) * h + j] / sequence;
            }
        }

        return pooled;
    }

    private static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            aa += (double)a[i] * a[i];
            bb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(aa * bb);
    }
}
