using System.Globalization;
using BertGen.Generator.Model;
using BertGen.Generator.Planning;

namespace BertGen.Generator.Emitting;

/// <summary>
/// Emits one training step per fixed shape: the forward with dropout that saves what the backward reads,
/// the objective's loss (its gradient written over the logits), and the backward of every op in reverse,
/// each block quoting the forward line it differentiates. Gradients are added into the model's flat
/// gradient buffer at the parameters' own offsets.
/// </summary>
internal sealed class TrainingEmitter
{
    private const string Runtime = "global::BertGen.Runtime";
    private const string Gemm = Runtime + ".Kernels.Gemm";
    private const string Epilogue = Runtime + ".Kernels.GemmEpilogue";
    private const string Back = Runtime + ".Backward";

    // Dropout sites: every place dropout acts gets its own stream of the step's seed.
    private const int EmbeddingSite = 1, ClassifierSite = 2, TokenSite = 3;

    private readonly ModelPlan _plan;
    private readonly TrainingPlan _train;
    private readonly SourceWriter _w;
    private readonly BertArchitecture _a;
    private readonly int _t, _b, _s, _h, _i, _dh, _heads, _g;

    private TrainingEmitter(ModelPlan plan, TrainingPlan train, SourceWriter w)
    {
        _plan = plan;
        _train = train;
        _w = w;
        _a = plan.Spec.Architecture;
        _t = train.Shape.Tokens;
        _b = train.Shape.Batch;
        _s = train.Shape.Sequence;
        _h = _a.HiddenSize;
        _i = _a.IntermediateSize;
        _dh = _a.HeadSize;
        _heads = _a.NumAttentionHeads;
        _g = _b * train.MaxPredictions;
    }

    public static string ClassName(ShapeVariant shape) => "Training" + shape.Name;

    public static string Emit(ModelPlan plan, TrainingPlan train, SourceWriter w)
    {
        new TrainingEmitter(plan, train, w).EmitClass();
        return w.ToString();
    }

    private static int AttentionSite(int layer) => 16 + (4 * layer);

    private static int AttentionOutputSite(int layer) => 17 + (4 * layer);

    private static int FeedForwardSite(int layer) => 18 + (4 * layer);

    private string Act => Runtime + ".Kernels.Activation." + Activations.Of(_a.HiddenAct).RuntimeName;

    private void EmitClass()
    {
        ModelSpec spec = _plan.Spec;
        string name = ClassName(_train.Shape);
        using (_w.Block($"public sealed partial class {spec.TypeName}"))
        {
            _w.Summary($"The compiled training step for batch {_b} × sequence {_s} ({_train.Objective}): forward with dropout, loss, backward.\n{Literals.Grouped(_train.StepFlops)} matrix FLOPs per step; saved activations in one arena of {Literals.Grouped(_train.ArenaLength)} floats.");
            ModelEmitter.GeneratedCodeAttribute(_w);
            using (_w.Block($"public sealed unsafe partial class {name} : {Runtime}.Training.ITrainingStep"))
            {
                Const("int", "BatchSize", Literals.Int(_b));
                Const("int", "SequenceLength", Literals.Int(_s));
                Const("int", "Tokens", Literals.Int(_t));
                Const("int", "MaxPredictionsPerSequence", Literals.Int(_train.MaxPredictions));
                Const("long", "StepFlops", Literals.Long(_train.StepFlops));
                Const("long", "ArenaLength", Literals.Long(_train.ArenaLength));
                Const("long", "AttentionPartLength", Literals.Long(_train.AttentionPartLength));
                Const("int", "AttentionParts", Literals.Int(_train.AttentionParts));
                _w.Comment("Saved activations and backward temporaries (float offsets into the arena).");
                foreach (ArenaSlot slot in _train.Buffers)
                {
                    Const("long", Offset(slot.Name), Literals.Long(slot.Offset) + "; // " + slot.Shape);
                }

                _w.Line();
                _w.Line($"private readonly {spec.TypeName} _model;");
                _w.Line($"private readonly {Runtime}.Memory.AlignedBuffer _arena = new(ArenaLength);");
                _w.Line();
                using (_w.Block($"public {name}({spec.TypeName} model)"))
                {
                    _w.Line("_model = model ?? throw new global::System.ArgumentNullException(nameof(model));");
                }

                _w.Line();
                _w.Line("public int Batch => BatchSize;");
                _w.Line();
                _w.Line("public int Sequence => SequenceLength;");
                _w.Line();
                _w.Line("public int MaxPredictions => MaxPredictionsPerSequence;");
                _w.Line();
                _w.Line("public void Dispose() => _arena.Dispose();");
                _w.Line();
                EmitRun();
                _w.Line();
                EmitAttention();
            }
        }
    }

    private void EmitRun()
    {
        ModelSpec spec = _plan.Spec;
        bool classLabels = ProblemTypes.Of(_a.ProblemType).ClassLabels;
        _w.Summary("Forward, loss and, in Train mode, backward; gradients are added into the model's Gradients.\n"
            + "The backward tells <paramref name=\"progress\"/> as each layer's gradients become final (heads first, embeddings last).");
        _w.Line(ModelEmitter.OptimizeNow);
        using (_w.Block($"public {Runtime}.Training.TrainingLosses Run({Runtime}.Training.TrainingBatch batch, {Runtime}.Training.StepMode mode, ulong dropoutSeed, float gradientScale = 1f, {Runtime}.Training.IGradientProgress? progress = null)"))
        {
            _w.Line($"{Back}.TrainingBatchValidation.Check(batch, {Runtime}.Training.TrainingObjective.{_train.Objective}, BatchSize, SequenceLength, MaxPredictionsPerSequence, VocabSize, TypeVocabSize, LabelCount, {(classLabels ? "true" : "false")});");
            _w.Line("_model.EnsureWeightsPrepared();");
            _w.Line($"bool train = mode == {Runtime}.Training.StepMode.Train;");
            _w.Line("float hiddenDropout = train ? HiddenDropout : 0f;");
            _w.Line("float attentionDropout = train ? AttentionDropout : 0f;");
            _w.Line("float* p = _model.Parameters.Pointer;");
            _w.Line("float* w = _model.PackedWeights.Pointer;");
            _w.Line("float* g = _model.Gradients.Pointer;");
            _w.Line("float* arena = _arena.Pointer;");
            _w.Line("float* pack = arena + PackOffset;");
            _w.Line($"{Runtime}.Threading.ComputePool pool = _model.Pool;");
            _w.Line($"{Runtime}.Training.TrainingLosses losses;");
            using (_w.Block("fixed (int* ids = batch.InputIds, mask = batch.AttentionMask, types = batch.TokenTypeIds)"))
            {
                EmitForwardEncoder();
                switch (_train.Objective)
                {
                    case TrainingObjective.Pretraining:
                    case TrainingObjective.MaskedLm:
                        EmitMaskedLm();
                        break;
                    case TrainingObjective.SequenceClassification:
                        EmitSequenceClassification();
                        break;
                    case TrainingObjective.TokenClassification:
                        EmitTokenClassification();
                        break;
                    case TrainingObjective.QuestionAnswering:
                        EmitQuestionAnswering();
                        break;
                    default:
                        throw new System.InvalidOperationException($"No training step for objective {_train.Objective}.");
                }
            }

            _w.Line("return losses;");
        }
    }

    private void EmitForwardEncoder()
    {
        int t = _t, h = _h, i = _i, s = _s;
        _w.Comment($"Attention mask [{_b},{s}] → additive key bias: 0 where attended, float.MinValue where padded.");
        using (_w.Block($"for (int t = 0; t < {t}; t++)"))
        {
            _w.Line("arena[MaskBiasOffset + t] = mask[t] != 0 ? 0f : float.MinValue;");
        }

        _w.Line();
        _w.Comment($"Embeddings: word + position + token type → [{t},{h}], LayerNorm (x̂, 1/σ saved), dropout → hidden_0.");
        using (_w.Block($"for (int t = 0; t < {t}; t++)"))
        {
            _w.Line($"RowKernels.EmbeddingSum{h}(arena + DenseOutOffset + (long)t * {h}, p + {P("embeddings.word_embeddings.weight")} + (long)ids[t] * {h}, p + {P("embeddings.position_embeddings.weight")} + (t % {s}) * {h}, p + {P("embeddings.token_type_embeddings.weight")} + types[t] * {h});");
        }

        LayerNormForward("arena + DenseOutOffset", Buf("hidden", 0), "EmbXhat", "EmbRstd", t, "embeddings.LayerNorm");
        _w.Line($"{Back}.Dropout.Apply({Buf("hidden", 0)}, {(long)t * h}, hiddenDropout, dropoutSeed, {EmbeddingSite}, pool);");

        for (int l = 0; l < _a.NumHiddenLayers; l++)
        {
            string layer = "encoder.layer." + l.ToString(CultureInfo.InvariantCulture);
            _w.Line();
            _w.Comment($"Layer {l} QKV: hidden_{l} [{t},{h}] · [{h},{3 * h}] + bias → qkv_{l}.");
            Linear($"Layer{l}Qkv", t, Buf("hidden", l), h, Buf("qkv", l), 3 * h, null);
            _w.Comment($"Layer {l} attention: probs_{l} = softmax(q·kᵀ/√{_dh} + mask) saved; context_{l} = dropout(probs)·v.");
            _w.Line($"Attention(arena, {Buf("qkv", l)}, {Buf("probs", l)}, {Buf("context", l)}, null, null, attentionDropout, dropoutSeed, {AttentionSite(l)}, backward: false, pool);");
            _w.Comment($"Layer {l} attention output: context_{l} · [{h},{h}] + bias, dropout, + hidden_{l}, LayerNorm → attention_out_{l}.");
            Linear($"Layer{l}AttentionOutput", t, Buf("context", l), h, "arena + DenseOutOffset", h, null);
            _w.Line($"{Back}.Dropout.ApplyAndAdd(arena + DenseOutOffset, {Buf("hidden", l)}, {(long)t * h}, hiddenDropout, dropoutSeed, {AttentionOutputSite(l)}, pool);");
            LayerNormForward("arena + DenseOutOffset", Buf("attention_out", l), $"Ln1Xhat{l}", $"Ln1Rstd{l}", t, layer + ".attention.output.LayerNorm");
            _w.Comment($"Layer {l} FFN up: attention_out_{l} · [{h},{i}] + bias → ffn_pre_{l} (saved), {Activations.Of(_a.HiddenAct).Name} → ffn_act.");
            Linear($"Layer{l}FeedForwardUp", t, Buf("attention_out", l), h, Buf("ffn_pre", l), i, null);
            _w.Line($"{Back}.ActivationKernels.Forward({Act}, {Buf("ffn_pre", l)}, arena + FfnActOffset, {(long)t * i}, pool);");
            _w.Comment($"Layer {l} FFN down: ffn_act · [{i},{h}] + bias, dropout, + attention_out_{l}, LayerNorm → hidden_{l + 1}.");
            Linear($"Layer{l}FeedForwardDown", t, "arena + FfnActOffset", i, "arena + DenseOutOffset", h, null);
            _w.Line($"{Back}.Dropout.ApplyAndAdd(arena + DenseOutOffset, {Buf("attention_out", l)}, {(long)t * h}, hiddenDropout, dropoutSeed, {FeedForwardSite(l)}, pool);");
            LayerNormForward("arena + DenseOutOffset", Buf("hidden", l + 1), $"Ln2Xhat{l}", $"Ln2Rstd{l}", t, layer + ".output.LayerNorm");
        }
    }

    /// <summary>The encoder's backward, from d_hidden (the gradient of the last layer's output) down to the embeddings.</summary>
    private void EmitBackwardEncoder()
    {
        int t = _t, h = _h, i = _i, s = _s;
        long th = (long)t * h, ti = (long)t * i;
        _w.Comment("The heads' and pooler's gradients (every offset from the end of the last layer on) are final.");
        _w.Line($"progress?.CompletedFrom({LayerStart(_a.NumHiddenLayers)});");
        for (int l = _a.NumHiddenLayers - 1; l >= 0; l--)
        {
            string layer = "encoder.layer." + l.ToString(CultureInfo.InvariantCulture);
            if (l < _a.NumHiddenLayers - 1)
            {
                _w.Comment($"Layer {l + 1}'s gradients are final.");
                _w.Line($"progress?.CompletedFrom({LayerStart(l + 1)});");
            }

            _w.Line();
            _w.Comment($"Layer {l} backward of: hidden_{l + 1} = LayerNorm(attention_out_{l} + dropout(ffn_act·W_down + b_down)).");
            LayerNormBackward("arena + DHiddenOffset", $"Ln2Xhat{l}", $"Ln2Rstd{l}", "arena + DBranchOffset", t, layer + ".output.LayerNorm");
            _w.Line($"new global::System.ReadOnlySpan<float>(arena + DBranchOffset, {th}).CopyTo(new global::System.Span<float>(arena + DAttentionOutOffset, {th}));");
            _w.Line($"{Back}.Dropout.Apply(arena + DBranchOffset, {th}, hiddenDropout, dropoutSeed, {FeedForwardSite(l)}, pool);");
            _w.Line($"{Back}.ActivationKernels.Forward({Act}, {Buf("ffn_pre", l)}, arena + FfnActOffset, {ti}, pool); // recompute ffn_act for dW_down");
            LinearBackward(layer + ".output.dense", h, i, t, "arena + DBranchOffset", h, "arena + FfnActOffset", i, "arena + DFfnOffset", i, accumulate: false);
            _w.Comment($"Layer {l} backward of: ffn_act = {Activations.Of(_a.HiddenAct).Name}(ffn_pre_{l}), ffn_pre_{l} = attention_out_{l}·W_up + b_up.");
            _w.Line($"{Back}.ActivationKernels.Backward({Act}, {Buf("ffn_pre", l)}, arena + DFfnOffset, {ti}, pool);");
            LinearBackward(layer + ".intermediate.dense", i, h, t, "arena + DFfnOffset", i, Buf("attention_out", l), h, "arena + DAttentionOutOffset", h, accumulate: true);
            _w.Comment($"Layer {l} backward of: attention_out_{l} = LayerNorm(hidden_{l} + dropout(context_{l}·W_o + b_o)).");
            LayerNormBackward("arena + DAttentionOutOffset", $"Ln1Xhat{l}", $"Ln1Rstd{l}", "arena + DBranchOffset", t, layer + ".attention.output.LayerNorm");
            _w.Line($"new global::System.ReadOnlySpan<float>(arena + DBranchOffset, {th}).CopyTo(new global::System.Span<float>(arena + DHiddenOffset, {th}));");
            _w.Line($"{Back}.Dropout.Apply(arena + DBranchOffset, {th}, hiddenDropout, dropoutSeed, {AttentionOutputSite(l)}, pool);");
            LinearBackward(layer + ".attention.output.dense", h, h, t, "arena + DBranchOffset", h, Buf("context", l), h, "arena + DContextOffset", h, accumulate: false);
            _w.Comment($"Layer {l} backward of: context = dropout(softmax(q·kᵀ/√{_dh} + mask))·v, per (batch, head) → d_qkv.");
            _w.Line($"Attention(arena, {Buf("qkv", l)}, {Buf("probs", l)}, null, arena + DContextOffset, arena + DQkvOffset, attentionDropout, dropoutSeed, {AttentionSite(l)}, backward: true, pool);");
            _w.Comment($"Layer {l} backward of: qkv_{l} = hidden_{l}·[W_q; W_k; W_v]ᵀ + [b_q; b_k; b_v] (adds into d_hidden, which holds the residual path).");
            string[] parts = { "query", "key", "value" };
            for (int k = 0; k < 3; k++)
            {
                LinearBackward($"{layer}.attention.self.{parts[k]}", h, h, t, $"arena + DQkvOffset + {k * h}", 3 * h, Buf("hidden", l), h, "arena + DHiddenOffset", h, accumulate: true);
            }
        }

        _w.Comment("Layer 0's gradients are final.");
        _w.Line($"progress?.CompletedFrom({LayerStart(0)});");
        _w.Line();
        _w.Comment("Embeddings backward of: hidden_0 = dropout(LayerNorm(word[ids] + position[s] + token_type[types])).");
        _w.Line($"{Back}.Dropout.Apply(arena + DHiddenOffset, {th}, hiddenDropout, dropoutSeed, {EmbeddingSite}, pool);");
        LayerNormBackward("arena + DHiddenOffset", "EmbXhat", "EmbRstd", "arena + DBranchOffset", t, "embeddings.LayerNorm");
        _w.Comment("Scatter-add each token's gradient into its word, position and type rows, in token order (deterministic).");
        using (_w.Block($"for (int t = 0; t < {t}; t++)"))
        {
            _w.Line($"float* d = arena + DBranchOffset + (long)t * {h};");
            _w.Line($"{Back}.RowReductions.Add(g + {P("embeddings.word_embeddings.weight")} + (long)ids[t] * {h}, d, {h});");
            _w.Line($"{Back}.RowReductions.Add(g + {P("embeddings.position_embeddings.weight")} + (t % {s}) * {h}, d, {h});");
            _w.Line($"{Back}.RowReductions.Add(g + {P("embeddings.token_type_embeddings.weight")} + types[t] * {h}, d, {h});");
        }

        _w.Comment("Every gradient, the word embeddings' (tied to the MLM decoder) included, is final.");
        _w.Line("progress?.CompletedFrom(0L);");
    }

    /// <summary>
    /// Where layer <paramref name="layer"/>'s parameters begin in the flat buffers (the layers lie in order between
    /// the embeddings and the pooler/heads); for <c>layer == L</c>, where the last layer's end, aligned, is.
    /// </summary>
    private string LayerStart(int layer)
    {
        string bert = _plan.Spec.Heads.Any ? "bert." : string.Empty;
        if (layer < _a.NumHiddenLayers)
        {
            return P($"encoder.layer.{layer.ToString(CultureInfo.InvariantCulture)}.attention.self.query.weight");
        }

        ParameterSlot last = _plan.Parameter($"{bert}encoder.layer.{(layer - 1).ToString(CultureInfo.InvariantCulture)}.output.LayerNorm.bias");
        long end = (last.Offset + last.Length + ParameterLayout.AlignmentFloats - 1) / ParameterLayout.AlignmentFloats * ParameterLayout.AlignmentFloats;
        return $"{Literals.Long(end)} /* end of layer {layer - 1} */";
    }

    private void EmitMaskedLm()
    {
        int h = _h, v = _a.VocabSize, gRows = _g, b = _b, s = _s;
        bool nsp = _train.Objective == TrainingObjective.Pretraining;
        string last = Buf("hidden", _a.NumHiddenLayers);
        _w.Line();
        using (_w.Block("fixed (int* positions = batch.MaskedLmPositions, labels = batch.MaskedLmIds" + (nsp ? ", nspLabels = batch.NextSentenceLabels" : string.Empty) + ")"))
        using (_w.Block("fixed (float* weights = batch.MaskedLmWeights)"))
        {
            _w.Comment($"Masked LM head at the gathered positions: rows b·{s} + position of hidden_{_a.NumHiddenLayers} → [{gRows},{h}].");
            _w.Line($"int* rows = stackalloc int[{gRows}];");
            using (_w.Block($"for (int r = 0; r < {gRows}; r++)"))
            {
                _w.Line($"rows[r] = r / {_train.MaxPredictions} * {s} + positions[r];");
            }

            _w.Line($"{Back}.RowReductions.GatherRows({last}, rows, {gRows}, {h}, arena + MlmGatheredOffset);");
            _w.Comment($"transform: gathered · [{h},{h}] + bias → mlm_pre, {Activations.Of(_a.HiddenAct).Name}, LayerNorm → mlm_transform.");
            Linear("MaskedLmTransform", gRows, "arena + MlmGatheredOffset", h, "arena + MlmPreOffset", h, null);
            _w.Line($"{Back}.ActivationKernels.Forward({Act}, arena + MlmPreOffset, arena + MlmActOffset, {(long)gRows * h}, pool);");
            LayerNormForward("arena + MlmActOffset", "arena + MlmTransformOffset", "MlmXhat", "MlmRstd", gRows, "cls.predictions.transform.LayerNorm");
            _w.Comment($"decoder tied to the word embeddings: mlm_transform · [{h},{v}] + cls.predictions.bias → mlm_logits.");
            Linear("MaskedLmDecoder", gRows, "arena + MlmTransformOffset", h, "arena + MlmLogitsOffset", v, null);
            _w.Comment("Loss Σw·CE / (Σw + 1e-5), original BERT's normalisation; the gradient replaces the logits.");
            _w.Line("double weightSum = 0;");
            using (_w.Block($"for (int r = 0; r < {gRows}; r++)"))
            {
                _w.Line("weightSum += weights[r];");
            }

            _w.Line($"{Back}.LossResult mlm = {Back}.LossKernels.SoftmaxCrossEntropy(arena + MlmLogitsOffset, {gRows}, {v}, {v}, labels, weights, weightSum + 1e-5, gradientScale);");
            if (nsp)
            {
                _w.Line();
                _w.Comment($"Pooler: [CLS] rows of hidden_{_a.NumHiddenLayers} (stride {s * h}) · [{h},{h}] + bias, tanh → pooled; next sentence: pooled · [{h},2] + bias.");
                LinearStrided("Pooler", b, last, (long)s * h, h, "arena + PooledOffset", h, "Tanh");
                Linear("NextSentence", b, "arena + PooledOffset", h, "arena + NspLogitsOffset", 2, null);
                _w.Line($"{Back}.LossResult next = {Back}.LossKernels.SoftmaxCrossEntropy(arena + NspLogitsOffset, {b}, 2, 2, nspLabels, null, {b}, gradientScale);");
                _w.Line($"losses = new((float)(mlm.Loss + next.Loss), (float)mlm.Loss, (float)next.Loss, 0f, mlm.Correct, mlm.Count, next.Correct, next.Count, 0, 0);");
            }
            else
            {
                _w.Line("losses = new((float)mlm.Loss, (float)mlm.Loss, 0f, 0f, mlm.Correct, mlm.Count, 0, 0, 0, 0);");
            }

            using (_w.Block("if (!train)"))
            {
                _w.Line("return losses;");
            }

            _w.Line();
            _w.Line($"new global::System.Span<float>(arena + DHiddenOffset, {(long)_t * h}).Clear();");
            _w.Comment("Masked LM backward of: mlm_logits = mlm_transform·word_embeddingsᵀ + bias (the tied gradient lands in the word embeddings).");
            _w.Line($"{Back}.RowReductions.AddColumnSums(arena + MlmLogitsOffset, {gRows}, {v}, {v}, g + {P("cls.predictions.bias")}, pool);");
            WeightGradient(v, h, gRows, "arena + MlmLogitsOffset", v, "arena + MlmTransformOffset", h, P("embeddings.word_embeddings.weight"));
            InputGradient(gRows, h, v, "arena + MlmLogitsOffset", v, P("embeddings.word_embeddings.weight"), "arena + DMlmOffset", h, accumulate: false);
            _w.Comment("backward of the transform's LayerNorm, activation and dense, then scatter into d_hidden at the gathered rows.");
            LayerNormBackward("arena + DMlmOffset", "MlmXhat", "MlmRstd", "arena + DMlmOffset", gRows, "cls.predictions.transform.LayerNorm");
            _w.Line($"{Back}.ActivationKernels.Backward({Act}, arena + MlmPreOffset, arena + DMlmOffset, {(long)gRows * h}, pool);");
            LinearBackward("cls.predictions.transform.dense", h, h, gRows, "arena + DMlmOffset", h, "arena + MlmGatheredOffset", h, "arena + DMlmGatheredOffset", h, accumulate: false);
            _w.Line($"{Back}.RowReductions.ScatterAddRows(arena + DMlmGatheredOffset, rows, {gRows}, {h}, arena + DHiddenOffset);");
            if (nsp)
            {
                _w.Comment("Next sentence backward of: nsp_logits = pooled·W_nspᵀ + b; pooled = tanh([CLS]·W_poolᵀ + b).");
                PoolerHeadBackward("cls.seq_relationship", 2, "arena + NspLogitsOffset", "arena + PooledOffset");
            }

            EmitBackwardEncoder();
        }
    }

    private void EmitSequenceClassification()
    {
        int h = _h, b = _b, s = _s, labels = _a.NumLabels;
        string last = Buf("hidden", _a.NumHiddenLayers);
        _w.Line();
        _w.Comment($"Pooler: [CLS] rows (stride {s * h}) · [{h},{h}] + bias, tanh → pooled; dropout; classifier [{h},{labels}] + bias.");
        LinearStrided("Pooler", b, last, (long)s * h, h, "arena + PooledOffset", h, "Tanh");
        _w.Line($"{Back}.Dropout.ApplyTo(arena + PooledOffset, arena + PooledDroppedOffset, {(long)b * h}, hiddenDropout, dropoutSeed, {ClassifierSite});");
        Linear("SequenceClassifier", b, "arena + PooledDroppedOffset", h, "arena + SequenceLogitsOffset", labels, null);
        switch (_a.ProblemType)
        {
            case ProblemType.SingleLabelClassification:
                using (_w.Block("fixed (int* classLabels = batch.ClassLabels)"))
                {
                    _w.Comment("Cross-entropy, mean over the rows whose label is not -100 (padding rows of an evaluation batch).");
                    _w.Line("int counted = 0;");
                    using (_w.Block($"for (int r = 0; r < {b}; r++)"))
                    {
                        _w.Line($"counted += classLabels[r] != {Back}.LossKernels.IgnoreLabel ? 1 : 0;");
                    }

                    _w.Line($"{Back}.LossResult task = {Back}.LossKernels.SoftmaxCrossEntropy(arena + SequenceLogitsOffset, {b}, {labels}, {labels}, classLabels, null, global::System.Math.Max(counted, 1), gradientScale);");
                    _w.Line("losses = new((float)task.Loss, 0f, 0f, (float)task.Loss, 0, 0, 0, 0, task.Correct, task.Count);");
                }

                break;
            case ProblemType.MultiLabelClassification:
                using (_w.Block("fixed (float* targets = batch.Targets)"))
                {
                    _w.Comment("Binary cross-entropy with logits, mean over every label.");
                    _w.Line($"{Back}.LossResult task = {Back}.LossKernels.BinaryCrossEntropyWithLogits(arena + SequenceLogitsOffset, targets, {b}, {labels}, gradientScale);");
                    _w.Line("losses = new((float)task.Loss, 0f, 0f, (float)task.Loss, 0, 0, 0, 0, task.Correct, task.Count);");
                }

                break;
            case ProblemType.Regression:
                using (_w.Block("fixed (float* targets = batch.Targets)"))
                {
                    _w.Comment("Mean squared error.");
                    _w.Line($"{Back}.LossResult task = {Back}.LossKernels.MeanSquaredError(arena + SequenceLogitsOffset, targets, {b * labels}, gradientScale);");
                    _w.Line("losses = new((float)task.Loss, 0f, 0f, (float)task.Loss, 0, 0, 0, 0, task.Correct, task.Count);");
                }

                break;
            default:
                throw new System.InvalidOperationException($"No loss for problem type {_a.ProblemType}.");
        }

        using (_w.Block("if (!train)"))
        {
            _w.Line("return losses;");
        }

        _w.Line();
        _w.Line($"new global::System.Span<float>(arena + DHiddenOffset, {(long)_t * h}).Clear();");
        _w.Comment("Classifier backward of: logits = dropout(pooled)·W_cᵀ + b; pooled = tanh([CLS]·W_poolᵀ + b).");
        PoolerHeadBackward("classifier", labels, "arena + SequenceLogitsOffset", "arena + PooledDroppedOffset", dropoutSite: ClassifierSite);
        EmitBackwardEncoder();
    }

    private void EmitTokenClassification()
    {
        int h = _h, t = _t, labels = _a.NumLabels;
        string name = _plan.Spec.Heads.SequenceClassification ? "token_classifier" : "classifier";
        string last = Buf("hidden", _a.NumHiddenLayers);
        _w.Line();
        _w.Comment($"Token classifier: dropout(hidden) · [{h},{labels}] + bias → token_logits [{t},{labels}].");
        _w.Line($"{Back}.Dropout.ApplyTo({last}, arena + HiddenDroppedOffset, {(long)t * h}, hiddenDropout, dropoutSeed, {TokenSite});");
        Linear("TokenClassifier", t, "arena + HiddenDroppedOffset", h, "arena + TokenLogitsOffset", labels, null);
        using (_w.Block("fixed (int* tokenLabels = batch.TokenLabels)"))
        {
            _w.Comment("Cross-entropy, mean over the tokens whose label is not -100.");
            _w.Line("int counted = 0;");
            using (_w.Block($"for (int t = 0; t < {t}; t++)"))
            {
                _w.Line($"counted += tokenLabels[t] != {Back}.LossKernels.IgnoreLabel ? 1 : 0;");
            }

            _w.Line($"{Back}.LossResult task = {Back}.LossKernels.SoftmaxCrossEntropy(arena + TokenLogitsOffset, {t}, {labels}, {labels}, tokenLabels, null, global::System.Math.Max(counted, 1), gradientScale);");
            _w.Line("losses = new((float)task.Loss, 0f, 0f, (float)task.Loss, 0, 0, 0, 0, task.Correct, task.Count);");
        }

        using (_w.Block("if (!train)"))
        {
            _w.Line("return losses;");
        }

        _w.Comment("Backward of: token_logits = dropout(hidden)·Wᵀ + b.");
        LinearBackward(name, labels, h, t, "arena + TokenLogitsOffset", labels, "arena + HiddenDroppedOffset", h, "arena + DHiddenOffset", h, accumulate: false);
        _w.Line($"{Back}.Dropout.Apply(arena + DHiddenOffset, {(long)t * h}, hiddenDropout, dropoutSeed, {TokenSite}, pool);");
        EmitBackwardEncoder();
    }

    private void EmitQuestionAnswering()
    {
        int h = _h, t = _t, b = _b, s = _s;
        string last = Buf("hidden", _a.NumHiddenLayers);
        _w.Line();
        _w.Comment($"Question answering: hidden · [{h},2] + bias → qa_logits [{t},2], split into start and end logits [{b},{s}].");
        Linear("QuestionAnswering", t, last, h, "arena + QaLogitsOffset", 2, null);
        using (_w.Block($"for (int t = 0; t < {t}; t++)"))
        {
            _w.Line("arena[QaStartOffset + t] = arena[QaLogitsOffset + 2 * t];");
            _w.Line("arena[QaEndOffset + t] = arena[QaLogitsOffset + 2 * t + 1];");
        }

        using (_w.Block("fixed (int* starts = batch.StartPositions, ends = batch.EndPositions)"))
        {
            _w.Comment("Loss (CE(start) + CE(end)) / 2, each a mean over the batch.");
            _w.Line($"{Back}.LossResult start = {Back}.LossKernels.SoftmaxCrossEntropy(arena + QaStartOffset, {b}, {s}, {s}, starts, null, {b}, 0.5f * gradientScale);");
            _w.Line($"{Back}.LossResult end = {Back}.LossKernels.SoftmaxCrossEntropy(arena + QaEndOffset, {b}, {s}, {s}, ends, null, {b}, 0.5f * gradientScale);");
            _w.Line("float loss = (float)((start.Loss + end.Loss) / 2);");
            _w.Line("losses = new(loss, 0f, 0f, loss, 0, 0, 0, 0, start.Correct + end.Correct, start.Count + end.Count);");
        }

        using (_w.Block("if (!train)"))
        {
            _w.Line("return losses;");
        }

        using (_w.Block($"for (int t = 0; t < {t}; t++)"))
        {
            _w.Line("arena[QaLogitsOffset + 2 * t] = arena[QaStartOffset + t];");
            _w.Line("arena[QaLogitsOffset + 2 * t + 1] = arena[QaEndOffset + t];");
        }

        _w.Comment("Backward of: qa_logits = hidden·Wᵀ + b.");
        LinearBackward("qa_outputs", 2, h, t, "arena + QaLogitsOffset", 2, last, h, "arena + DHiddenOffset", h, accumulate: false);
        EmitBackwardEncoder();
    }

    /// <summary>
    /// Backward of a head on the pooled [CLS] vector: logits = x·Wᵀ + b with x = pooled (optionally
    /// dropped), pooled = tanh([CLS]·W_poolᵀ + b_pool); adds the [CLS] rows' gradient into d_hidden.
    /// </summary>
    private void PoolerHeadBackward(string head, int outputs, string logits, string input, int? dropoutSite = null)
    {
        int h = _h, b = _b, s = _s;
        LinearBackward(head, outputs, h, b, logits, outputs, input, h, "arena + DPooledOffset", h, accumulate: false);
        if (dropoutSite is { } site)
        {
            _w.Line($"{Back}.Dropout.Apply(arena + DPooledOffset, {(long)b * h}, hiddenDropout, dropoutSeed, {site}, pool);");
        }

        _w.Line($"{Back}.ActivationKernels.TanhBackwardFromOutput(arena + PooledOffset, arena + DPooledOffset, {(long)b * h});");
        LinearBackwardStrided("pooler.dense", h, h, b, "arena + DPooledOffset", h, Buf("hidden", _a.NumHiddenLayers), (long)s * h, "arena + DHiddenOffset", (long)s * h, accumulate: true);
    }

    private void EmitAttention()
    {
        int b = _b, s = _s, h = _h, dh = _dh, heads = _heads;
        long partPack = PackedWeightLayout.Align(System.Math.Max(System.Math.Max(RuntimeContract.PackedLength(s, dh), RuntimeContract.PackedLength(dh, s)), RuntimeContract.PackedLength(dh, dh)));
        long square = PackedWeightLayout.Align((long)s * s);
        _w.Comment("One layer's attention job, shared by the parts on the dispatching thread's stack.");
        using (_w.Block("private struct AttentionWork"))
        {
            _w.Line("public float* Arena, Qkv, Probs, Context, DContext, DQkv;");
            _w.Line("public float Dropout;");
            _w.Line("public ulong Seed;");
            _w.Line("public int Site;");
        }

        _w.Line();
        _w.Summary($"Attention of one layer, forward (saving probabilities) or backward, {b * heads} (batch, head) pairs split over the pool.");
        using (_w.Block($"private static void Attention(float* arena, float* qkv, float* probs, float* context, float* dContext, float* dQkv, float dropout, ulong seed, int site, bool backward, {Runtime}.Threading.ComputePool pool)"))
        {
            _w.Line("var work = new AttentionWork { Arena = arena, Qkv = qkv, Probs = probs, Context = context, DContext = dContext, DQkv = dQkv, Dropout = dropout, Seed = seed, Site = site };");
            _w.Line("int parts = global::System.Math.Min(pool.ThreadCount, AttentionParts);");
            _w.Line("pool.Run(backward ? &AttentionBackwardPart : &AttentionForwardPart, &work, parts);");
        }

        _w.Line();
        _w.Line(ModelEmitter.OptimizeNow);
        using (_w.Block("private static void AttentionForwardPart(void* context, int part, int parts)"))
        {
            AttentionPartStart(partPack, b * heads);
            using (_w.Block("for (int item = begin; item < end; item++)"))
            {
                ItemPointers();
                _w.Comment($"probs [{s},{s}] = softmax(q·kᵀ/√{dh} + mask bias of each key), saved for the backward.");
                _w.Line($"{Gemm}.MultiplyTransposedB({s}, {s}, {dh}, q, {3 * h}, k, {3 * h}, probs, {s}, pack, {Epilogue}.None.WithAlpha({Literals.Float(1.0 / System.Math.Sqrt(dh))}).WithBias(work->Arena + MaskBiasOffset + b * {s}));");
                _w.Line($"RowKernels.{RowKernelEmitter.SoftmaxName(s)}(probs, {s});");
                _w.Comment("context = dropout(probs)·v into this head's columns.");
                _w.Line("float* used = probs;");
                using (_w.Block("if (work->Dropout > 0f)"))
                {
                    _w.Line($"{Back}.Dropout.ApplyTo(probs, dropped, {(long)s * s}, work->Dropout, work->Seed, ((ulong)work->Site << 24) + (ulong)item);");
                    _w.Line("used = dropped;");
                }

                _w.Line($"{Gemm}.Multiply({s}, {dh}, {s}, used, {s}, v, {3 * h}, work->Context + (long)b * {s * h} + head * {dh}, {h}, pack, {Epilogue}.None);");
            }
        }

        _w.Line();
        _w.Line(ModelEmitter.OptimizeNow);
        using (_w.Block("private static void AttentionBackwardPart(void* context, int part, int parts)"))
        {
            AttentionPartStart(partPack, b * heads, $"float* dProbs = dropped + {square};");
            using (_w.Block("for (int item = begin; item < end; item++)"))
            {
                ItemPointers();
                _w.Line($"float* dContext = work->DContext + (long)b * {s * h} + head * {dh};");
                _w.Line($"float* dq = work->DQkv + (long)b * {s * 3 * h} + head * {dh};");
                _w.Line("float* used = probs;");
                using (_w.Block("if (work->Dropout > 0f)"))
                {
                    _w.Line($"{Back}.Dropout.ApplyTo(probs, dropped, {(long)s * s}, work->Dropout, work->Seed, ((ulong)work->Site << 24) + (ulong)item);");
                    _w.Line("used = dropped;");
                }

                _w.Comment($"backward of context = used·v:  dv [{s},{dh}] = usedᵀ·dContext;  d_used [{s},{s}] = dContext·vᵀ.");
                _w.Line($"{Gemm}.MultiplyTransposedA({s}, {dh}, {s}, used, {s}, dContext, {h}, dq + {2 * h}, {3 * h}, pack, {Epilogue}.None);");
                _w.Line($"{Gemm}.MultiplyTransposedB({s}, {s}, {dh}, dContext, {h}, v, {3 * h}, dProbs, {s}, pack, {Epilogue}.None);");
                _w.Comment("backward of used = dropout(probs), then of probs = softmax(scores) with scores = q·kᵀ/√d.");
                _w.Line($"{Back}.Dropout.Apply(dProbs, {(long)s * s}, work->Dropout, work->Seed, ((ulong)work->Site << 24) + (ulong)item);");
                _w.Line($"{Back}.SoftmaxBackward.Apply(probs, dProbs, {s}, {s}, {Literals.Float(1.0 / System.Math.Sqrt(dh))});");
                _w.Comment("backward of scores = q·kᵀ:  dq = dScores·k;  dk = dScoresᵀ·q.");
                _w.Line($"{Gemm}.Multiply({s}, {dh}, {s}, dProbs, {s}, k, {3 * h}, dq, {3 * h}, pack, {Epilogue}.None);");
                _w.Line($"{Gemm}.MultiplyTransposedA({s}, {dh}, {s}, dProbs, {s}, q, {3 * h}, dq + {h}, {3 * h}, pack, {Epilogue}.None);");
            }
        }
    }

    // The opening of an attention part: its work, its own pack and dropout scratch, and its share of the items.
    private void AttentionPartStart(long partPack, int items, string? extraPointer = null)
    {
        _w.Line("AttentionWork* work = (AttentionWork*)context;");
        _w.Line("float* pack = work->Arena + AttentionPartsOffset + (long)part * AttentionPartLength;");
        _w.Line($"float* dropped = pack + {partPack};");
        if (extraPointer is not null)
        {
            _w.Line(extraPointer);
        }

        _w.Line($"int begin = {items} * part / parts, end = {items} * (part + 1) / parts;");
    }

    private void ItemPointers()
    {
        _w.Line($"int b = item / {_heads}, head = item % {_heads};");
        _w.Line($"float* q = work->Qkv + (long)b * {_s * 3 * _h} + head * {_dh};");
        _w.Line($"float* k = q + {_h};");
        _w.Line($"float* v = q + {2 * _h};");
        _w.Line($"float* probs = work->Probs + (long)item * {_s * _s};");
    }

    private void LayerNormForward(string x, string y, string xhat, string rstd, int rows, string prefix) =>
        _w.Line($"{Back}.LayerNormKernels.Forward({x}, {y}, arena + {xhat}Offset, arena + {rstd}Offset, {rows}, {_h}, p + {P(prefix + ".weight")}, p + {P(prefix + ".bias")}, LayerNormEpsilon, pool);");

    private void LayerNormBackward(string dy, string xhat, string rstd, string dx, int rows, string prefix) =>
        _w.Line($"{Back}.LayerNormKernels.Backward({dy}, arena + {xhat}Offset, arena + {rstd}Offset, p + {P(prefix + ".weight")}, {dx}, g + {P(prefix + ".weight")}, g + {P(prefix + ".bias")}, {rows}, {_h}, accumulate: false);");

    private void Linear(string key, int m, string x, int k, string y, int n, string? activation) =>
        LinearStrided(key, m, x, k, k, y, n, activation);

    private void LinearStrided(string key, int m, string x, long ldx, int k, string y, int n, string? activation)
    {
        PackedLinear linear = _plan.Linear(key);
        string epilogue = $"{Epilogue}.None.WithBias(w + {Literals.Long(linear.BiasOffset)})";
        if (activation is not null)
        {
            epilogue += $".WithActivation({Runtime}.Kernels.Activation.{activation})";
        }

        _w.Line($"{Gemm}.Linear({m}, {n}, {k}, {x}, {ldx}, w + {Literals.Long(linear.PackedOffset)}, {y}, {n}, {epilogue}, {Pool(2L * m * n * k)});");
    }

    /// <summary>
    /// Backward of y[rows,out] = x[rows,in]·Wᵀ + b: db += Σ_rows dy; dW += dyᵀ·x; dx (=|+=) dy·W.
    /// </summary>
    private void LinearBackward(string prefix, int outFeatures, int inFeatures, int rows, string dy, long lddy, string x, long ldx, string dx, long lddx, bool accumulate) =>
        LinearBackwardStrided(prefix, outFeatures, inFeatures, rows, dy, lddy, x, ldx, dx, lddx, accumulate);

    private void LinearBackwardStrided(string prefix, int outFeatures, int inFeatures, int rows, string dy, long lddy, string x, long ldx, string dx, long lddx, bool accumulate)
    {
        _w.Line($"{Back}.RowReductions.AddColumnSums({dy}, {rows}, {outFeatures}, {lddy}, g + {P(prefix + ".bias")}, pool);");
        WeightGradient(outFeatures, inFeatures, rows, dy, lddy, x, ldx, P(prefix + ".weight"));
        InputGradient(rows, inFeatures, outFeatures, dy, lddy, P(prefix + ".weight"), dx, lddx, accumulate);
    }

    /// <summary>dW[out,in] += dy[rows,out]ᵀ · x[rows,in].</summary>
    private void WeightGradient(int outFeatures, int inFeatures, int rows, string dy, long lddy, string x, long ldx, string weightOffset) =>
        _w.Line($"{Gemm}.MultiplyTransposedA({outFeatures}, {inFeatures}, {rows}, {dy}, {lddy}, {x}, {ldx}, g + {weightOffset}, {inFeatures}, pack, {Epilogue}.AccumulateIntoC, {Pool(2L * outFeatures * inFeatures * rows)});");

    /// <summary>dx[rows,in] (=|+=) dy[rows,out] · W[out,in].</summary>
    private void InputGradient(int rows, int inFeatures, int outFeatures, string dy, long lddy, string weightOffset, string dx, long lddx, bool accumulate) =>
        _w.Line($"{Gemm}.Multiply({rows}, {inFeatures}, {outFeatures}, {dy}, {lddy}, p + {weightOffset}, {inFeatures}, {dx}, {lddx}, pack, {Epilogue}.{(accumulate ? "AccumulateIntoC" : "None")}, {Pool(2L * rows * inFeatures * outFeatures)});");

    private static string Pool(long flops) => flops >= ForwardEmitter.ParallelFlopThreshold ? "pool" : "null";

    /// <summary>Parameter (and gradient) offset of a tensor named without the <c>bert.</c> prefix.</summary>
    private string P(string name)
    {
        bool head = name.StartsWith("cls.", System.StringComparison.Ordinal) || name.StartsWith("classifier", System.StringComparison.Ordinal)
            || name.StartsWith("token_classifier", System.StringComparison.Ordinal) || name.StartsWith("qa_outputs", System.StringComparison.Ordinal);
        string prefix = _plan.Spec.Heads.Any && !head ? "bert." : string.Empty;
        return $"{Literals.Long(_plan.Parameter(prefix + name).Offset)} /* {prefix + name} */";
    }

    private static string Buf(string name, int layer) => $"arena + {Offset(name + "_" + layer.ToString(CultureInfo.InvariantCulture))}";

    private static string Offset(string buffer) => ModelEmitter.ArenaName(buffer);

    private void Const(string type, string name, string value) => _w.Line($"public const {type} {name} = {value};");
}
