using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using BertGen.Generator.Model;

namespace BertGen.Generator.Planning;

/// <summary>
/// Plans the packed-weight buffer: every linear layer of the forward pass, with Q, K and V fused into one
/// <c>[3H, H]</c> layer, and the tied masked-LM decoder packed from the word embeddings.
/// </summary>
internal static class PackedWeightLayout
{
    public static (ImmutableEquatableArray<PackedLinear> Linears, long Length) Plan(ModelSpec spec, ImmutableEquatableArray<ParameterSlot> parameters)
    {
        BertArchitecture a = spec.Architecture;
        int h = a.HiddenSize;
        string bert = spec.Heads.Any ? "bert." : string.Empty;
        var linears = new List<PackedLinear>();
        long offset = 0;

        void Add(string key, int n, int k, string[] weights, string[] biases)
        {
            long packed = offset;
            long bias = packed + RuntimeContract.PackedLength(n, k);
            offset = Align(bias + n);
            linears.Add(new PackedLinear(key, n, k, weights.ToEquatableArray(), biases.ToEquatableArray(), packed, bias));
        }

        for (int l = 0; l < a.NumHiddenLayers; l++)
        {
            string layer = bert + "encoder.layer." + l.ToString(CultureInfo.InvariantCulture);
            string[] qkv = { layer + ".attention.self.query", layer + ".attention.self.key", layer + ".attention.self.value" };
            Add($"Layer{l}Qkv", 3 * h, h, qkv.Select(x => x + ".weight").ToArray(), qkv.Select(x => x + ".bias").ToArray());
            Add($"Layer{l}AttentionOutput", h, h, new[] { layer + ".attention.output.dense.weight" }, new[] { layer + ".attention.output.dense.bias" });
            Add($"Layer{l}FeedForwardUp", a.IntermediateSize, h, new[] { layer + ".intermediate.dense.weight" }, new[] { layer + ".intermediate.dense.bias" });
            Add($"Layer{l}FeedForwardDown", h, a.IntermediateSize, new[] { layer + ".output.dense.weight" }, new[] { layer + ".output.dense.bias" });
        }

        if (spec.Heads.HasPooler)
        {
            Add("Pooler", h, h, new[] { bert + "pooler.dense.weight" }, new[] { bert + "pooler.dense.bias" });
        }

        if (spec.Heads.HasMlmHead)
        {
            Add("MaskedLmTransform", h, h, new[] { "cls.predictions.transform.dense.weight" }, new[] { "cls.predictions.transform.dense.bias" });
            Add("MaskedLmDecoder", a.VocabSize, h, new[] { bert + "embeddings.word_embeddings.weight" }, new[] { "cls.predictions.bias" });
        }

        if (spec.Heads.Pretraining)
        {
            Add("NextSentence", 2, h, new[] { "cls.seq_relationship.weight" }, new[] { "cls.seq_relationship.bias" });
        }

        if (spec.Heads.SequenceClassification)
        {
            Add("SequenceClassifier", a.NumLabels, h, new[] { "classifier.weight" }, new[] { "classifier.bias" });
        }

        if (spec.Heads.TokenClassification)
        {
            string name = spec.Heads.SequenceClassification ? "token_classifier" : "classifier";
            Add("TokenClassifier", a.NumLabels, h, new[] { name + ".weight" }, new[] { name + ".bias" });
        }

        if (spec.Heads.QuestionAnswering)
        {
            Add("QuestionAnswering", 2, h, new[] { "qa_outputs.weight" }, new[] { "qa_outputs.bias" });
        }

        var known = new HashSet<string>(parameters.Select(p => p.Name));
        foreach (PackedLinear linear in linears)
        {
            foreach (string name in linear.WeightNames.Concat(linear.BiasNames))
            {
                if (!known.Contains(name))
                {
                    throw new System.InvalidOperationException($"Packed layer {linear.Key} refers to unknown parameter {name}.");
                }
            }
        }

        return (linears.ToEquatableArray(), offset);
    }

    internal static long Align(long floats) =>
        (floats + ParameterLayout.AlignmentFloats - 1) / ParameterLayout.AlignmentFloats * ParameterLayout.AlignmentFloats;
}
