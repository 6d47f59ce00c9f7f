using System.Globalization;
using System.Linq;
using BertGen.Generator.Model;
using BertGen.Generator.Planning;

namespace BertGen.Generator.Emitting;

/// <summary>
/// Emits the inference forward pass of one fixed shape as straight-line code: one block per op, each with
/// its shapes and purpose above it, calling the runtime's GEMM micro-kernels and the model's specialised
/// row kernels with constant sizes and planned arena offsets.
/// </summary>
internal static class ForwardEmitter
{
    /// <summary>
    /// Below this many FLOPs a GEMM runs on the calling thread: the pool's hand-off (a few µs) would cost
    /// more than the second core saves. About 10 µs of single-core work.
    /// </summary>
    public const long ParallelFlopThreshold = 2_000_000;

    private const string Runtime = "global::BertGen.Runtime";
    private const string Gemm = Runtime + ".Kernels.Gemm";
    private const string Epilogue = Runtime + ".Kernels.GemmEpilogue";

    public static string Emit(ModelPlan plan, VariantPlan variant, SourceWriter w)
    {
        ModelSpec spec = plan.Spec;
        BertArchitecture a = spec.Architecture;
        ShapeVariant shape = variant.Shape;
        int t = shape.Tokens, b = shape.Batch, s = shape.Sequence, h = a.HiddenSize, i = a.IntermediateSize, dh = a.HeadSize, heads = a.NumAttentionHeads;
        string name = shape.Name;

        using (w.Block($"public sealed partial class {spec.TypeName}"))
        {
            w.Summary($"The compiled forward pass for batch {b} × sequence {s}: {t} tokens per call, {Literals.Grouped(variant.ForwardFlops)} FLOPs.");
            ModelEmitter.GeneratedCodeAttribute(w);
            using (w.Block($"public sealed unsafe partial class {name} : {Runtime}.Inference.IForwardPass"))
            {
                Const(w, "int", "BatchSize", Literals.Int(b));
                Const(w, "int", "SequenceLength", Literals.Int(s));
                Const(w, "int", "Tokens", Literals.Int(t));
                Const(w, "long", "ForwardFlops", Literals.Long(variant.ForwardFlops));
                Const(w, "int", "AttentionParts", Literals.Int(variant.AttentionParts));
                w.Line();
                w.Comment("Activation arena: buffers whose lifetimes do not overlap share memory.");
                Const(w, "long", "ArenaLength", Literals.Long(variant.ArenaLength));
                foreach (ArenaSlot slot in variant.Buffers)
                {
                    w.Comment($"{slot.Name} {slot.Shape}: floats [{Literals.Grouped(slot.Offset)}, {Literals.Grouped(slot.Offset + slot.Length)})");
                    Const(w, "long", ModelEmitter.ArenaName(slot.Name), Literals.Long(slot.Offset));
                }

                w.Line();
                w.Summary("The forward pass as planned, one line per op, for inspection tools.");
                w.Line("public static global::System.Collections.Generic.IReadOnlyList<string> ForwardOps { get; } = new string[]");
                using (w.Block(close: "};"))
                {
                    foreach (PlannedOp op in variant.Ops)
                    {
                        w.Line(Literals.String(op.Description) + ",");
                    }
                }

                w.Line();
                w.Line($"private readonly {spec.TypeName} _model;");
                w.Line($"private readonly {Runtime}.Memory.AlignedBuffer _arena = new(ArenaLength);");
                w.Line();
                using (w.Block($"public {name}({spec.TypeName} model)"))
                {
                    w.Line("_model = model ?? throw new global::System.ArgumentNullException(nameof(model));");
                }

                w.Line();
                w.Line("public int Batch => BatchSize;");
                w.Line();
                w.Line("public int Sequence => SequenceLength;");
                w.Line();
                Output(w, "LastHiddenState", "HiddenOffset", (long)t * h, true);
                Output(w, "PooledOutput", "PooledOffset", (long)b * h, spec.Heads.HasPooler);
                Output(w, "MaskedLmLogits", "MlmLogitsOffset", (long)t * a.VocabSize, spec.Heads.HasMlmHead);
                Output(w, "NextSentenceLogits", "NspLogitsOffset", (long)b * 2, spec.Heads.Pretraining);
                Output(w, "SequenceLogits", "SequenceLogitsOffset", (long)b * a.NumLabels, spec.Heads.SequenceClassification);
                Output(w, "TokenLogits", "TokenLogitsOffset", (long)t * a.NumLabels, spec.Heads.TokenClassification);
                Output(w, "QuestionAnsweringLogits", "QaLogitsOffset", (long)t * 2, spec.Heads.QuestionAnswering);
                w.Line("public void Dispose() => _arena.Dispose();");
                w.Line();
                EmitRun(w, plan, variant);
                w.Line();
                EmitAttention(w, variant, a);
            }
        }

        return w.ToString();
    }

    private static void EmitRun(SourceWriter w, ModelPlan plan, VariantPlan variant)
    {
        ModelSpec spec = plan.Spec;
        BertArchitecture a = spec.Architecture;
        int t = variant.Shape.Tokens, b = variant.Shape.Batch, s = variant.Shape.Sequence, h = a.HiddenSize, i = a.IntermediateSize;

        w.Summary("Runs the forward pass; inputs are [Batch, Sequence] row-major.");
        w.Line(ModelEmitter.OptimizeNow);
        using (w.Block("public void Run(global::System.ReadOnlySpan<int> inputIds, global::System.ReadOnlySpan<int> attentionMask, global::System.ReadOnlySpan<int> tokenTypeIds)"))
        {
            w.Line($"{Runtime}.Inference.InputValidation.Check(inputIds, attentionMask, tokenTypeIds, Tokens, VocabSize, TypeVocabSize);");
            w.Line("_model.EnsureWeightsPrepared();");
            w.Comment("Embeddings and LayerNorm parameters from the HF-layout buffer (kept by inference-only models), linear layers from the packed copy.");
            w.Line("float* p = _model._parameters.Pointer;");
            w.Line("float* w = _model.PackedWeights.Pointer;");
            w.Line("float* arena = _arena.Pointer;");
            w.Line($"{Runtime}.Threading.ComputePool pool = _model.Pool;");
            w.Line("float* hidden = arena + HiddenOffset;");
            using (w.Block("fixed (int* ids = inputIds, mask = attentionMask, types = tokenTypeIds)"))
            {
                w.Comment($"Attention mask [{b},{s}] → additive key bias: 0 where attended, float.MinValue where padded (HF's finfo.min).");
                w.Line("float* maskBias = arena + MaskBiasOffset;");
                using (w.Block($"for (int t = 0; t < {t}; t++)"))
                {
                    w.Line("maskBias[t] = mask[t] != 0 ? 0f : float.MinValue;");
                }

                w.Line();
                w.Comment($"Embeddings: word + position + token type → hidden [{t},{h}], then LayerNorm.");
                using (w.Block($"for (int t = 0; t < {t}; t++)"))
                {
                    w.Line($"RowKernels.EmbeddingSum{h}(hidden + (long)t * {h}, p + {Param(plan, "embeddings.word_embeddings.weight")} + (long)ids[t] * {h}, p + {Param(plan, "embeddings.position_embeddings.weight")} + (t % {s}) * {h}, p + {Param(plan, "embeddings.token_type_embeddings.weight")} + types[t] * {h});");
                }

                w.Line($"RowKernels.{RowKernelEmitter.LayerNormName(h)}(hidden, {t}, p + {Param(plan, "embeddings.LayerNorm.weight")}, p + {Param(plan, "embeddings.LayerNorm.bias")});");

                for (int l = 0; l < a.NumHiddenLayers; l++)
                {
                    string layer = "encoder.layer." + l.ToString(CultureInfo.InvariantCulture);
                    w.Line();
                    w.Comment($"Layer {l} QKV projection: hidden [{t},{h}] · [{h},{3 * h}] → qkv [{t},{3 * h}], bias fused.");
                    Linear(w, plan, $"Layer{l}Qkv", t, "hidden", h, "arena + QkvOffset", 3 * h, null, null);
                    w.Comment($"Layer {l} attention: per (batch, head) softmax(q·kᵀ/√{a.HeadSize} + mask)·v → context [{t},{h}], heads split over the pool.");
                    w.Line("Attention(arena, pool);");
                    w.Comment($"Layer {l} attention output: context [{t},{h}] · [{h},{h}] + bias + hidden → attention_out [{t},{h}], then LayerNorm.");
                    Linear(w, plan, $"Layer{l}AttentionOutput", t, "arena + ContextOffset", h, "arena + AttentionOutOffset", h, null, "hidden");
                    w.Line($"RowKernels.{RowKernelEmitter.LayerNormName(h)}(arena + AttentionOutOffset, {t}, p + {Param(plan, layer + ".attention.output.LayerNorm.weight")}, p + {Param(plan, layer + ".attention.output.LayerNorm.bias")});");
                    w.Comment($"Layer {l} FFN up: attention_out [{t},{h}] · [{h},{i}] + bias, {Activations.Of(a.HiddenAct).Name} → ffn [{t},{i}].");
                    Linear(w, plan, $"Layer{l}FeedForwardUp", t, "arena + AttentionOutOffset", h, "arena + FfnOffset", i, Activations.Of(a.HiddenAct).RuntimeName, null);
                    w.Comment($"Layer {l} FFN down: ffn [{t},{i}] · [{i},{h}] + bias + attention_out → hidden [{t},{h}], then LayerNorm.");
                    Linear(w, plan, $"Layer{l}FeedForwardDown", t, "arena + FfnOffset", i, "hidden", h, null, "arena + AttentionOutOffset");
                    w.Line($"RowKernels.{RowKernelEmitter.LayerNormName(h)}(hidden, {t}, p + {Param(plan, layer + ".output.LayerNorm.weight")}, p + {Param(plan, layer + ".output.LayerNorm.bias")});");
                }

                if (spec.Heads.HasPooler)
                {
                    w.Line();
                    w.Comment($"Pooler: the [CLS] row of each sequence (stride {s * h}) [{b},{h}] · [{h},{h}] + bias, tanh → pooled [{b},{h}].");
                    LinearStrided(w, plan, "Pooler", b, "hidden", (long)s * h, h, "arena + PooledOffset", h, "Tanh", null);
                }

                if (spec.Heads.HasMlmHead)
                {
                    w.Line();
                    w.Comment($"Masked LM transform: hidden [{t},{h}] · [{h},{h}] + bias, {Activations.Of(a.HiddenAct).Name}, LayerNorm → mlm_transform [{t},{h}].");
                    Linear(w, plan, "MaskedLmTransform", t, "hidden", h, "arena + MlmTransformOffset", h, Activations.Of(a.HiddenAct).RuntimeName, null);
                    w.Line($"RowKernels.{RowKernelEmitter.LayerNormName(h)}(arena + MlmTransformOffset, {t}, p + {Param(plan, "cls.predictions.transform.LayerNorm.weight")}, p + {Param(plan, "cls.predictions.transform.LayerNorm.bias")});");
                    w.Comment($"Masked LM decoder, tied to the word embeddings: [{t},{h}] · [{h},{a.VocabSize}] + bias → mlm_logits [{t},{a.VocabSize}].");
                    Linear(w, plan, "MaskedLmDecoder", t, "arena + MlmTransformOffset", h, "arena + MlmLogitsOffset", a.VocabSize, null, null);
                }

                if (spec.Heads.Pretraining)
                {
                    w.Line();
                    w.Comment($"Next sentence: pooled [{b},{h}] · [{h},2] + bias → nsp_logits [{b},2].");
                    Linear(w, plan, "NextSentence", b, "arena + PooledOffset", h, "arena + NspLogitsOffset", 2, null, null);
                }

                if (spec.Heads.SequenceClassification)
                {
                    w.Line();
                    w.Comment($"Sequence classifier (dropout is off at inference): pooled [{b},{h}] · [{h},{a.NumLabels}] + bias → sequence_logits [{b},{a.NumLabels}].");
                    Linear(w, plan, "SequenceClassifier", b, "arena + PooledOffset", h, "arena + SequenceLogitsOffset", a.NumLabels, null, null);
                }

                if (spec.Heads.TokenClassification)
                {
                    w.Line();
                    w.Comment($"Token classifier: hidden [{t},{h}] · [{h},{a.NumLabels}] + bias → token_logits [{t},{a.NumLabels}].");
                    Linear(w, plan, "TokenClassifier", t, "hidden", h, "arena + TokenLogitsOffset", a.NumLabels, null, null);
                }

                if (spec.Heads.QuestionAnswering)
                {
                    w.Line();
                    w.Comment($"Question answering: hidden [{t},{h}] · [{h},2] + bias → qa_logits [{t},2] (start, end).");
                    Linear(w, plan, "QuestionAnswering", t, "hidden", h, "arena + QaLogitsOffset", 2, null, null);
                }
            }
        }
    }

    private static void EmitAttention(SourceWriter w, VariantPlan variant, BertArchitecture a)
    {
        int b = variant.Shape.Batch, s = variant.Shape.Sequence, h = a.HiddenSize, dh = a.HeadSize, heads = a.NumAttentionHeads;
        long packLength = variant.Buffer("attention_pack").Length / variant.AttentionParts;
        w.Comment("What one attention part needs; lives on the dispatching thread's stack during the call.");
        using (w.Block("private struct AttentionWork"))
        {
            w.Line("public float* Arena;");
        }

        w.Line();
        w.Summary($"Self-attention of one layer: {b * heads} (batch, head) pairs split into up to {variant.AttentionParts} parts over the pool.");
        using (w.Block($"private static void Attention(float* arena, {Runtime}.Threading.ComputePool pool)"))
        {
            w.Line("var work = new AttentionWork { Arena = arena };");
            w.Line($"int parts = global::System.Math.Min(pool.ThreadCount, AttentionParts);");
            w.Line("pool.Run(&AttentionPart, &work, parts);");
        }

        w.Line();
        w.Summary("One part's share of the (batch, head) pairs; the split depends only on the part count, so results do not depend on threading.");
        w.Line(ModelEmitter.OptimizeNow);
        using (w.Block("private static void AttentionPart(void* context, int part, int parts)"))
        {
            w.Line("float* arena = ((AttentionWork*)context)->Arena;");
            w.Line($"float* pack = arena + AttentionPackOffset + (long)part * {packLength};");
            w.Line($"int begin = {b * heads} * part / parts, end = {b * heads} * (part + 1) / parts;");
            using (w.Block("for (int item = begin; item < end; item++)"))
            {
                w.Line($"int b = item / {heads}, head = item % {heads};");
                w.Comment($"q, k, v of this head: [{s},{dh}] each, rows strided by the fused width {3 * h}.");
                w.Line($"float* q = arena + QkvOffset + (long)b * {s * 3 * h} + head * {dh};");
                w.Line($"float* k = q + {h};");
                w.Line($"float* v = q + {2 * h};");
                w.Line($"float* scores = arena + ScoresOffset + (long)item * {s * s};");
                w.Comment($"scores [{s},{s}] = q·kᵀ · 1/√{dh} + mask bias of each key (the epilogue's per-column bias).");
                w.Line($"{Gemm}.MultiplyTransposedB({s}, {s}, {dh}, q, {3 * h}, k, {3 * h}, scores, {s}, pack, {Epilogue}.None.WithAlpha({Literals.Float(1.0 / System.Math.Sqrt(dh))}).WithBias(arena + MaskBiasOffset + b * {s}));");
                w.Comment("softmax over the keys of each query row");
                w.Line($"RowKernels.{RowKernelEmitter.SoftmaxName(s)}(scores, {s});");
                w.Comment($"context [{s},{dh}] = probabilities [{s},{s}] · v [{s},{dh}], written into this head's columns of context [{b * s},{h}].");
                w.Line($"{Gemm}.Multiply({s}, {dh}, {s}, scores, {s}, v, {3 * h}, arena + ContextOffset + (long)b * {s * h} + head * {dh}, {h}, pack, {Epilogue}.None);");
            }
        }
    }

    private static void Linear(SourceWriter w, ModelPlan plan, string key, int m, string x, int k, string y, int n, string? activation, string? residual) =>
        LinearStrided(w, plan, key, m, x, k, k, y, n, activation, residual);

    private static void LinearStrided(SourceWriter w, ModelPlan plan, string key, int m, string x, long ldx, int k, string y, int n, string? activation, string? residual)
    {
        PackedLinear linear = plan.Linear(key);
        string epilogue = $"{Epilogue}.None.WithBias(w + {Literals.Long(linear.BiasOffset)})";
        if (activation is not null)
        {
            epilogue += $".WithActivation({Runtime}.Kernels.Activation.{activation})";
        }

        if (residual is not null)
        {
            epilogue += $".WithResidual({residual}, {n})";
        }

        long flops = 2L * m * n * k;
        string pool = flops >= ParallelFlopThreshold ? "pool" : "null";
        w.Line($"{Gemm}.Linear({m}, {n}, {k}, {x}, {ldx}, w + {Literals.Long(linear.PackedOffset)}, {y}, {n}, {epilogue}, {pool});");
    }

    /// <summary>The parameter offset of a tensor, given its name without the <c>bert.</c> prefix.</summary>
    private static string Param(ModelPlan plan, string encoderName)
    {
        string prefix = plan.Spec.Heads.Any && !encoderName.StartsWith("cls.", System.StringComparison.Ordinal) ? "bert." : string.Empty;
        return Literals.Long(plan.Parameter(prefix + encoderName).Offset);
    }

    private static void Output(SourceWriter w, string name, string offset, long length, bool present)
    {
        w.Line(present
            ? $"public global::System.ReadOnlySpan<float> {name} => new(_arena.Pointer + {offset}, {Literals.Int(length)});"
            : $"public global::System.ReadOnlySpan<float> {name} => default;");
        w.Line();
    }

    private static void Const(SourceWriter w, string type, string name, string value) => w.Line($"public const {type} {name} = {value};");
}
