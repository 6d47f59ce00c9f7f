using System;
using System.Collections.Generic;
using BertGen.Testing;
using Xunit;

namespace BertGen.Runtime.Tests;

/// <summary>
/// The reference BERT on a tiny random model: properties any correct BERT has (padding and batch
/// invariance) and the heads on weights chosen so their outputs have a closed form. The encoder's
/// arithmetic itself is checked against ONNX Runtime in <see cref="ReferenceBertVsOnnxRuntimeTests"/>.
/// </summary>
public sealed class ReferenceBertTests
{
    private static readonly ReferenceBertConfig Tiny = new(
        Hidden: 4, Layers: 2, Heads: 2, Intermediate: 8, Activation: ReferenceActivation.GeluTanh,
        LayerNormEps: 1e-12, VocabSize: 10, MaxPositions: 8, TypeVocabSize: 2, NumLabels: 3);

    private static Dictionary<string, float[]> RandomWeights(ReferenceBertConfig c, int seed)
    {
        var random = new Random(seed);
        float[] Normal(int n, double scale)
        {
            var values = new float[n];
            for (int i = 0; i < n; i++)
            {
                values[i] = (float)(((random.NextDouble() * 2) - 1) * scale);
            }

            return values;
        }

        int h = c.Hidden;
        var w = new Dictionary<string, float[]>
        {
            ["bert.embeddings.word_embeddings.weight"] = Normal(c.VocabSize * h, 1),
            ["bert.embeddings.position_embeddings.weight"] = Normal(c.MaxPositions * h, 1),
            ["bert.embeddings.token_type_embeddings.weight"] = Normal(c.TypeVocabSize * h, 1),
            ["bert.embeddings.LayerNorm.gamma"] = Normal(h, 1),
            ["bert.embeddings.LayerNorm.beta"] = Normal(h, 1),
            ["bert.pooler.dense.weight"] = Normal(h * h, 1),
            ["bert.pooler.dense.bias"] = Normal(h, 1),
        };
        for (int l = 0; l < c.Layers; l++)
        {
            string p = $"bert.encoder.layer.{l}.";
            foreach (string name in new[] { "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense" })
            {
                w[p + name + ".weight"] = Normal(h * h, 1);
                w[p + name + ".bias"] = Normal(h, 1);
            }

            w[p + "intermediate.dense.weight"] = Normal(c.Intermediate * h, 1);
            w[p + "intermediate.dense.bias"] = Normal(c.Intermediate, 1);
            w[p + "output.dense.weight"] = Normal(h * c.Intermediate, 1);
            w[p + "output.dense.bias"] = Normal(h, 1);
            foreach (string name in new[] { "attention.output.LayerNorm", "output.LayerNorm" })
            {
                w[p + name + ".weight"] = Normal(h, 1);
                w[p + name + ".bias"] = Normal(h, 1);
            }
        }

        return w;
    }

    [Fact]
    public void PaddingAndBatchingDoNotChangeRealPositions()
    {
        var model = new ReferenceBert(Tiny, RandomWeights(Tiny, 1));
        long[] ids = [1, 5, 7, 2, 9];
        long[] types = [0, 0, 1, 1, 1];
        ReferenceBertOutput alone = model.Forward(1, 5, ids, [1, 1, 1, 1, 1], types);

        // The same sequence second in a batch of two, padded to 7 with ids that would change the result if seen.
        long[] batchIds = [3, 3, 4, 4, 8, 8, 6, /* */ 1, 5, 7, 2, 9, 6, 6];
        long[] batchMask = [1, 1, 1, 1, 1, 1, 1, /* */ 1, 1, 1, 1, 1, 0, 0];
        long[] batchTypes = [0, 0, 0, 0, 0, 0, 0, /* */ 0, 0, 1, 1, 1, 1, 1];
        ReferenceBertOutput batched = model.Forward(2, 7, batchIds, batchMask, batchTypes);

        // Same arithmetic in the same order per row, so agreement is to rounding of the summation order only.
        for (int t = 0; t < 5; t++)
        {
            for (int i = 0; i < 4; i++)
            {
                Assert.Equal(alone.LastHiddenState[(t * 4) + i], batched.LastHiddenState[(((1 * 7) + t) * 4) + i], 1e-12);
            }
        }

        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(alone.Pooled![i], batched.Pooled![4 + i], 1e-12);
        }
    }

    [Fact]
    public void ActivationChoiceMatters()
    {
        Dictionary<string, float[]> weights = RandomWeights(Tiny, 2);
        long[] ids = [1, 2, 3];
        long[] ones = [1, 1, 1];
        double[] tanh = new ReferenceBert(Tiny, weights).Forward(1, 3, ids, ones, new long[3]).LastHiddenState;
        double[] erf = new ReferenceBert(Tiny with { Activation = ReferenceActivation.GeluErf }, weights).Forward(1, 3, ids, ones, new long[3]).LastHiddenState;
        double[] relu = new ReferenceBert(Tiny with { Activation = ReferenceActivation.Relu }, weights).Forward(1, 3, ids, ones, new long[3]).LastHiddenState;

        Assert.NotEqual(tanh, erf);
        Assert.NotEqual(erf, relu);
    }

    [Fact]
    public void HeadsComputeTheirClosedForms()
    {
        Dictionary<string, float[]> w = RandomWeights(Tiny, 3);

        // Linear heads whose weight rows are unit vectors: output j = input component j + bias j.
        w["qa_outputs.weight"] = [1, 0, 0, 0, /* */ 0, 1, 0, 0];
        w["qa_outputs.bias"] = [0.5f, -0.5f];
        w["classifier.weight"] = [0, 0, 1, 0, /* */ 0, 0, 0, 1, /* */ 1, 0, 0, 0];
        w["classifier.bias"] = [1, 2, 3];
        w["cls.seq_relationship.weight"] = [0, 1, 0, 0, /* */ 0, 0, 1, 0];
        w["cls.seq_relationship.bias"] = [0, 10];

        // MLM transform = identity dense, relu, LayerNorm(γ = 1, β = 0); decoder tied to the word embeddings,
        // which are set to E[v] = (v + 1)·e_(v mod 4), so logit v = (v + 1)·LN(relu(h))[v mod 4] + bias v.
        w["cls.predictions.transform.dense.weight"] = [1, 0, 0, 0, /* */ 0, 1, 0, 0, /* */ 0, 0, 1, 0, /* */ 0, 0, 0, 1];
        w["cls.predictions.transform.dense.bias"] = new float[4];
        w["cls.predictions.transform.LayerNorm.weight"] = [1, 1, 1, 1];
        w["cls.predictions.transform.LayerNorm.bias"] = new float[4];
        var embeddings = new float[40];
        for (int v = 0; v < 10; v++)
        {
            embeddings[(v * 4) + (v % 4)] = v + 1;
        }

        w["bert.embeddings.word_embeddings.weight"] = embeddings;
        var bias = new float[10];
        for (int v = 0; v < 10; v++)
        {
            bias[v] = v * 0.1f;
        }

        w["cls.predictions.bias"] = bias;
        var model = new ReferenceBert(Tiny with { Activation = ReferenceActivation.Relu }, w);

        double[] hidden = [1, 3, -5, 0, /* */ 2, 2, 2, 4];
        (double[] start, double[] end) = model.QuestionAnsweringLogits(hidden, 2);
        Assert.Equal([1.5, 2.5], start);
        Assert.Equal([2.5, 1.5], end);
        Assert.Equal([-4.0, 2, 4, /* */ 3, 6, 5], model.TokenClassificationLogits(hidden, 2));
        Assert.Equal([-4.0, 2, 4, /* */ 3, 6, 5], model.SequenceClassificationLogits(hidden, 2));
        Assert.Equal([3.0, 5, /* */ 2, 12], model.NextSentenceLogits(hidden, 2));

        // Row 0: relu → [1, 3, 0, 0], mean 1, biased variance 1.5 → LN = [0, 2, −1, −1]/√1.5.
        double[] logits = model.MaskedLmLogits(hidden, 2);
        double[] normalised = [0, 2 / Math.Sqrt(1.5), -1 / Math.Sqrt(1.5), -1 / Math.Sqrt(1.5)];
        for (int v = 0; v < 10; v++)
        {
            Assert.Equal(((v + 1) * normalised[v % 4]) + (v * 0.1f), logits[v], 1e-9);
        }

        // Row 1: relu → [2, 2, 2, 4], mean 2.5, variance 0.75 → LN = [−0.5, −0.5, −0.5, 1.5]/√0.75.
        double[] second = [-0.5 / Math.Sqrt(0.75), -0.5 / Math.Sqrt(0.75), -0.5 / Math.Sqrt(0.75), 1.5 / Math.Sqrt(0.75)];
        for (int v = 0; v < 10; v++)
        {
            Assert.Equal(((v + 1) * second[v % 4]) + (v * 0.1f), logits[10 + v], 1e-9);
        }
    }

    [Fact]
    public void MissingOrMisshapenTensorsAreNamed()
    {
        Dictionary<string, float[]> missing = RandomWeights(Tiny, 4);
        missing.Remove("bert.encoder.layer.1.output.dense.bias");
        Assert.Contains("encoder.layer.1.output.dense.bias", Assert.Throws<KeyNotFoundException>(() => new ReferenceBert(Tiny, missing)).Message);

        Dictionary<string, float[]> misshapen = RandomWeights(Tiny, 4);
        misshapen["bert.encoder.layer.0.intermediate.dense.weight"] = new float[7];
        Assert.Contains("encoder.layer.0.intermediate.dense.weight", Assert.Throws<ArgumentException>(() => new ReferenceBert(Tiny, misshapen)).Message);
    }
}
