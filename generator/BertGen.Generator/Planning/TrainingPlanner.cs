using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using BertGen.Generator.Model;

namespace BertGen.Generator.Planning;

/// <summary>
/// Plans one training step of one shape: the forward with dropout, keeping per layer what the backward reads (the
/// layer input, Q/K/V, the attention probabilities, the context, both LayerNorms' x̂ and 1/σ, the LayerNorm output
/// feeding the FFN and the FFN pre-activation), the objective's loss (its gradient written over the logits), and
/// the backward of every op in reverse, each described by the forward line it differentiates. Dropout masks are not
/// stored but regenerated from the step's seed (<see cref="DropoutSites"/>); backward temporaries are shared by all
/// layers; buffers are placed one after another, cache-line aligned.
/// </summary>
internal sealed class TrainingPlanner
{
    private readonly ModelSpec _spec;
    private readonly BertArchitecture _a;
    private readonly HuggingFaceNames _names;
    private readonly ImmutableEquatableArray<PackedLinear> _linears;
    private readonly ImmutableEquatableArray<long> _layerStarts;
    private readonly List<PlannedOp> _ops = new();
    private readonly List<ArenaSlot> _buffers = new();
    private readonly HashSet<string> _writtenGradients = new(StringComparer.Ordinal);
    private readonly int _t, _b, _s, _h, _i, _dh, _heads, _layers, _gathered;
    private readonly string _activation, _act;
    private long _offset;
    private long _pack;

    private TrainingPlanner(ModelSpec spec, ImmutableEquatableArray<PackedLinear> linears, ImmutableEquatableArray<long> layerStarts, ShapeVariant shape)
    {
        _spec = spec;
        _a = spec.Architecture;
        _names = new HuggingFaceNames(spec.Heads);
        _linears = linears;
        _layerStarts = layerStarts;
        _t = shape.Tokens;
        _b = shape.Batch;
        _s = shape.Sequence;
        _h = _a.HiddenSize;
        _i = _a.IntermediateSize;
        _dh = _a.HeadSize;
        _heads = _a.NumAttentionHeads;
        _layers = _a.NumHiddenLayers;
        _gathered = IsMaskedLm(spec.Heads.Objective) ? checked(shape.Batch * spec.MaxPredictionsPerSequence) : 0;
        _activation = Activations.Of(_a.HiddenAct).RuntimeName;
        _act = Activations.Of(_a.HiddenAct).Name;
    }

    public static TrainingPlan Plan(ModelSpec spec, ImmutableEquatableArray<PackedLinear> linears, ImmutableEquatableArray<long> layerStarts, ShapeVariant shape) =>
        new TrainingPlanner(spec, linears, layerStarts, shape).Run(shape);

    private static bool IsMaskedLm(TrainingObjective objective) => objective is TrainingObjective.Pretraining or TrainingObjective.MaskedLm;

    private string Last => Hidden(_layers);

    private long Th => (long)_t * _h;

    private TrainingPlan Run(ShapeVariant shape)
    {
        TrainingObjective objective = _spec.Heads.Objective;
        AttentionPlan attention = AttentionPlans.Training(_a, shape);
        PlanBuffers(objective, attention);
        var pinned = new List<PinnedArray>
        {
            new("int", "ids", "InputIds"),
            new("int", "mask", "AttentionMask"),
            new("int", "types", "TokenTypeIds"),
        };

        PlanForwardEncoder();
        switch (objective)
        {
            case TrainingObjective.Pretraining:
            case TrainingObjective.MaskedLm:
                pinned.Add(new("int", "positions", "MaskedLmPositions"));
                pinned.Add(new("int", "maskedLmIds", "MaskedLmIds"));
                if (objective == TrainingObjective.Pretraining)
                {
                    pinned.Add(new("int", "nspLabels", "NextSentenceLabels"));
                }

                pinned.Add(new("float", "weights", "MaskedLmWeights"));
                PlanMaskedLm(objective == TrainingObjective.Pretraining);
                break;
            case TrainingObjective.SequenceClassification:
                pinned.Add(ProblemTypes.Of(_a.ProblemType).ClassLabels ? new("int", "classLabels", "ClassLabels") : new("float", "targets", "Targets"));
                PlanSequenceClassification();
                break;
            case TrainingObjective.TokenClassification:
                pinned.Add(new("int", "tokenLabels", "TokenLabels"));
                PlanTokenClassification();
                break;
            case TrainingObjective.QuestionAnswering:
                pinned.Add(new("int", "starts", "StartPositions"));
                pinned.Add(new("int", "ends", "EndPositions"));
                PlanQuestionAnswering();
                break;
            default:
                throw new InvalidOperationException($"No training step for objective {objective}.");
        }

        return new TrainingPlan(
            shape, objective, ProblemTypes.Of(_a.ProblemType).ClassLabels, _spec.MaxPredictionsPerSequence, _ops.ToEquatableArray(),
            pinned.ToEquatableArray(), _buffers.ToEquatableArray(), _offset, attention, StepFlops(objective));
    }

    private void PlanBuffers(TrainingObjective objective, AttentionPlan attention)
    {
        int t = _t, b = _b, s = _s, h = _h, i = _i, heads = _heads, labels = _a.NumLabels, v = _a.VocabSize, g = _gathered;
        Add("mask_bias", t, $"[{b},{s}]");
        Add("emb_xhat", Th, $"[{t},{h}]");
        Add("emb_rstd", t, $"[{t}]");
        for (int l = 0; l <= _layers; l++)
        {
            Add(Hidden(l), Th, $"[{t},{h}]");
        }

        for (int l = 0; l < _layers; l++)
        {
            Add(L("qkv", l), checked(3 * Th), $"[{t},{3 * h}]");
            Add(L("attention_saved", l), attention.SavedLength, $"[{attention.StatisticsLength} statistics + {attention.SavedLength - attention.ExponentialsOffset} exponentials]");
            Add(L("context", l), Th, $"[{t},{h}]");
            Add(L("ln1_xhat", l), Th, $"[{t},{h}]");
            Add(L("ln1_rstd", l), t, $"[{t}]");
            Add(L("attention_out", l), Th, $"[{t},{h}]");
            Add(L("ffn_pre", l), (long)t * i, $"[{t},{i}]");
            Add(L("ln2_xhat", l), Th, $"[{t},{h}]");
            Add(L("ln2_rstd", l), t, $"[{t}]");
        }

        Add("dense_out", Th, $"[{t},{h}]");
        Add("ffn_act", (long)t * i, $"[{t},{i}]");
        Add("d_hidden", Th, $"[{t},{h}]");
        Add("d_branch", Th, $"[{t},{h}]");
        Add("d_attention_out", Th, $"[{t},{h}]");
        Add("d_ffn", (long)t * i, $"[{t},{i}]");
        Add("d_context", Th, $"[{t},{h}]");
        Add("d_qkv", checked(3 * Th), $"[{t},{3 * h}]");

        // Backward GEMMs pack their B operand on the fly: dX = dY·W packs W [out,in] as [K=out, N=in];
        // dW += dYᵀ·X packs X [rows, in]. The scratch fits the largest of them.
        Linear(3 * h, h, t);
        Linear(h, h, t);
        Linear(i, h, t);
        Linear(h, i, t);

        if (IsMaskedLm(objective))
        {
            Add("mlm_rows", g, $"[{g}]");
            Add("mlm_gathered", (long)g * h, $"[{g},{h}]");
            Add("mlm_pre", (long)g * h, $"[{g},{h}]");
            Add("mlm_act", (long)g * h, $"[{g},{h}]");
            Add("mlm_xhat", (long)g * h, $"[{g},{h}]");
            Add("mlm_rstd", g, $"[{g}]");
            Add("mlm_transform", (long)g * h, $"[{g},{h}]");
            Add("mlm_logits", checked((long)g * v), $"[{g},{v}]");
            Add("d_mlm", (long)g * h, $"[{g},{h}]");
            Add("d_mlm_gathered", (long)g * h, $"[{g},{h}]");
            Linear(h, h, g);
            Linear(v, h, g);
        }

        if (_spec.Heads.HasPooler && objective is TrainingObjective.Pretraining or TrainingObjective.SequenceClassification)
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
                Add("hidden_dropped", Th, $"[{t},{h}]");
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

        Add("attention_parts", checked(attention.Parts * attention.PartLength), $"[{attention.Parts},{attention.PartLength}]");
        Add("pack", _pack, $"[{_pack}]");
    }

    private void Add(string name, long length, string shapeText)
    {
        _buffers.Add(new ArenaSlot(name, _offset, length, shapeText));
        _offset = checked(_offset + Alignment.Align(length));
    }

    private void Linear(int outFeatures, int inFeatures, int rows)
    {
        _pack = Math.Max(_pack, RuntimeContract.PackedLength(inFeatures, outFeatures));
        _pack = Math.Max(_pack, RuntimeContract.PackedLength(inFeatures, rows));
    }

    // Matrix FLOPs of the training forward (MLM only at the gathered rows); every GEMM of it has two
    // backward GEMMs of the same size (dX and dW), so a step is 3× that. Elementwise work is not counted.
    private long StepFlops(TrainingObjective objective)
    {
        long t = _t, b = _b, s = _s, h = _h, i = _i, g = _gathered, v = _a.VocabSize, labels = _a.NumLabels;
        long forward = checked(_layers * ((2L * t * h * ((4L * h) + (2L * i))) + (4L * b * _heads * s * s * _dh)));
        forward = checked(forward + objective switch
        {
            TrainingObjective.Pretraining => (2L * g * h * (h + v)) + (2L * b * h * (h + 2)),
            TrainingObjective.MaskedLm => 2L * g * h * (h + v),
            TrainingObjective.SequenceClassification => 2L * b * h * (h + labels),
            TrainingObjective.TokenClassification => 2L * t * h * labels,
            TrainingObjective.QuestionAnswering => 2L * t * h * 2,
            _ => throw new InvalidOperationException($"No training FLOP count for objective {objective}."),
        });
        return checked(3 * forward);
    }

    private void PlanForwardEncoder()
    {
        int t = _t, h = _h, i = _i, s = _s;
        Op(new MaskBiasOp($"Attention mask [{_b},{s}] → mask_bias: 0 where attended, float.MinValue where padded", Buf("mask_bias"), t));
        Op(new EmbeddingSumOp(
            $"Embeddings: word + position + token type → dense_out [{t},{h}]",
            Buf("dense_out"), t, s, h, _names.WordEmbeddings, _names.PositionEmbeddings, _names.TokenTypeEmbeddings));
        Op(new LayerNormOp("LayerNorm → hidden_0, x̂ and 1/σ saved", Buf("dense_out"), Buf(Hidden(0)), Buf("emb_xhat"), Buf("emb_rstd"), t, h, _names.EmbeddingsLayerNorm));
        Op(new DropoutOp("dropout of hidden_0", DropoutForm.Apply, Buf(Hidden(0)), null, Th, DropoutRate.Hidden, DropoutSites.Embeddings, Parallel: true));

        for (int l = 0; l < _layers; l++)
        {
            Op(new SectionOp($"Layer {l} forward"));
            Op(Gemm($"QKV: hidden_{l} [{t},{h}]·[{h},{3 * h}] + bias → qkv_{l}", LinearKeys.Qkv(l), t, Buf(Hidden(l)), h, Buf(L("qkv", l)), null));
            Op(new AttentionOp(
                $"attention: context_{l} = dropout(softmax(q·kᵀ/√{_dh} + mask))·v; row max, 1/Σ and exponentials saved",
                false, Buf(L("qkv", l)), Buf(L("attention_saved", l)), Buf(L("context", l)), null, null, Buf("mask_bias"), Buf("attention_parts"), DropoutSites.Attention(l)));
            Op(Gemm($"attention output: context_{l}·[{h},{h}] + bias → dense_out", LinearKeys.AttentionOutput(l), t, Buf(L("context", l)), h, Buf("dense_out"), null));
            Op(new DropoutOp($"dropout, + hidden_{l}", DropoutForm.ApplyAndAdd, Buf("dense_out"), Buf(Hidden(l)), Th, DropoutRate.Hidden, DropoutSites.AttentionOutput(l), Parallel: true));
            Op(new LayerNormOp(
                $"LayerNorm → attention_out_{l}, x̂ and 1/σ saved", Buf("dense_out"), Buf(L("attention_out", l)), Buf(L("ln1_xhat", l)), Buf(L("ln1_rstd", l)), t, h, _names.AttentionLayerNorm(l)));
            Op(Gemm($"FFN up: attention_out_{l}·[{h},{i}] + bias → ffn_pre_{l} (saved)", LinearKeys.FeedForwardUp(l), t, Buf(L("attention_out", l)), h, Buf(L("ffn_pre", l)), null));
            Op(new ActivationOp($"{_act} → ffn_act", false, _activation, Buf(L("ffn_pre", l)), Buf("ffn_act"), (long)t * i));
            Op(Gemm($"FFN down: ffn_act·[{i},{h}] + bias → dense_out", LinearKeys.FeedForwardDown(l), t, Buf("ffn_act"), i, Buf("dense_out"), null));
            Op(new DropoutOp($"dropout, + attention_out_{l}", DropoutForm.ApplyAndAdd, Buf("dense_out"), Buf(L("attention_out", l)), Th, DropoutRate.Hidden, DropoutSites.FeedForward(l), Parallel: true));
            Op(new LayerNormOp(
                $"LayerNorm → hidden_{l + 1}, x̂ and 1/σ saved", Buf("dense_out"), Buf(Hidden(l + 1)), Buf(L("ln2_xhat", l)), Buf(L("ln2_rstd", l)), t, h, _names.OutputLayerNorm(l)));
        }
    }

    /// <summary>The encoder's backward, from d_hidden (the gradient of the last layer's output) down to the embeddings.</summary>
    private void PlanBackwardEncoder()
    {
        int t = _t, h = _h, i = _i;
        long ti = (long)t * i;
        Op(Progress("The heads' and pooler's gradients (every offset from the end of the last layer on) are final", _layers));
        for (int l = _layers - 1; l >= 0; l--)
        {
            Op(new SectionOp($"Layer {l} backward"));
            LayerNormBackward(new LayerNormBackwardOp(
                $"backward of hidden_{l + 1} = LayerNorm(attention_out_{l} + dropout(ffn_act·W_down + b_down))",
                Buf("d_hidden"), Buf(L("ln2_xhat", l)), Buf(L("ln2_rstd", l)), _names.OutputLayerNorm(l), Buf("d_branch"), t, h));
            Op(new CopyOp("the residual path's share: d_attention_out = d_branch", Buf("d_branch"), Buf("d_attention_out"), Th));
            Op(new DropoutOp("the dropout's mask, regenerated", DropoutForm.Apply, Buf("d_branch"), null, Th, DropoutRate.Hidden, DropoutSites.FeedForward(l), Parallel: true));
            Op(new ActivationOp("recompute ffn_act for dW_down", false, _activation, Buf(L("ffn_pre", l)), Buf("ffn_act"), ti));
            LinearBackward("backward of the FFN down projection", _names.FeedForwardDown(l), h, i, t, Buf("d_branch"), h, Buf("ffn_act"), i, Buf("d_ffn"), i, accumulate: false);
            Op(new ActivationOp($"backward of ffn_act = {_act}(ffn_pre_{l})", true, _activation, Buf(L("ffn_pre", l)), Buf("d_ffn"), ti));
            LinearBackward(
                $"backward of ffn_pre_{l} = attention_out_{l}·W_up + b_up (adds into d_attention_out)",
                _names.FeedForwardUp(l), i, h, t, Buf("d_ffn"), i, Buf(L("attention_out", l)), h, Buf("d_attention_out"), h, accumulate: true);
            LayerNormBackward(new LayerNormBackwardOp(
                $"backward of attention_out_{l} = LayerNorm(hidden_{l} + dropout(context_{l}·W_o + b_o))",
                Buf("d_attention_out"), Buf(L("ln1_xhat", l)), Buf(L("ln1_rstd", l)), _names.AttentionLayerNorm(l), Buf("d_branch"), t, h));
            Op(new CopyOp("the residual path's share: d_hidden = d_branch", Buf("d_branch"), Buf("d_hidden"), Th));
            Op(new DropoutOp("the dropout's mask, regenerated", DropoutForm.Apply, Buf("d_branch"), null, Th, DropoutRate.Hidden, DropoutSites.AttentionOutput(l), Parallel: true));
            LinearBackward("backward of the attention output projection", _names.AttentionOutput(l), h, h, t, Buf("d_branch"), h, Buf(L("context", l)), h, Buf("d_context"), h, accumulate: false);
            Op(new AttentionOp(
                $"backward of context = dropout(softmax(q·kᵀ/√{_dh} + mask))·v, per (batch, head) → d_qkv",
                true, Buf(L("qkv", l)), Buf(L("attention_saved", l)), null, Buf("d_context"), Buf("d_qkv"), Buf("mask_bias"), Buf("attention_parts"), DropoutSites.Attention(l)));
            string qkvBackward = $"backward of qkv_{l} = hidden_{l}·[W_q; W_k; W_v]ᵀ + [b_q; b_k; b_v]";
            const string addsIntoHidden = " (adds into d_hidden, which holds the residual path)";
            if (ParameterLayout.StacksQkv(h))
            {
                // [W_q; W_k; W_v] and [b_q; b_k; b_v] are contiguous in the buffer: one linear layer of 3H outputs.
                LinearBackward(
                    qkvBackward + $", as one [{3 * h},{h}] linear layer: the three stacked in the buffer from the query's offset" + addsIntoHidden, HuggingFaceNames.Weight(_names.Query(l)), HuggingFaceNames.Bias(_names.Query(l)), 3 * h, h, t,
                    Buf("d_qkv"), 3 * h, Buf(Hidden(l)), h, Buf("d_hidden"), h, accumulate: true);
            }
            else
            {
                string[] parts = { _names.Query(l), _names.Key(l), _names.Value(l) };
                for (int k = 0; k < 3; k++)
                {
                    LinearBackward(k == 0 ? qkvBackward + addsIntoHidden : null, parts[k], h, h, t, Buf("d_qkv", (long)k * h), 3 * h, Buf(Hidden(l)), h, Buf("d_hidden"), h, accumulate: true);
                }
            }

            Op(Progress($"Layer {l}'s gradients are final", l));
        }

        Op(new SectionOp("Embeddings backward"));
        Op(new DropoutOp(
            "backward of hidden_0 = dropout(LayerNorm(word[ids] + position[s] + token_type[types]))",
            DropoutForm.Apply, Buf("d_hidden"), null, Th, DropoutRate.Hidden, DropoutSites.Embeddings, Parallel: true));
        LayerNormBackward(new LayerNormBackwardOp(null, Buf("d_hidden"), Buf("emb_xhat"), Buf("emb_rstd"), _names.EmbeddingsLayerNorm, Buf("d_branch"), t, h));
        string? scatter = ZeroBeforeFirstAdd(
            "Scatter-add each token's gradient into its word, position and type rows, in token order (deterministic)",
            (_names.WordEmbeddings, (long)_a.VocabSize * h), (_names.PositionEmbeddings, (long)_a.MaxPositionEmbeddings * h),
            (_names.TokenTypeEmbeddings, (long)_a.TypeVocabSize * h));
        Op(new EmbeddingBackwardOp(scatter, Buf("d_branch"), t, _s, h, _names.WordEmbeddings, _names.PositionEmbeddings, _names.TokenTypeEmbeddings));
        Op(new ProgressOp("Every gradient, the word embeddings' (tied to the MLM decoder) included, is final", 0, "0L"));
    }

    private void PlanMaskedLm(bool nextSentence)
    {
        int h = _h, v = _a.VocabSize, g = _gathered, b = _b, s = _s, p = _spec.MaxPredictionsPerSequence;
        Op(new SectionOp("Masked LM head"));
        Op(new MaskedRowsOp($"the gathered positions' rows of hidden_{_layers}: b·{s} + position", Buf("mlm_rows"), g, p, s));
        Op(new RowsOp($"gather them → mlm_gathered [{g},{h}]", false, Buf(Last), Buf("mlm_rows"), g, h, Buf("mlm_gathered")));
        Op(Gemm($"transform: mlm_gathered·[{h},{h}] + bias → mlm_pre", LinearKeys.MaskedLmTransform, g, Buf("mlm_gathered"), h, Buf("mlm_pre"), null));
        Op(new ActivationOp($"{_act} → mlm_act", false, _activation, Buf("mlm_pre"), Buf("mlm_act"), (long)g * h));
        Op(new LayerNormOp("LayerNorm → mlm_transform, x̂ and 1/σ saved", Buf("mlm_act"), Buf("mlm_transform"), Buf("mlm_xhat"), Buf("mlm_rstd"), g, h, _names.MaskedLmLayerNorm));
        Op(Gemm($"decoder tied to the word embeddings: mlm_transform·[{h},{v}] + cls.predictions.bias → mlm_logits", LinearKeys.MaskedLmDecoder, g, Buf("mlm_transform"), h, Buf("mlm_logits"), null));
        Op(new CrossEntropyOp(
            "loss Σw·CE / (Σw + 1e-5), original BERT's normalisation; the gradient replaces the logits",
            "mlm", Buf("mlm_logits"), g, v, "maskedLmIds", "weights", LossNormalizer.WeightSum, 1));
        if (nextSentence)
        {
            Op(new SectionOp("Next sentence head"));
            Op(Gemm(
                $"pooler: [CLS] rows of hidden_{_layers} (stride {(long)s * h})·[{h},{h}] + bias, tanh → pooled",
                LinearKeys.Pooler, b, Buf(Last), (long)s * h, Buf("pooled"), Activations.PoolerRuntimeName));
            Op(Gemm($"next sentence: pooled·[{h},2] + bias → nsp_logits", LinearKeys.NextSentence, b, Buf("pooled"), h, Buf("nsp_logits"), null));
            Op(new CrossEntropyOp("loss: cross-entropy, mean over the batch", "next", Buf("nsp_logits"), b, 2, "nspLabels", null, LossNormalizer.Rows, 1));
        }

        Op(new RecordLossesOp(null, "mlm", nextSentence ? "next" : null, ImmutableEquatableArray<string>.Empty));
        Op(new EndOfForwardOp());
        Op(new ClearOp("The heads' backward adds into d_hidden", Buf("d_hidden"), Th));
        LinearBackward(
            "Masked LM backward of mlm_logits = mlm_transform·word_embeddingsᵀ + bias (the tied gradient lands in the word embeddings)",
            _names.WordEmbeddings, _names.MaskedLmBias, v, h, g, Buf("mlm_logits"), v, Buf("mlm_transform"), h, Buf("d_mlm"), h, accumulate: false);
        LayerNormBackward(new LayerNormBackwardOp("backward of the transform's LayerNorm", Buf("d_mlm"), Buf("mlm_xhat"), Buf("mlm_rstd"), _names.MaskedLmLayerNorm, Buf("d_mlm"), g, h));
        Op(new ActivationOp($"backward of mlm_act = {_act}(mlm_pre)", true, _activation, Buf("mlm_pre"), Buf("d_mlm"), (long)g * h));
        LinearBackward(
            "backward of the transform's dense", _names.MaskedLmTransform, h, h, g, Buf("d_mlm"), h, Buf("mlm_gathered"), h, Buf("d_mlm_gathered"), h, accumulate: false);
        Op(new RowsOp("scatter into d_hidden at the gathered rows", true, Buf("d_mlm_gathered"), Buf("mlm_rows"), g, h, Buf("d_hidden")));
        if (nextSentence)
        {
            PoolerHeadBackward(
                "Next sentence backward of nsp_logits = pooled·W_nspᵀ + b; pooled = tanh([CLS]·W_poolᵀ + b)",
                _names.NextSentence, 2, Buf("nsp_logits"), Buf("pooled"), null);
        }

        PlanBackwardEncoder();
    }

    private void PlanSequenceClassification()
    {
        int h = _h, b = _b, s = _s, labels = _a.NumLabels;
        Op(new SectionOp("Sequence classification head"));
        Op(Gemm($"pooler: [CLS] rows (stride {(long)s * h})·[{h},{h}] + bias, tanh → pooled", LinearKeys.Pooler, b, Buf(Last), (long)s * h, Buf("pooled"), Activations.PoolerRuntimeName));
        Op(new DropoutOp("dropout → pooled_dropped", DropoutForm.ApplyTo, Buf("pooled"), Buf("pooled_dropped"), (long)b * h, DropoutRate.Hidden, DropoutSites.SequenceClassifier, Parallel: false));
        Op(Gemm($"classifier: pooled_dropped·[{h},{labels}] + bias → sequence_logits", LinearKeys.SequenceClassifier, b, Buf("pooled_dropped"), h, Buf("sequence_logits"), null));
        switch (_a.ProblemType)
        {
            case ProblemType.SingleLabelClassification:
                Op(new CrossEntropyOp(
                    "loss: cross-entropy, mean over the rows whose label is not -100 (padding rows of an evaluation batch)",
                    "task", Buf("sequence_logits"), b, labels, "classLabels", null, LossNormalizer.LabelledRows, 1));
                break;
            case ProblemType.MultiLabelClassification:
                Op(new BinaryCrossEntropyOp("loss: binary cross-entropy with logits, mean over every label", "task", Buf("sequence_logits"), "targets", b, labels));
                break;
            case ProblemType.Regression:
                Op(new MeanSquaredErrorOp("loss: mean squared error", "task", Buf("sequence_logits"), "targets", b * labels));
                break;
            default:
                throw new InvalidOperationException($"No loss for problem type {_a.ProblemType}.");
        }

        Op(new RecordLossesOp(null, null, null, new[] { "task" }.ToEquatableArray()));
        Op(new EndOfForwardOp());
        Op(new ClearOp("The head's backward adds into d_hidden", Buf("d_hidden"), Th));
        PoolerHeadBackward(
            "Classifier backward of logits = dropout(pooled)·W_cᵀ + b; pooled = tanh([CLS]·W_poolᵀ + b)",
            _names.SequenceClassifier, labels, Buf("sequence_logits"), Buf("pooled_dropped"), DropoutSites.SequenceClassifier);
        PlanBackwardEncoder();
    }

    private void PlanTokenClassification()
    {
        int h = _h, t = _t, labels = _a.NumLabels;
        Op(new SectionOp("Token classification head"));
        Op(new DropoutOp("dropout → hidden_dropped", DropoutForm.ApplyTo, Buf(Last), Buf("hidden_dropped"), Th, DropoutRate.Hidden, DropoutSites.TokenClassifier, Parallel: false));
        Op(Gemm($"classifier: hidden_dropped·[{h},{labels}] + bias → token_logits [{t},{labels}]", LinearKeys.TokenClassifier, t, Buf("hidden_dropped"), h, Buf("token_logits"), null));
        Op(new CrossEntropyOp(
            "loss: cross-entropy, mean over the tokens whose label is not -100", "task", Buf("token_logits"), t, labels, "tokenLabels", null, LossNormalizer.LabelledRows, 1));
        Op(new RecordLossesOp(null, null, null, new[] { "task" }.ToEquatableArray()));
        Op(new EndOfForwardOp());
        LinearBackward(
            "Backward of token_logits = dropout(hidden)·Wᵀ + b", _names.TokenClassifier, labels, h, t,
            Buf("token_logits"), labels, Buf("hidden_dropped"), h, Buf("d_hidden"), h, accumulate: false);
        Op(new DropoutOp(null, DropoutForm.Apply, Buf("d_hidden"), null, Th, DropoutRate.Hidden, DropoutSites.TokenClassifier, Parallel: true));
        PlanBackwardEncoder();
    }

    private void PlanQuestionAnswering()
    {
        int h = _h, t = _t, b = _b, s = _s;
        Op(new SectionOp("Question answering head"));
        Op(Gemm($"span logits: hidden_{_layers}·[{h},2] + bias → qa_logits [{t},2]", LinearKeys.QuestionAnswering, t, Buf(Last), h, Buf("qa_logits"), null));
        Op(new QaLogitsOp($"split into start and end logits [{b},{s}]", false, Buf("qa_logits"), Buf("qa_start"), Buf("qa_end"), t));
        Op(new CrossEntropyOp("loss (CE(start) + CE(end)) / 2, each a mean over the batch", "start", Buf("qa_start"), b, s, "starts", null, LossNormalizer.Rows, 0.5));
        Op(new CrossEntropyOp(null, "end", Buf("qa_end"), b, s, "ends", null, LossNormalizer.Rows, 0.5));
        Op(new RecordLossesOp(null, null, null, new[] { "start", "end" }.ToEquatableArray()));
        Op(new EndOfForwardOp());
        Op(new QaLogitsOp("the start and end gradients back into qa_logits", true, Buf("qa_logits"), Buf("qa_start"), Buf("qa_end"), t));
        LinearBackward(
            "Backward of qa_logits = hidden·Wᵀ + b", _names.QuestionAnswering, 2, h, t,
            Buf("qa_logits"), 2, Buf(Last), h, Buf("d_hidden"), h, accumulate: false);
        PlanBackwardEncoder();
    }

    /// <summary>
    /// Backward of a head on the pooled [CLS] vector: logits = x·Wᵀ + b with x = pooled (optionally dropped),
    /// pooled = tanh([CLS]·W_poolᵀ + b_pool); adds the [CLS] rows' gradient into d_hidden.
    /// </summary>
    private void PoolerHeadBackward(string description, string head, int outputs, Operand logits, Operand input, int? dropoutSite)
    {
        int h = _h, b = _b, s = _s;
        LinearBackward(description, head, outputs, h, b, logits, outputs, input, h, Buf("d_pooled"), h, accumulate: false);
        if (dropoutSite is { } site)
        {
            Op(new DropoutOp(null, DropoutForm.Apply, Buf("d_pooled"), null, (long)b * h, DropoutRate.Hidden, site, Parallel: true));
        }

        Op(new TanhBackwardOp(null, Buf("pooled"), Buf("d_pooled"), (long)b * h));
        LinearBackward(null, _names.Pooler, h, h, b, Buf("d_pooled"), h, Buf(Last), (long)s * h, Buf("d_hidden"), (long)s * h, accumulate: true);
    }

    private void LinearBackward(string? description, string module, int outFeatures, int inFeatures, int rows, Operand dy, long lddy, Operand x, long ldx, Operand dx, long lddx, bool accumulate) =>
        LinearBackward(description, HuggingFaceNames.Weight(module), HuggingFaceNames.Bias(module), outFeatures, inFeatures, rows, dy, lddy, x, ldx, dx, lddx, accumulate);

    /// <summary>
    /// Backward of y[rows,out] = x[rows,in]·Wᵀ + b: db += Σ_rows dy; dW += dyᵀ·x; dx (=|+=) dy·W. (With the query's
    /// names and out = 3H, the stacked Q/K/V: their weights and biases are contiguous, so the writes cover all three.)
    /// </summary>
    private void LinearBackward(string? description, string weight, string bias, int outFeatures, int inFeatures, int rows, Operand dy, long lddy, Operand x, long ldx, Operand dx, long lddx, bool accumulate)
    {
        Operand pack = Operand.Local("pack"); // the step's GEMM scratch, the arena's pack buffer
        Op(new ColumnSumsOp(ZeroBeforeFirstAdd(description, (bias, outFeatures)), dy, rows, outFeatures, lddy, Operand.Gradient(bias)));
        Op(new GemmOp(
            null, GemmForm.MultiplyTransposedA, outFeatures, inFeatures, rows, dy, lddy, x, ldx, Operand.Gradient(weight), inFeatures, pack,
            _writtenGradients.Add(weight) ? GemmEpilogueSpec.FirstGradientWrite : GemmEpilogueSpec.AccumulateIntoC, SplitRule.Gemm(outFeatures, inFeatures, rows)));
        Op(new GemmOp(
            null, GemmForm.Multiply, rows, inFeatures, outFeatures, dy, lddy, Operand.Parameter(weight), inFeatures, dx, lddx, pack,
            accumulate ? GemmEpilogueSpec.AccumulateIntoC : GemmEpilogueSpec.None, SplitRule.Gemm(rows, inFeatures, outFeatures)));
    }

    /// <summary>LayerNorm's backward, which adds into dγ and dβ: zeroed first when replacing, if it is their first write.</summary>
    private void LayerNormBackward(LayerNormBackwardOp op)
    {
        Op(op with { Description = ZeroBeforeFirstAdd(op.Description, (HuggingFaceNames.Weight(op.Module), op.Width), (HuggingFaceNames.Bias(op.Module), op.Width)) });
    }

    /// <summary>
    /// Of the gradient tensors the next op adds into, those it is the first in the backward to write are zeroed when the
    /// step replaces the gradients (the GEMMs that write a weight's gradient first store instead: <see cref="GemmEpilogueSpec.FirstGradientWrite"/>).
    /// The clear, when there is one, takes the next op's <paramref name="description"/>; returns the description left for
    /// that op (null when the clear took it).
    /// </summary>
    private string? ZeroBeforeFirstAdd(string? description, params (string Tensor, long Count)[] tensors)
    {
        ClearedGradient[] first = tensors.Where(t => _writtenGradients.Add(t.Tensor)).Select(t => new ClearedGradient(Operand.Gradient(t.Tensor), t.Count)).ToArray();
        if (first.Length == 0)
        {
            return description;
        }

        Op(new GradientClearOp(description, first.ToEquatableArray()));
        return null;
    }

    private GemmOp Gemm(string description, string key, int rows, Operand input, long inputStride, Operand output, string? activation)
    {
        PackedLinear linear = _linears.Find(l => l.Key == key, "No packed linear layer " + key);
        int n = linear.OutFeatures, k = linear.InFeatures;
        return new GemmOp(
            description, GemmForm.Linear, rows, n, k, input, inputStride, Operand.PackedWeight(linear), k, output, n, null,
            GemmEpilogueSpec.WithBias(Operand.PackedBias(linear), activation), SplitRule.Gemm(rows, n, k));
    }

    // Layer `layer`'s first parameter offset; for layer L, where the last layer ends (aligned).
    private ProgressOp Progress(string description, int layer) =>
        new(description, _layerStarts[layer], layer < _layers ? "Layer" + layer.ToString(CultureInfo.InvariantCulture) : "LayersEnd");

    private void Op(PlannedOp op) => _ops.Add(op);

    private Operand Buf(string name, long offset = 0)
    {
        if (!_buffers.Any(b => b.Name == name))
        {
            throw new InvalidOperationException("The training arena has no buffer " + name);
        }

        return Operand.Arena(name, offset);
    }

    private static string Hidden(int layer) => L("hidden", layer);

    private static string L(string name, int layer) => name + "_" + layer.ToString(CultureInfo.InvariantCulture);
}
