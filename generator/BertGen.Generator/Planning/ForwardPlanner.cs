using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Generator.Model;

namespace BertGen.Generator.Planning;

/// <summary>
/// Plans the inference forward pass of one shape: the op sequence with operands, shapes and FLOPs, then the arena —
/// each buffer lives from the first op that touches it to the last, and buffers whose lifetimes do not overlap share
/// memory (first fit, largest first). FLOPs count GEMMs as 2·M·N·K, a LayerNorm 10 and an activation 10 per element,
/// softmax 5 per score, the mask 1 per token; additions fused into epilogues are not counted. An int8 pass is the
/// same ops with every linear layer an int8 GEMM (<see cref="GemmForm.QuantizedLinear"/>) that quantises its input
/// rows into <c>quantized_rows</c>; its FLOPs count the int8 multiply-adds like fp32 ones.
/// </summary>
internal static class ForwardPlanner
{
    private const long LayerNormFlopsPerElement = 10;
    private const long ActivationFlopsPerElement = 10;
    private const long SoftmaxFlopsPerElement = 5;

    /// <summary>
    /// The forward pass of <paramref name="shape"/>, with its per-thread schedule when the spec plans one for it
    /// (<see cref="ModelSpec.SplitsBySequence"/>): the same pass planned for one thread's share of the batch.
    /// </summary>
    public static VariantPlan Plan(ModelSpec spec, ImmutableEquatableArray<PackedLinear> linears, ShapeVariant shape, Precision precision)
    {
        VariantPlan whole = Plan(spec, linears, shape, precision, share: false);
        if (!spec.SplitsBySequence(shape))
        {
            return whole;
        }

        var perThread = new ShapeVariant(shape.Batch / spec.Threads, shape.Sequence);
        return whole with { PerThread = new SequenceSplit(spec.Threads, Plan(spec, linears, perThread, precision, share: true)) };
    }

    // share: one thread's part of a split pass, whose outputs are Local pointers to its rows of the whole pass's
    // output buffers (SequenceSplit.RowsPointer) instead of arena buffers of its own.
    private static VariantPlan Plan(ModelSpec spec, ImmutableEquatableArray<PackedLinear> linears, ShapeVariant shape, Precision precision, bool share)
    {
        BertArchitecture a = spec.Architecture;
        var names = new HuggingFaceNames(spec.Heads);
        int t = shape.Tokens, b = shape.Batch, s = shape.Sequence, h = a.HiddenSize, i = a.IntermediateSize;
        int heads = a.NumAttentionHeads, dh = a.HeadSize, v = a.VocabSize, labels = a.NumLabels;
        string act = Activations.Of(a.HiddenAct).Name;
        string activation = Activations.Of(a.HiddenAct).RuntimeName;
        AttentionPlan attention = share ? AttentionPlans.ForwardOnOneThread(a, shape) : AttentionPlans.Forward(a, shape);

        var buffers = new Dictionary<string, (long Length, string Shape)>
        {
            ["hidden"] = ((long)t * h, $"[{t},{h}]"),
            ["mask_bias"] = (t, $"[{b},{s}]"),
            ["attention_pack"] = (checked(attention.Parts * attention.PartLength), $"[{attention.Parts},{attention.PartLength}]"),
            ["qkv"] = ((long)t * 3 * h, $"[{t},{3 * h}]"),
            ["context"] = ((long)t * h, $"[{t},{h}]"),
            ["attention_out"] = ((long)t * h, $"[{t},{h}]"),
            ["ffn"] = ((long)t * i, $"[{t},{i}]"),
        };
        var outputs = new List<ForwardOutput> { new("LastHiddenState", "hidden", (long)t * h) };
        var ops = new List<PlannedOp>();
        PackedLinear Linear(string key) => linears.Find(l => l.Key == key, "No packed linear layer " + key);
        Operand Buffer(string name) => share && outputs.Any(o => o.Buffer == name) ? Operand.Local(SequenceSplit.RowsPointer(name)) : Operand.Arena(name);
        long quantizedRows = 0;
        GemmOp Gemm(string description, PackedLinear linear, int rows, Operand input, long inputStride, Operand output, string? activation, Operand? residual)
        {
            GemmOp gemm = LinearGemm(description, linear, rows, input, inputStride, output, activation, residual);
            if (precision == Precision.Fp32)
            {
                return gemm;
            }

            quantizedRows = Math.Max(quantizedRows, RuntimeContract.QuantizedRowsBytes(rows, linear.InFeatures) / sizeof(float));
            return gemm with
            {
                Description = gemm.Description + " (int8)",
                Form = GemmForm.QuantizedLinear,
                B = Operand.QuantizedWeight(linear),
                Pack = Buffer("quantized_rows"),
                Epilogue = gemm.Epilogue with
                {
                    Bias = Operand.QuantizedBias(linear),
                },
            };
        }

        void Output(string property, string buffer, long length, string shapeText)
        {
            buffers[buffer] = (length, shapeText);
            outputs.Add(new ForwardOutput(property, buffer, length));
        }

        ops.Add(new MaskBiasOp($"Attention mask [{b},{s}] → mask_bias: 0 where attended, float.MinValue where padded (HF's finfo.min)", Buffer("mask_bias"), t) { Flops = t });
        // The embeddings' LayerNorm runs on each row as it is summed (one pass, the row in L1), tokens split over the pool.
        ops.Add(new EmbeddingSumOp(
            $"Embeddings: word[{v},{h}] + position[{a.MaxPositionEmbeddings},{h}] + token_type[{a.TypeVocabSize},{h}] gathered, each row then " +
            $"LayerNorm → hidden [{t},{h}]",
            Buffer("hidden"), t, s, h, names.WordEmbeddings, names.PositionEmbeddings, names.TokenTypeEmbeddings, precision == Precision.Int8 ? "words" : null,
            names.EmbeddingsLayerNorm) { Flops = checked(LayerNormFlopsPerElement * t * h) });
        for (int l = 0; l < a.NumHiddenLayers; l++)
        {
            ops.Add(Gemm(
                $"Layer {l} QKV projection: hidden [{t},{h}]·[{h},{3 * h}] + bias → qkv [{t},{3 * h}]",
                Linear(LinearKeys.Qkv(l)), t, Buffer("hidden"), h, Buffer("qkv"), null, null));
            ops.Add(new AttentionOp(
                $"Layer {l} attention: {b}×{heads} heads of softmax(q·kᵀ/√{dh} + mask)·v, qkv → context [{t},{h}]",
                false, Buffer("qkv"), null, Buffer("context"), null, null, Buffer("mask_bias"), Buffer("attention_pack"), null)
            {
                Flops = checked(((4L * s * s * dh) + (SoftmaxFlopsPerElement * s * s)) * b * heads),
            });
            ops.Add(Gemm(
                $"Layer {l} attention output: context [{t},{h}]·[{h},{h}] + bias + hidden → attention_out [{t},{h}]",
                Linear(LinearKeys.AttentionOutput(l)), t, Buffer("context"), h, Buffer("attention_out"), null, Buffer("hidden")));
            ops.Add(LayerNorm($"Layer {l} attention LayerNorm of attention_out", Buffer("attention_out"), t, h, names.AttentionLayerNorm(l)));
            ops.Add(Gemm(
                $"Layer {l} FFN up: attention_out [{t},{h}]·[{h},{i}] + bias, {act} → ffn [{t},{i}]",
                Linear(LinearKeys.FeedForwardUp(l)), t, Buffer("attention_out"), h, Buffer("ffn"), activation, null));
            ops.Add(Gemm(
                $"Layer {l} FFN down: ffn [{t},{i}]·[{i},{h}] + bias + attention_out → hidden [{t},{h}]",
                Linear(LinearKeys.FeedForwardDown(l)), t, Buffer("ffn"), i, Buffer("hidden"), null, Buffer("attention_out")));
            ops.Add(LayerNorm($"Layer {l} output LayerNorm of hidden", Buffer("hidden"), t, h, names.OutputLayerNorm(l)));
        }

        if (spec.Heads.HasPooler)
        {
            Output("PooledOutput", "pooled", (long)b * h, $"[{b},{h}]");
            ops.Add(Gemm(
                $"Pooler: the [CLS] row of each sequence (stride {(long)s * h}) [{b},{h}]·[{h},{h}] + bias, tanh → pooled [{b},{h}]",
                Linear(LinearKeys.Pooler), b, Buffer("hidden"), (long)s * h, Buffer("pooled"), Activations.PoolerRuntimeName, null));
        }

        if (spec.Heads.HasMlmHead)
        {
            buffers["mlm_transform"] = ((long)t * h, $"[{t},{h}]");
            Output("MaskedLmLogits", "mlm_logits", checked((long)t * v), $"[{t},{v}]");
            ops.Add(Gemm(
                $"Masked LM transform: hidden [{t},{h}]·[{h},{h}] + bias, {act} → mlm_transform [{t},{h}]",
                Linear(LinearKeys.MaskedLmTransform), t, Buffer("hidden"), h, Buffer("mlm_transform"), activation, null));
            ops.Add(LayerNorm("Masked LM transform LayerNorm of mlm_transform", Buffer("mlm_transform"), t, h, names.MaskedLmLayerNorm));
            ops.Add(Gemm(
                $"Masked LM decoder, tied to the word embeddings: mlm_transform [{t},{h}]·[{h},{v}] + bias → mlm_logits [{t},{v}]",
                Linear(LinearKeys.MaskedLmDecoder), t, Buffer("mlm_transform"), h, Buffer("mlm_logits"), null, null));
        }

        if (spec.Heads.Pretraining)
        {
            Output("NextSentenceLogits", "nsp_logits", (long)b * 2, $"[{b},2]");
            ops.Add(Gemm($"Next sentence: pooled [{b},{h}]·[{h},2] + bias → nsp_logits [{b},2]", Linear(LinearKeys.NextSentence), b, Buffer("pooled"), h, Buffer("nsp_logits"), null, null));
        }

        if (spec.Heads.SequenceClassification)
        {
            Output("SequenceLogits", "sequence_logits", (long)b * labels, $"[{b},{labels}]");
            ops.Add(Gemm(
                $"Sequence classifier (dropout is off at inference): pooled [{b},{h}]·[{h},{labels}] + bias → sequence_logits [{b},{labels}]",
                Linear(LinearKeys.SequenceClassifier), b, Buffer("pooled"), h, Buffer("sequence_logits"), null, null));
        }

        if (spec.Heads.TokenClassification)
        {
            Output("TokenLogits", "token_logits", (long)t * labels, $"[{t},{labels}]");
            ops.Add(Gemm(
                $"Token classifier: hidden [{t},{h}]·[{h},{labels}] + bias → token_logits [{t},{labels}]",
                Linear(LinearKeys.TokenClassifier), t, Buffer("hidden"), h, Buffer("token_logits"), null, null));
        }

        if (spec.Heads.QuestionAnswering)
        {
            Output("QuestionAnsweringLogits", "qa_logits", (long)t * 2, $"[{t},2]");
            ops.Add(Gemm(
                $"Question answering: hidden [{t},{h}]·[{h},2] + bias → qa_logits [{t},2] (start, end)",
                Linear(LinearKeys.QuestionAnswering), t, Buffer("hidden"), h, Buffer("qa_logits"), null, null));
        }

        if (quantizedRows > 0)
        {
            buffers["quantized_rows"] = (quantizedRows, $"[{Invariant(quantizedRows * sizeof(float))} bytes]");
        }

        // Outputs stay readable after the call: their lifetime extends to the end.
        if (share)
        {
            foreach (ForwardOutput output in outputs)
            {
                buffers.Remove(output.Buffer);
            }
        }

        (ImmutableEquatableArray<ArenaSlot> slots, long arena) = PlaceBuffers(buffers, ops, new HashSet<string>(outputs.Select(o => o.Buffer)));
        return new VariantPlan(shape, precision, ops.ToEquatableArray(), slots, arena, attention, outputs.ToEquatableArray());
    }

    private static string Invariant(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    // y = x·Wᵀ + b with the epilogue's activation and residual; its FLOPs, and whether the pool splits it.
    private static GemmOp LinearGemm(string description, PackedLinear linear, int rows, Operand input, long inputStride, Operand output, string? activation, Operand? residual)
    {
        int n = linear.OutFeatures, k = linear.InFeatures;
        var epilogue = new GemmEpilogueSpec(null, Operand.PackedBias(linear), activation, residual, n, false);
        long flops = checked((2L * rows * n * k) + (activation is null ? 0 : ActivationFlopsPerElement * rows * n));
        return new GemmOp(description, GemmForm.Linear, rows, n, k, input, inputStride, Operand.PackedWeight(linear), k, output, n, null, epilogue, SplitRule.Gemm(rows, n, k))
        {
            Flops = flops,
        };
    }

    private static LayerNormOp LayerNorm(string description, Operand x, int rows, int width, string module) =>
        new(description, x, x, null, null, rows, width, module) { Flops = checked(LayerNormFlopsPerElement * rows * width) };

    private static (ImmutableEquatableArray<ArenaSlot>, long) PlaceBuffers(
        Dictionary<string, (long Length, string Shape)> buffers, List<PlannedOp> ops, HashSet<string> outputs)
    {
        var first = new Dictionary<string, int>();
        var last = new Dictionary<string, int>();
        for (int k = 0; k < ops.Count; k++)
        {
            foreach (string name in ops[k].ArenaBuffers)
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
            long length = Alignment.Align(buffer.Value.Length);
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
            arena = Math.Max(arena, checked(offset + length));
        }

        var slots = placed
            .OrderBy(p => p.Offset).ThenBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => new ArenaSlot(p.Name, p.Offset, buffers[p.Name].Length, buffers[p.Name].Shape))
            .ToEquatableArray();
        return (slots, arena);
    }
}
