using System;
using System.Collections.Generic;
using System.Globalization;
using BertGen.Generator.Model;

namespace BertGen.Generator.Planning;

/// <summary>
/// Plans one training step's arena. Per layer it keeps what the backward reads (the layer input, Q/K/V,
/// the attention probabilities, the context, both LayerNorms' x̂ and 1/σ, the LayerNorm output feeding the
/// FFN and the FFN pre-activation); dropout masks are not stored but regenerated from the step's seed.
/// Backward temporaries are shared by all layers. Buffers are placed one after another, 64-byte aligned.
/// </summary>
internal static class TrainingPlanner
{
    public static TrainingPlan Plan(ModelSpec spec, ShapeVariant shape)
    {
        BertArchitecture a = spec.Architecture;
        int t = shape.Tokens, b = shape.Batch, s = shape.Sequence, h = a.HiddenSize, i = a.IntermediateSize;
        int heads = a.NumAttentionHeads, dh = a.HeadSize, v = a.VocabSize, labels = a.NumLabels, layers = a.NumHiddenLayers;
        TrainingObjective objective = spec.Heads.Objective;
        int p = spec.MaxPredictionsPerSequence;
        bool mlm = objective is TrainingObjective.Pretraining or TrainingObjective.MaskedLm;
        int gathered = mlm ? checked(b * p) : 0;

        var buffers = new List<ArenaSlot>();
        long offset = 0;
        void Add(string name, long length, string shapeText)
        {
            buffers.Add(new ArenaSlot(name, offset, length, shapeText));
            offset += PackedWeightLayout.Align(length);
        }

        string L(int layer, string name) => name + "_" + layer.ToString(CultureInfo.InvariantCulture);

        Add("mask_bias", t, $"[{b},{s}]");
        Add("emb_xhat", (long)t * h, $"[{t},{h}]");
        Add("emb_rstd", t, $"[{t}]");
        for (int l = 0; l <= layers; l++)
        {
            Add(L(l, "hidden"), (long)t * h, $"[{t},{h}]");
        }

        for (int l = 0; l < layers; l++)
        {
            Add(L(l, "qkv"), (long)t * 3 * h, $"[{t},{3 * h}]");
            Add(L(l, "probs"), (long)b * heads * s * s, $"[{b},{heads},{s},{s}]");
            Add(L(l, "context"), (long)t * h, $"[{t},{h}]");
            Add(L(l, "ln1_xhat"), (long)t * h, $"[{t},{h}]");
            Add(L(l, "ln1_rstd"), t, $"[{t}]");
            Add(L(l, "attention_out"), (long)t * h, $"[{t},{h}]");
            Add(L(l, "ffn_pre"), (long)t * i, $"[{t},{i}]");
            Add(L(l, "ln2_xhat"), (long)t * h, $"[{t},{h}]");
            Add(L(l, "ln2_rstd"), t, $"[{t}]");
        }

        Add("dense_out", (long)t * h, $"[{t},{h}]");
        Add("ffn_act", (long)t * i, $"[{t},{i}]");
        Add("d_hidden", (long)t * h, $"[{t},{h}]");
        Add("d_branch", (long)t * h, $"[{t},{h}]");
        Add("d_attention_out", (long)t * h, $"[{t},{h}]");
        Add("d_ffn", (long)t * i, $"[{t},{i}]");
        Add("d_context", (long)t * h, $"[{t},{h}]");
        Add("d_qkv", (long)t * 3 * h, $"[{t},{3 * h}]");

        // Backward GEMMs pack their B operand on the fly: dX = dY·W packs W [out,in] as [K=out, N=in];
        // dW += dYᵀ·X packs X [rows, in]. The scratch fits the largest of them.
        long pack = 0;
        void Linear(int outFeatures, int inFeatures, int rows)
        {
            pack = Math.Max(pack, RuntimeContract.PackedLength(inFeatures, outFeatures));
            pack = Math.Max(pack, RuntimeContract.PackedLength(inFeatures, rows));
        }

        Linear(3 * h, h, t);
        Linear(h, h, t);
        Linear(i, h, t);
        Linear(h, i, t);

        if (mlm)
        {
            Add("mlm_gathered", (long)gathered * h, $"[{gathered},{h}]");
            Add("mlm_pre", (long)gathered * h, $"[{gathered},{h}]");
            Add("mlm_act", (long)gathered * h, $"[{gathered},{h}]");
            Add("mlm_xhat", (long)gathered * h, $"[{gathered},{h}]");
            Add("mlm_rstd", gathered, $"[{gathered}]");
            Add("mlm_transform", (long)gathered * h, $"[{gathered},{h}]");
            Add("mlm_logits", (long)gathered * v, $"[{gathered},{v}]");
            Add("d_mlm", (long)gathered * h, $"[{gathered},{h}]");
            Add("d_mlm_gathered", (long)gathered * h, $"[{gathered},{h}]");
            Linear(h, h, gathered);
            Linear(v, h, gathered);
        }

        if (spec.Heads.HasPooler && objective is TrainingObjective.Pretraining or TrainingObjective.SequenceClassification)
        {
            Add("pooled", (long)b * h, $"[{b},{h}]");
            Add("d_pooled", (long)b * h, $"[{b},{h}]");
            Linear(h, h, b);
        }

        switch (objective)
        {
            case TrainingObjective.Pretraining:
                Add("nsp_logits", (long)b * 2, $"[{b},2]");
                Linear(2, h, b);
                break;
            case TrainingObjective.SequenceClassification:
                Add("pooled_dropped", (long)b * h, $"[{b},{h}]");
                Add("sequence_logits", (long)b * labels, $"[{b},{labels}]");
                Linear(labels, h, b);
                break;
            case TrainingObjective.TokenClassification:
                Add("hidden_dropped", (long)t * h, $"[{t},{h}]");
                Add("token_logits", (long)t * labels, $"[{t},{labels}]");
                Linear(labels, h, t);
                break;
            case TrainingObjective.QuestionAnswering:
                Add("qa_logits", (long)t * 2, $"[{t},2]");
                Add("qa_start", t, $"[{b},{s}]");
                Add("qa_end", t, $"[{b},{s}]");
                Linear(2, h, t);
                break;
        }

        // Attention, per part: K/V packing scratch plus the dropped probabilities and their gradient [S,S].
        int parts = (int)Math.Min((long)b * heads, RuntimeContract.MaxAttentionParts);
        long partPack = Math.Max(Math.Max(RuntimeContract.PackedLength(s, dh), RuntimeContract.PackedLength(dh, s)), RuntimeContract.PackedLength(dh, dh));
        long partLength = PackedWeightLayout.Align(partPack) + (2 * PackedWeightLayout.Align((long)s * s));
        Add("attention_parts", parts * partLength, $"[{parts},{partLength}]");
        Add("pack", pack, $"[{pack}]");

        // Matrix FLOPs of the training forward (MLM only at the gathered rows); every GEMM of it has two
        // backward GEMMs of the same size (dX and dW), so a step is 3× that. Elementwise work is not counted.
        long forward = layers * ((2L * t * h * ((4L * h) + (2L * i))) + (4L * b * heads * s * s * dh));
        forward += objective switch
        {
            TrainingObjective.Pretraining => (2L * gathered * h * (h + v)) + (2L * b * h * (h + 2)),
            TrainingObjective.MaskedLm => 2L * gathered * h * (h + v),
            TrainingObjective.SequenceClassification => 2L * b * h * (h + labels),
            TrainingObjective.TokenClassification => 2L * t * h * labels,
            TrainingObjective.QuestionAnswering => 2L * t * h * 2,
            _ => throw new InvalidOperationException($"No training FLOP count for objective {objective}."),
        };
        long stepFlops = 3 * forward;
        return new TrainingPlan(shape, objective, p, buffers.ToEquatableArray(), offset, pack, parts, partLength, stepFlops);
    }
}
