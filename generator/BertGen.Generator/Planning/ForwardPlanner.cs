using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Generator.Model;

namespace BertGen.Generator.Planning;

/// <summary>
/// Plans the inference forward pass of one shape: the op sequence with shapes and FLOPs, then the arena —
/// each buffer lives from the first op that touches it to the last, and buffers whose lifetimes do not
/// overlap share memory (first fit, largest first).
/// </summary>
internal static class ForwardPlanner
{
    public static VariantPlan Plan(ModelSpec spec, ShapeVariant shape)
    {
        BertArchitecture a = spec.Architecture;
        int t = shape.Tokens, b = shape.Batch, s = shape.Sequence, h = a.HiddenSize, i = a.IntermediateSize;
        int heads = a.NumAttentionHeads, dh = a.HeadSize, v = a.VocabSize, labels = a.NumLabels;

        // Attention runs (batch, head) pairs in parallel; each part packs K (S×dh) and V (dh×S) on the fly.
        int attentionParts = (int)System.Math.Min((long)b * heads, RuntimeContract.MaxAttentionParts);
        long attentionPackLength = PackedWeightLayout.Align(System.Math.Max(RuntimeContract.PackedLength(s, dh), RuntimeContract.PackedLength(dh, s)));

        var buffers = new Dictionary<string, (long Length, string Shape)>
        {
            ["hidden"] = ((long)t * h, $"[{t},{h}]"),
            ["mask_bias"] = ((long)t, $"[{b},{s}]"),
            ["attention_pack"] = (attentionParts * attentionPackLength, $"[{attentionParts},{attentionPackLength}]"),
            ["qkv"] = ((long)t * 3 * h, $"[{t},{3 * h}]"),
            ["scores"] = ((long)b * heads * s * s, $"[{b},{heads},{s},{s}]"),
            ["context"] = ((long)t * h, $"[{t},{h}]"),
            ["attention_out"] = ((long)t * h, $"[{t},{h}]"),
            ["ffn"] = ((long)t * i, $"[{t},{i}]"),
        };
        var ops = new List<PlannedOp>();

        void Op(string kind, string description, string[] reads, string[] writes, long flops) =>
            ops.Add(new PlannedOp(kind, description, reads.ToEquatableArray(), writes.ToEquatableArray(), flops));

        long Gemm(long m, long n, long k) => 2 * m * n * k;

        Op("MaskBias", $"Attention mask [{b},{s}] → additive key bias: 0 where attended, float.MinValue where padded", Array.Empty<string>(), new[] { "mask_bias" }, t);
        Op("Embeddings", $"Embeddings: word[{v},{h}] + position[{a.MaxPositionEmbeddings},{h}] + token_type[{a.TypeVocabSize},{h}] gathered → [{t},{h}], LayerNorm", Array.Empty<string>(), new[] { "hidden" }, 10L * t * h);
        for (int l = 0; l < a.NumHiddenLayers; l++)
        {
            Op("QkvProjection", $"Layer {l} QKV projection: [{t},{h}]·[{h},{3 * h}] → [{t},{3 * h}], bias fused", new[] { "hidden" }, new[] { "qkv" }, Gemm(t, 3 * h, h));
            Op("Attention", $"Layer {l} attention: {b}×{heads} heads of softmax([{s},{dh}]·[{dh},{s}]/√{dh} + mask)·[{s},{dh}] → [{t},{h}]", new[] { "qkv", "mask_bias" }, new[] { "scores", "context", "attention_pack" }, (2 * Gemm(s, s, dh) + 5L * s * s) * b * heads);
            Op("OutputProjection", $"Layer {l} attention output: [{t},{h}]·[{h},{h}] → [{t},{h}], bias and residual fused, LayerNorm", new[] { "context", "hidden" }, new[] { "attention_out" }, Gemm(t, h, h) + 10L * t * h);
            Op("FeedForwardUp", $"Layer {l} FFN up: [{t},{h}]·[{h},{i}] → [{t},{i}], bias and {Activations.Of(a.HiddenAct).Name} fused", new[] { "attention_out" }, new[] { "ffn" }, Gemm(t, i, h) + 10L * t * i);
            Op("FeedForwardDown", $"Layer {l} FFN down: [{t},{i}]·[{i},{h}] → [{t},{h}], bias and residual fused, LayerNorm", new[] { "ffn", "attention_out" }, new[] { "hidden" }, Gemm(t, h, i) + 10L * t * h);
        }

        if (spec.Heads.HasPooler)
        {
            buffers["pooled"] = ((long)b * h, $"[{b},{h}]");
            Op("Pooler", $"Pooler: [CLS] rows [{b},{h}]·[{h},{h}] → [{b},{h}], bias and tanh fused", new[] { "hidden" }, new[] { "pooled" }, Gemm(b, h, h));
        }

        if (spec.Heads.HasMlmHead)
        {
            buffers["mlm_transform"] = ((long)t * h, $"[{t},{h}]");
            buffers["mlm_logits"] = ((long)t * v, $"[{t},{v}]");
            Op("MaskedLmTransform", $"Masked LM transform: [{t},{h}]·[{h},{h}] → [{t},{h}], bias and {Activations.Of(a.HiddenAct).Name} fused, LayerNorm", new[] { "hidden" }, new[] { "mlm_transform" }, Gemm(t, h, h) + 10L * t * h);
            Op("MaskedLmDecoder", $"Masked LM decoder (tied to word embeddings): [{t},{h}]·[{h},{v}] → [{t},{v}], bias fused", new[] { "mlm_transform" }, new[] { "mlm_logits" }, Gemm(t, v, h));
        }

        if (spec.Heads.Pretraining)
        {
            buffers["nsp_logits"] = ((long)b * 2, $"[{b},2]");
            Op("NextSentence", $"Next sentence: [{b},{h}]·[{h},2] → [{b},2]", new[] { "pooled" }, new[] { "nsp_logits" }, Gemm(b, 2, h));
        }

        if (spec.Heads.SequenceClassification)
        {
            buffers["sequence_logits"] = ((long)b * labels, $"[{b},{labels}]");
            Op("SequenceClassifier", $"Sequence classifier: [{b},{h}]·[{h},{labels}] → [{b},{labels}]", new[] { "pooled" }, new[] { "sequence_logits" }, Gemm(b, labels, h));
        }

        if (spec.Heads.TokenClassification)
        {
            buffers["token_logits"] = ((long)t * labels, $"[{t},{labels}]");
            Op("TokenClassifier", $"Token classifier: [{t},{h}]·[{h},{labels}] → [{t},{labels}]", new[] { "hidden" }, new[] { "token_logits" }, Gemm(t, labels, h));
        }

        if (spec.Heads.QuestionAnswering)
        {
            buffers["qa_logits"] = ((long)t * 2, $"[{t},2]");
            Op("QuestionAnswering", $"Question answering: [{t},{h}]·[{h},2] → [{t},2] start/end logits", new[] { "hidden" }, new[] { "qa_logits" }, Gemm(t, 2, h));
        }

        // Outputs stay readable after the call: extend their lifetime to the end.
        var outputs = new HashSet<string> { "hidden", "pooled", "mlm_logits", "nsp_logits", "sequence_logits", "token_logits", "qa_logits" };
        (ImmutableEquatableArray<ArenaSlot> slots, long arena) = PlaceBuffers(buffers, ops, outputs);
        return new VariantPlan(shape, ops.ToEquatableArray(), slots, arena, attentionParts);
    }

    private static (ImmutableEquatableArray<ArenaSlot>, long) PlaceBuffers(
        Dictionary<string, (long Length, string Shape)> buffers, List<PlannedOp> ops, HashSet<string> outputs)
    {
        var first = new Dictionary<string, int>();
        var last = new Dictionary<string, int>();
        for (int k = 0; k < ops.Count; k++)
        {
            foreach (string name in ops[k].Reads.Concat(ops[k].Writes))
            {
                if (!first.ContainsKey(name))
                {
                    first[name] = k;
                }

                last[name] = outputs.Contains(name) ? ops.Count : k;
            }
        }

        var placed = new List<(string Name, long Offset, long Length, int First, int Last)>();
        long arena = 0;
        foreach (KeyValuePair<string, (long Length, string Shape)> buffer in buffers.OrderByDescending(x => x.Value.Length).ThenBy(x => x.Key, StringComparer.Ordinal))
        {
            long length = Align(buffer.Value.Length);
            int f = first[buffer.Key], l = last[buffer.Key];
            var overlapping = placed.Where(p => p.First <= l && f <= p.Last).OrderBy(p => p.Offset).ToList();
            long offset = 0;
            foreach (var p in overlapping)
            {
                if (offset + length <= p.Offset)
                {
                    break;
                }

                offset = Math.Max(offset, p.Offset + p.Length);
            }

            placed.Add((buffer.Key, offset, length, f, l));
            arena = Math.Max(arena, offset + length);
        }

        var slots = placed
            .OrderBy(p => p.Offset).ThenBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => new ArenaSlot(p.Name, p.Offset, buffers[p.Name].Length, buffers[p.Name].Shape))
            .ToEquatableArray();
        return (slots, arena);
    }

    private static long Align(long floats) =>
        (floats + ParameterLayout.AlignmentFloats - 1) / ParameterLayout.AlignmentFloats * ParameterLayout.AlignmentFloats;
}
