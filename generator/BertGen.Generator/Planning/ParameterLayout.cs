using System.Collections.Generic;
using System.Globalization;
using BertGen.Generator.Model;

namespace BertGen.Generator.Planning;

/// <summary>
/// Lays out every parameter of a spec in HuggingFace state-dict order in one contiguous buffer. Names are
/// HF's: bare <c>BertModel</c> names when the spec has no head, <c>bert.</c>-prefixed ones otherwise, so a
/// checkpoint BertGen writes loads in HF and vice versa.
/// </summary>
internal static class ParameterLayout
{
    /// <summary>Floats per 64-byte cache line: every tensor starts on one.</summary>
    public const int AlignmentFloats = 16;

    public static ImmutableEquatableArray<ParameterSlot> Plan(ModelSpec spec)
    {
        BertArchitecture a = spec.Architecture;
        int h = a.HiddenSize;
        string bert = spec.Heads.Any ? "bert." : string.Empty;
        var slots = new List<ParameterSlot>();
        long offset = 0;

        void Add(string name, string kind, params int[] shape)
        {
            var slot = new ParameterSlot(name, offset, shape.ToEquatableArray(), kind);
            slots.Add(slot);
            offset += (slot.Length + AlignmentFloats - 1) / AlignmentFloats * AlignmentFloats;
        }

        void Linear(string prefix, int outFeatures, int inFeatures)
        {
            Add(prefix + ".weight", "Weight", outFeatures, inFeatures);
            Add(prefix + ".bias", "Bias", outFeatures);
        }

        void LayerNorm(string prefix, int size)
        {
            Add(prefix + ".weight", "LayerNormWeight", size);
            Add(prefix + ".bias", "LayerNormBias", size);
        }

        Add(bert + "embeddings.word_embeddings.weight", "Embedding", a.VocabSize, h);
        Add(bert + "embeddings.position_embeddings.weight", "Embedding", a.MaxPositionEmbeddings, h);
        Add(bert + "embeddings.token_type_embeddings.weight", "Embedding", a.TypeVocabSize, h);
        LayerNorm(bert + "embeddings.LayerNorm", h);

        for (int l = 0; l < a.NumHiddenLayers; l++)
        {
            string layer = bert + "encoder.layer." + l.ToString(CultureInfo.InvariantCulture);
            Linear(layer + ".attention.self.query", h, h);
            Linear(layer + ".attention.self.key", h, h);
            Linear(layer + ".attention.self.value", h, h);
            Linear(layer + ".attention.output.dense", h, h);
            LayerNorm(layer + ".attention.output.LayerNorm", h);
            Linear(layer + ".intermediate.dense", a.IntermediateSize, h);
            Linear(layer + ".output.dense", h, a.IntermediateSize);
            LayerNorm(layer + ".output.LayerNorm", h);
        }

        if (spec.Heads.HasPooler)
        {
            Linear(bert + "pooler.dense", h, h);
        }

        if (spec.Heads.HasMlmHead)
        {
            // The decoder weight is the word embedding matrix (tied): only its bias is a parameter here.
            Linear("cls.predictions.transform.dense", h, h);
            LayerNorm("cls.predictions.transform.LayerNorm", h);
            Add("cls.predictions.bias", "Bias", a.VocabSize);
        }

        if (spec.Heads.Pretraining)
        {
            Linear("cls.seq_relationship", 2, h);
        }

        if (spec.Heads.SequenceClassification)
        {
            Linear("classifier", a.NumLabels, h);
        }

        if (spec.Heads.TokenClassification)
        {
            // HF's BertForTokenClassification calls it "classifier" too; when a spec also has a
            // sequence classifier the two cannot share the name.
            Linear(spec.Heads.SequenceClassification ? "token_classifier" : "classifier", a.NumLabels, h);
        }

        if (spec.Heads.QuestionAnswering)
        {
            Linear("qa_outputs", 2, h);
        }

        return slots.ToEquatableArray();
    }
}
