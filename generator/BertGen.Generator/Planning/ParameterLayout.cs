using System.Collections.Generic;
using BertGen.Generator.Model;

namespace BertGen.Generator.Planning;

/// <summary>
/// Lays out every parameter of a spec in one contiguous buffer, each tensor cache-line aligned, under HF's names
/// (<see cref="HuggingFaceNames"/>), so a checkpoint BertGen writes loads in HF and vice versa (files are read and
/// written by name, never by position). The order is HuggingFace's state-dict order — embeddings, layers 0 … L−1,
/// pooler, heads, which the backward finishes in reverse, so what is final is always a suffix of the buffer (what
/// <c>IGradientProgress</c> reports) — with one change inside each layer: see <see cref="StacksQkv"/>.
/// </summary>
internal static class ParameterLayout
{
    /// <summary>
    /// Whether a layer's query, key and value weights lie one after another, then their three biases, instead of HF's
    /// weight-bias pairs: when the hidden size is a whole number of cache lines, so alignment leaves no gap and
    /// [W_q; W_k; W_v] is one [3H, H] matrix in the buffer, as the forward's fused QKV projection is. The training
    /// step then takes the projection's backward as one linear layer (one dW GEMM packing the layer input once, one dX
    /// GEMM over K = 3H adding into d_hidden once, one bias reduction) instead of three.
    /// </summary>
    public static bool StacksQkv(int hiddenSize) => hiddenSize % Alignment.Floats == 0;

    public static ImmutableEquatableArray<ParameterSlot> Plan(ModelSpec spec)
    {
        BertArchitecture a = spec.Architecture;
        int h = a.HiddenSize;
        var names = new HuggingFaceNames(spec.Heads);
        var slots = new List<ParameterSlot>();
        long offset = 0;

        void Add(string name, ParameterRole role, params int[] shape)
        {
            var slot = new ParameterSlot(name, offset, shape.ToEquatableArray(), role);
            slots.Add(slot);
            offset = checked(offset + Alignment.Align(slot.Length));
        }

        void Linear(string module, int outFeatures, int inFeatures)
        {
            Add(HuggingFaceNames.Weight(module), ParameterRole.Weight, outFeatures, inFeatures);
            Add(HuggingFaceNames.Bias(module), ParameterRole.Bias, outFeatures);
        }

        void LayerNorm(string module)
        {
            Add(HuggingFaceNames.Weight(module), ParameterRole.LayerNormWeight, h);
            Add(HuggingFaceNames.Bias(module), ParameterRole.LayerNormBias, h);
        }

        Add(names.WordEmbeddings, ParameterRole.Embedding, a.VocabSize, h);
        Add(names.PositionEmbeddings, ParameterRole.Embedding, a.MaxPositionEmbeddings, h);
        Add(names.TokenTypeEmbeddings, ParameterRole.Embedding, a.TypeVocabSize, h);
        LayerNorm(names.EmbeddingsLayerNorm);

        for (int l = 0; l < a.NumHiddenLayers; l++)
        {
            if (StacksQkv(h))
            {
                Add(HuggingFaceNames.Weight(names.Query(l)), ParameterRole.Weight, h, h);
                Add(HuggingFaceNames.Weight(names.Key(l)), ParameterRole.Weight, h, h);
                Add(HuggingFaceNames.Weight(names.Value(l)), ParameterRole.Weight, h, h);
                Add(HuggingFaceNames.Bias(names.Query(l)), ParameterRole.Bias, h);
                Add(HuggingFaceNames.Bias(names.Key(l)), ParameterRole.Bias, h);
                Add(HuggingFaceNames.Bias(names.Value(l)), ParameterRole.Bias, h);
            }
            else
            {
                Linear(names.Query(l), h, h);
                Linear(names.Key(l), h, h);
                Linear(names.Value(l), h, h);
            }

            Linear(names.AttentionOutput(l), h, h);
            LayerNorm(names.AttentionLayerNorm(l));
            Linear(names.FeedForwardUp(l), a.IntermediateSize, h);
            Linear(names.FeedForwardDown(l), h, a.IntermediateSize);
            LayerNorm(names.OutputLayerNorm(l));
        }

        if (spec.Heads.HasPooler)
        {
            Linear(names.Pooler, h, h);
        }

        if (spec.Heads.HasMlmHead)
        {
            // The decoder weight is the word embedding matrix (tied): only its bias is a parameter here.
            Linear(names.MaskedLmTransform, h, h);
            LayerNorm(names.MaskedLmLayerNorm);
            Add(names.MaskedLmBias, ParameterRole.Bias, a.VocabSize);
        }

        if (spec.Heads.Pretraining)
        {
            Linear(names.NextSentence, 2, h);
        }

        if (spec.Heads.SequenceClassification)
        {
            Linear(names.SequenceClassifier, a.NumLabels, h);
        }

        if (spec.Heads.TokenClassification)
        {
            Linear(names.TokenClassifier, a.NumLabels, h);
        }

        if (spec.Heads.QuestionAnswering)
        {
            Linear(names.QuestionAnswering, 2, h);
        }

        return slots.ToEquatableArray();
    }
}
