using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using BertGen.Generator.Model;

namespace BertGen.Generator.Planning;

/// <summary>The names of the packed linear layers (<see cref="PackedLinear.Key"/>), written once.</summary>
internal static class LinearKeys
{
    public static string Qkv(int layer) => Layer(layer) + "Qkv";

    public static string AttentionOutput(int layer) => Layer(layer) + "AttentionOutput";

    public static string FeedForwardUp(int layer) => Layer(layer) + "FeedForwardUp";

    public static string FeedForwardDown(int layer) => Layer(layer) + "FeedForwardDown";

    public const string Pooler = nameof(Pooler);
    public const string MaskedLmTransform = nameof(MaskedLmTransform);
    public const string MaskedLmDecoder = nameof(MaskedLmDecoder);
    public const string NextSentence = nameof(NextSentence);
    public const string SequenceClassifier = nameof(SequenceClassifier);
    public const string TokenClassifier = nameof(TokenClassifier);
    public const string QuestionAnswering = nameof(QuestionAnswering);

    private static string Layer(int layer) => "Layer" + layer.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Plans the packed-weight buffer: every linear layer of the forward pass, with Q, K and V fused into one
/// <c>[3H, H]</c> layer, and the tied masked-LM decoder packed from the word embeddings. With int8 compiled, the
/// same layers again in the int8 GEMM's layout, in a buffer of their own (<see cref="PackedLinear.QuantizedOffset"/>).
/// </summary>
internal static class PackedWeightLayout
{
    public static (ImmutableEquatableArray<PackedLinear> Linears, long Length, long QuantizedLength) Plan(ModelSpec spec, ImmutableEquatableArray<ParameterSlot> parameters)
    {
        BertArchitecture a = spec.Architecture;
        int h = a.HiddenSize;
        var names = new HuggingFaceNames(spec.Heads);
        var linears = new List<PackedLinear>();
        long offset = 0, quantizedOffset = 0;

        void Add(string key, int k, params LinearPart[] parts)
        {
            int n = parts.Sum(part => part.Rows);
            long packed = offset;
            long bias = checked(packed + RuntimeContract.PackedLength(n, k));
            offset = Alignment.Align(checked(bias + n));
            long quantized = -1, quantizedBias = -1;
            if (spec.HasInt8)
            {
                // The int8 panels' bytes are a multiple of 64, so the bias after them starts on a cache line.
                quantized = quantizedOffset;
                quantizedBias = checked(quantized + (RuntimeContract.QuantizedPackedBytes(n, k) / sizeof(float)));
                quantizedOffset = Alignment.Align(checked(quantizedBias + n));
            }

            linears.Add(new PackedLinear(key, n, k, parts.ToEquatableArray(), packed, bias, quantized, quantizedBias));
        }

        LinearPart Module(string module, int rows) => new(HuggingFaceNames.Weight(module), HuggingFaceNames.Bias(module), rows);

        for (int l = 0; l < a.NumHiddenLayers; l++)
        {
            Add(LinearKeys.Qkv(l), h, Module(names.Query(l), h), Module(names.Key(l), h), Module(names.Value(l), h));
            Add(LinearKeys.AttentionOutput(l), h, Module(names.AttentionOutput(l), h));
            Add(LinearKeys.FeedForwardUp(l), h, Module(names.FeedForwardUp(l), a.IntermediateSize));
            Add(LinearKeys.FeedForwardDown(l), a.IntermediateSize, Module(names.FeedForwardDown(l), h));
        }

        if (spec.Heads.HasPooler)
        {
            Add(LinearKeys.Pooler, h, Module(names.Pooler, h));
        }

        if (spec.Heads.HasMlmHead)
        {
            Add(LinearKeys.MaskedLmTransform, h, Module(names.MaskedLmTransform, h));
            Add(LinearKeys.MaskedLmDecoder, h, new LinearPart(names.WordEmbeddings, names.MaskedLmBias, a.VocabSize)); // tied
        }

        if (spec.Heads.Pretraining)
        {
            Add(LinearKeys.NextSentence, h, Module(names.NextSentence, 2));
        }

        if (spec.Heads.SequenceClassification)
        {
            Add(LinearKeys.SequenceClassifier, h, Module(names.SequenceClassifier, a.NumLabels));
        }

        if (spec.Heads.TokenClassification)
        {
            Add(LinearKeys.TokenClassifier, h, Module(names.TokenClassifier, a.NumLabels));
        }

        if (spec.Heads.QuestionAnswering)
        {
            Add(LinearKeys.QuestionAnswering, h, Module(names.QuestionAnswering, 2));
        }

        var known = new HashSet<string>(parameters.Select(p => p.Name));
        foreach (PackedLinear linear in linears)
        {
            foreach (LinearPart part in linear.Parts)
            {
                if (!known.Contains(part.Weight) || !known.Contains(part.Bias))
                {
                    throw new System.InvalidOperationException($"Packed layer {linear.Key} refers to a parameter the layout lacks ({part.Weight}, {part.Bias}).");
                }
            }
        }

        return (linears.ToEquatableArray(), offset, quantizedOffset);
    }
}
