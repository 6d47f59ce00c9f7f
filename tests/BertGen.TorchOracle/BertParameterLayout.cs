using System;
using System.Collections.Generic;

namespace BertGen.TorchOracle;

/// <summary>
/// The HuggingFace names and shapes of every trainable tensor of a configuration: embeddings, layers in order,
/// pooler, then the head. The MLM decoder weight is absent: it is the tied word embedding.
/// </summary>
public static class BertParameterLayout
{
    /// <summary>The <c>bert.</c> prefix every head class puts before the encoder's names; bare <c>BertModel</c> has none.</summary>
    public static string EncoderPrefix(BertHead head) => head == BertHead.None ? string.Empty : "bert.";

    public static IReadOnlyList<(string Name, int[] Shape)> For(TorchBertConfig config)
    {
        config.Validate();
        int h = config.HiddenSize;
        string p = EncoderPrefix(config.Head);
        var list = new List<(string, int[])>
        {
            (p + "embeddings.word_embeddings.weight", new[] { config.VocabSize, h }),
            (p + "embeddings.position_embeddings.weight", new[] { config.MaxPositions, h }),
            (p + "embeddings.token_type_embeddings.weight", new[] { config.TypeVocabSize, h }),
            (p + "embeddings.LayerNorm.weight", new[] { h }),
            (p + "embeddings.LayerNorm.bias", new[] { h }),
        };

        for (int l = 0; l < config.NumLayers; l++)
        {
            string layer = $"{p}encoder.layer.{l}.";
            foreach (string qkv in new[] { "query", "key", "value" })
            {
                list.Add((layer + $"attention.self.{qkv}.weight", new[] { h, h }));
                list.Add((layer + $"attention.self.{qkv}.bias", new[] { h }));
            }

            list.Add((layer + "attention.output.dense.weight", new[] { h, h }));
            list.Add((layer + "attention.output.dense.bias", new[] { h }));
            list.Add((layer + "attention.output.LayerNorm.weight", new[] { h }));
            list.Add((layer + "attention.output.LayerNorm.bias", new[] { h }));
            list.Add((layer + "intermediate.dense.weight", new[] { config.IntermediateSize, h }));
            list.Add((layer + "intermediate.dense.bias", new[] { config.IntermediateSize }));
            list.Add((layer + "output.dense.weight", new[] { h, config.IntermediateSize }));
            list.Add((layer + "output.dense.bias", new[] { h }));
            list.Add((layer + "output.LayerNorm.weight", new[] { h }));
            list.Add((layer + "output.LayerNorm.bias", new[] { h }));
        }

        list.Add((p + "pooler.dense.weight", new[] { h, h }));
        list.Add((p + "pooler.dense.bias", new[] { h }));

        switch (config.Head)
        {
            case BertHead.Pretraining:
                list.Add(("cls.predictions.bias", new[] { config.VocabSize }));
                list.Add(("cls.predictions.transform.dense.weight", new[] { h, h }));
                list.Add(("cls.predictions.transform.dense.bias", new[] { h }));
                list.Add(("cls.predictions.transform.LayerNorm.weight", new[] { h }));
                list.Add(("cls.predictions.transform.LayerNorm.bias", new[] { h }));
                list.Add(("cls.seq_relationship.weight", new[] { 2, h }));
                list.Add(("cls.seq_relationship.bias", new[] { 2 }));
                break;
            case BertHead.SequenceClassification:
            case BertHead.TokenClassification:
                list.Add(("classifier.weight", new[] { config.NumLabels, h }));
                list.Add(("classifier.bias", new[] { config.NumLabels }));
                break;
            case BertHead.QuestionAnswering:
                list.Add(("qa_outputs.weight", new[] { 2, h }));
                list.Add(("qa_outputs.bias", new[] { 2 }));
                break;
            case BertHead.None:
                break;
            default:
                throw new TorchOracleException($"unknown head {config.Head}");
        }

        return list;
    }

    /// <summary>
    /// True for tensors that get weight decay: every weight and embedding, but no bias and no LayerNorm tensor
    /// (original BERT excludes names containing "LayerNorm", "layer_norm" or "bias"; HuggingFace's scripts
    /// exclude "bias" and "LayerNorm.weight": the same set for BERT's names).
    /// </summary>
    public static bool IsDecayed(string name) =>
        !name.EndsWith("bias", StringComparison.Ordinal)
        && !name.Contains("LayerNorm", StringComparison.Ordinal)
        && !name.Contains("layer_norm", StringComparison.Ordinal);

    /// <summary>
    /// HuggingFace's initialisation (normal(0, <paramref name="initializerRange"/>) for weights and embeddings,
    /// zero biases, LayerNorm weight 1), drawn from a seeded generator so a test gets the same values every run.
    /// </summary>
    public static Dictionary<string, ParameterTensor> Initialise(TorchBertConfig config, int seed, double initializerRange = 0.02)
    {
        var random = new Random(seed);
        var result = new Dictionary<string, ParameterTensor>(StringComparer.Ordinal);
        foreach ((string name, int[] shape) in For(config))
        {
            var tensor = new ParameterTensor(shape, new float[checked((int)new ParameterTensor(shape, Array.Empty<float>()).Length)]);
            bool layerNormWeight = name.Contains("LayerNorm", StringComparison.Ordinal) && name.EndsWith("weight", StringComparison.Ordinal);
            if (layerNormWeight)
            {
                Array.Fill(tensor.Values, 1f);
            }
            else if (IsDecayed(name))
            {
                for (int i = 0; i < tensor.Values.Length; i++)
                {
                    tensor.Values[i] = (float)(initializerRange * StandardNormal(random));
                }
            }

            result.Add(name, tensor);
        }

        return result;
    }

    /// <summary>Box–Muller: one standard normal deviate from two uniform ones.</summary>
    internal static double StandardNormal(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
