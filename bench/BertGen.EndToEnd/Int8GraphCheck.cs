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
/// scales are coarser than BertGen's per-token ones); <c>--only int8</c> sets BertGen's own int8 forward beside it
/// (per-token cosines and times).
/// </summary>
public static class Int8GraphCheck
{
    /// <summary>
    /// Runs the published example sentence (REFERENCE.md §5: ids 101 2023 2003 2019 2742 6251 102, padded to 128 and
    /// masked) and 128 seeded ids from the ordinary vocabulary; true when each pooled cosine is at least 0.95.
    /// </summary>
    public static bool Run(int threads, TextWriter output)
    {
        const int sequence = 128;
        using var pool = new ComputePool(threads);
        using IBertModel model = MiniLmL6.Descriptor.Create(pool);
        ParameterLoader.LoadPretrained(PretrainedModel.MiniLmL6V2, model.ParameterTable, model.Parameters.AsSpan());
        byte[] graph = BertOnnxGraph.Write(model, MiniLmL6.Descriptor, sequence, int8: true);
        model.PrepareWeights();
        using IForwardPass pass = model.CreateForwardPass(1, sequence);
        using var options = new SessionOptions { IntraOpNumThreads = threads, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(graph, options);

        var random = new Random(2024);
        int[] example = [101, 2023, 2003, 2019, 2742, 6251, 102];
        int[] seeded = new int[sequence];
        for (int t = 0; t < sequence; t++)
        {
            seeded[t] = t == 0 ? 101 : t == sequence - 1 ? 102 : random.Next(1000, 30000);
        }

        bool allWithin = true;
        foreach ((string name, int[] tokens) in new[] { ("\"This is an example sentence\"", example), ("128 seeded ids", seeded) })
        {
            var ids = new int[sequence];
            var mask = new int[sequence];
            tokens.CopyTo(ids, 0);
            Array.Fill(mask, 1, 0, tokens.Length);
            pass.Run(ids, mask, new int[sequence]);
            float[] fp32 = pass.LastHiddenState.ToArray();
            float[] int8 = RunOnnxRuntime(session, ids, mask);
            int h = model.HiddenSize;
            var tokenCosines = new double[tokens.Length];
            for (int t = 0; t < tokens.Length; t++)
            {
                tokenCosines[t] = Cosines.Of(fp32.AsSpan(t * h, h), int8.AsSpan(t * h, h));
            }

            Array.Sort(tokenCosines);
            double pooled = Cosines.Of(MeanPool(fp32, tokens.Length, h), MeanPool(int8, tokens.Length, h));
            allWithin &= pooled >= 0.95;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"all-MiniLM-L6-v2 written int8 graph on ORT {typeof(InferenceSession).Assembly.GetName().Version} vs BertGen fp32, {name}: mean-pooled embedding cosine {pooled:F5}; per-token cosine min {tokenCosines[0]:F5}, median {tokenCosines[tokens.Length / 2]:F5}"));
        }

        return allWithin;
    }

    private static float[] RunOnnxRuntime(InferenceSession session, int[] ids, int[] mask)
    {
        long[] dims = [1, ids.Length];
        using OrtValue idsValue = OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(ids, v => (long)v), dims);
        using OrtValue maskValue = OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(mask, v => (long)v), dims);
        using OrtValue typesValue = OrtValue.CreateTensorValueFromMemory(new long[ids.Length], dims);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, ["input_ids", "attention_mask", "token_type_ids"], [idsValue, maskValue, typesValue], ["last_hidden_state"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    // The mean of the first `tokens` rows (the attended ones).
    private static float[] MeanPool(float[] hidden, int tokens, int h)
    {
        var pooled = new float[h];
        for (int t = 0; t < tokens; t++)
        {
            for (int j = 0; j < h; j++)
            {
                pooled[j] += hidden[(t * h) + j] / tokens;
            }
        }

        return pooled;
    }
}
