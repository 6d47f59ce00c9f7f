using BertGen.Generator.Planning;

namespace BertGen.Generator.Emitting;

/// <summary>
/// Emits a shape's attention kernels — the dispatch of one layer's (batch, head) pairs over the pool, the forward
/// part, and for a training step the backward part — and the call an <see cref="AttentionOp"/> makes. The forward
/// pass and the training step share one forward part; training adds the attention dropout and keeps the
/// probabilities per layer for the backward.
/// </summary>
internal static class AttentionEmitter
{
    /// <summary>The call of one layer's attention (the signature is <see cref="Emit"/>'s).</summary>
    public static void WriteCall(SourceWriter w, AttentionOp op)
    {
        string qkv = OpWriter.Expression(op.Qkv);
        string mask = OpWriter.Expression(op.MaskBias), scratch = OpWriter.Expression(op.Scratch);
        if (op.Site is not { } site)
        {
            w.Line($"Attention({qkv}, {OpWriter.Expression(op.Context)}, {mask}, {scratch}, pool);");
            return;
        }

        string probabilities = OpWriter.Expression(op.Probabilities!);
        w.Line($"Attention({qkv}, {probabilities}, {OpWriter.Expression(op.Context)}, {OpWriter.Expression(op.DContext)}, {OpWriter.Expression(op.DQkv)}, {mask}, {scratch}, " +
            $"attentionDropout, dropoutSeed, {site}, backward: {(op.Backward ? "true" : "false")}, pool);");
    }

    public static void Emit(SourceWriter w, AttentionPlan plan)
    {
        if (!plan.Training)
        {
            EmitFusedForward(w, plan);
            return;
        }

        w.Comment("One layer's attention job, shared by its parts on the dispatching thread's stack.");
        using (w.Block("private struct AttentionWork"))
        {
            w.Line(plan.Training ? "public float* Qkv, Probabilities, Context, DContext, DQkv, MaskBias, Scratch;" : "public float* Qkv, Probabilities, Context, MaskBias, Scratch;");
            if (plan.Training)
            {
                w.Line("public float Dropout;");
                w.Line("public ulong Seed;");
                w.Line("public int Site;");
            }
        }

        w.Line();
        string pairs = $"{plan.Items} (batch, head) pairs split into up to {plan.Parts} parts over the pool";
        if (plan.Training)
        {
            w.Summary($"Attention of one layer, forward (saving the probabilities) or backward: {pairs}.");
            using (w.Block("private static void Attention(float* qkv, float* probabilities, float* context, float* dContext, float* dQkv, float* maskBias, float* scratch, " +
                "float dropout, ulong seed, int site, bool backward, ComputePool pool)"))
            {
                w.Line("var work = new AttentionWork");
                using (w.Block(close: "};"))
                {
                    w.Line("Qkv = qkv, Probabilities = probabilities, Context = context, DContext = dContext, DQkv = dQkv,");
                    w.Line("MaskBias = maskBias, Scratch = scratch, Dropout = dropout, Seed = seed, Site = site,");
                }

                w.Line("int parts = Math.Min(pool.ThreadCount, AttentionParts);");
                w.Line("pool.Run(backward ? &AttentionBackwardPart : &AttentionForwardPart, &work, parts);");
            }
        }
        else
        {
            w.Summary($"Self-attention of one layer: {pairs}.");
            using (w.Block("private static void Attention(float* qkv, float* probabilities, float* context, float* maskBias, float* scratch, ComputePool pool)"))
            {
                w.Line("var work = new AttentionWork { Qkv = qkv, Probabilities = probabilities, Context = context, MaskBias = maskBias, Scratch = scratch };");
                w.Line("int parts = Math.Min(pool.ThreadCount, AttentionParts);");
                w.Line("pool.Run(&AttentionForwardPart, &work, parts);");
            }
        }

        w.Line();
        EmitForwardPart(w, plan);
        if (plan.Training)
        {
            w.Line();
            EmitBackwardPart(w, plan);
        }
    }

    // Inference: the runtime's fused kernel; the scores of a block of 32 queries live in the part's scratch only.
    private static void EmitFusedForward(SourceWriter w, AttentionPlan plan)
    {
        w.Summary($"Self-attention of one layer, fused: {plan.Batch}×{plan.Heads} heads of softmax(q·kᵀ/√{plan.HeadSize} + mask)·v "
            + $"from qkv [{(long)plan.Batch * plan.Sequence},{3 * plan.Hidden}] into context [{(long)plan.Batch * plan.Sequence},{plan.Hidden}], "
            + $"blocks of 32 queries split into up to {plan.Parts} parts, each with {Literals.Grouped(plan.PartLength)} floats of scratch.");
        using (w.Block("private static void Attention(float* qkv, float* context, float* maskBias, float* scratch, ComputePool pool)"))
        {
            w.Line($"AttentionKernels.Forward({plan.Batch}, {plan.Sequence}, {plan.Heads}, {plan.HeadSize}, qkv, maskBias, context, scratch, pool, AttentionParts);");
        }
    }

    private static void EmitForwardPart(SourceWriter w, AttentionPlan plan)
    {
        int s = plan.Sequence, dh = plan.HeadSize, h = plan.Hidden;
        Part(w, plan, "AttentionForwardPart", backward: false, "One part's share of the (batch, head) pairs; the split depends only on the part count, so results do not depend on threading.", () =>
        {
            w.Comment($"probabilities [{s},{s}] = softmax(q·kᵀ/√{dh} + the mask bias of each key)" + (plan.Training ? ", saved for the backward." : "."));
            Gemm(w, GemmForm.MultiplyTransposedB, s, s, dh, "q", 3 * h, "k", 3 * h, "probabilities", s,
                GemmEpilogueSpec.None with { Alpha = plan.Scale, Bias = Operand.Local($"work->MaskBias + b * {s}") });
            w.Line($"{RowKernelEmitter.ClassName}.{RowKernelEmitter.SoftmaxName(s)}(probabilities, {s});");
            string used = "probabilities";
            if (plan.Training)
            {
                w.Comment("context = dropout(probabilities)·v into this head's columns.");
                DroppedProbabilities(w, plan);
                used = "used";
            }
            else
            {
                w.Comment($"context [{s},{dh}] = probabilities·v [{s},{dh}], into this head's columns of context [{(long)plan.Batch * s},{h}].");
            }

            Gemm(w, GemmForm.Multiply, s, dh, s, used, s, "v", 3 * h, $"work->Context + (long)b * {(long)s * h} + head * {dh}", h, GemmEpilogueSpec.None);
        });
    }

    private static void EmitBackwardPart(SourceWriter w, AttentionPlan plan)
    {
        int s = plan.Sequence, dh = plan.HeadSize, h = plan.Hidden;
        Part(w, plan, "AttentionBackwardPart", backward: true, "One part's share of the backward: from d_context through the saved probabilities to d_qkv.", () =>
        {
            w.Line($"float* dContext = work->DContext + (long)b * {(long)s * h} + head * {dh};");
            w.Line($"float* dq = work->DQkv + (long)b * {(long)s * 3 * h} + head * {dh};");
            DroppedProbabilities(w, plan);
            w.Comment($"backward of context = used·v:  dv [{s},{dh}] = usedᵀ·dContext;  d_used [{s},{s}] = dContext·vᵀ.");
            Gemm(w, GemmForm.MultiplyTransposedA, s, dh, s, "used", s, "dContext", h, $"dq + {2 * h}", 3 * h, GemmEpilogueSpec.None);
            Gemm(w, GemmForm.MultiplyTransposedB, s, s, dh, "dContext", h, "v", 3 * h, "dProbabilities", s, GemmEpilogueSpec.None);
            w.Comment("backward of used = dropout(probabilities), then of probabilities = softmax(scores) with scores = q·kᵀ/√d.");
            w.Line($"Dropout.Apply(dProbabilities, {(long)s * s}, work->Dropout, work->Seed, ((ulong)work->Site << 24) + (ulong)item);");
            w.Line($"SoftmaxBackward.Apply(probabilities, dProbabilities, {s}, {s}, {Literals.Float(plan.Scale)});");
            w.Comment("backward of scores = q·kᵀ:  dq = dScores·k;  dk = dScoresᵀ·q.");
            Gemm(w, GemmForm.Multiply, s, dh, s, "dProbabilities", s, "k", 3 * h, "dq", 3 * h, GemmEpilogueSpec.None);
            Gemm(w, GemmForm.MultiplyTransposedA, s, dh, s, "dProbabilities", s, "q", 3 * h, $"dq + {h}", 3 * h, GemmEpilogueSpec.None);
        });
    }

    // A part method: its work, its own pack (and dropout) scratch, its share of the items, and per item the
    // head's pointers before the body.
    private static void Part(SourceWriter w, AttentionPlan plan, string name, bool backward, string summary, System.Action body)
    {
        w.Summary(summary);
        w.Line(ModelEmitter.OptimizeNow);
        using (w.Block($"private static void {name}(void* context, int part, int parts)"))
        {
            w.Line("AttentionWork* work = (AttentionWork*)context;");
            w.Line($"float* pack = work->Scratch + (long)part * {plan.PartLength};");
            if (plan.Training)
            {
                w.Line($"float* dropped = pack + {plan.PackLength};");
            }

            if (backward)
            {
                w.Line($"float* dProbabilities = dropped + {plan.Square};");
            }

            w.Line($"int begin = (int)({plan.Items}L * part / parts), end = (int)({plan.Items}L * (part + 1) / parts);");
            using (w.Block("for (int item = begin; item < end; item++)"))
            {
                ItemPointers(w, plan);
                body();
            }
        }
    }

    private static void ItemPointers(SourceWriter w, AttentionPlan plan)
    {
        int s = plan.Sequence, h = plan.Hidden;
        w.Line($"int b = item / {plan.Heads}, head = item % {plan.Heads};");
        w.Comment($"q, k, v of this head: [{s},{plan.HeadSize}] each, rows strided by the fused width {3 * h}.");
        w.Line($"float* q = work->Qkv + (long)b * {(long)s * 3 * h} + head * {plan.HeadSize};");
        w.Line($"float* k = q + {h};");
        w.Line($"float* v = q + {2 * h};");
        w.Line($"float* probabilities = work->Probabilities + (long)item * {(long)s * s};");
    }

    // used = dropout(probabilities) in the part's scratch, regenerated from (seed, site, item) alike in both passes.
    private static void DroppedProbabilities(SourceWriter w, AttentionPlan plan)
    {
        w.Line("float* used = probabilities;");
        using (w.Block("if (work->Dropout > 0f)"))
        {
            w.Line($"Dropout.ApplyTo(probabilities, dropped, {(long)plan.Sequence * plan.Sequence}, work->Dropout, work->Seed, ((ulong)work->Site << 24) + (ulong)item);");
            w.Line("used = dropped;");
        }
    }

    private static void Gemm(SourceWriter w, GemmForm form, int m, int n, int k, string a, long lda, string b, long ldb, string c, long ldc, GemmEpilogueSpec epilogue) =>
        OpWriter.WriteGemm(w, new GemmOp(
            null, form, m, n, k, Operand.Local(a), lda, Operand.Local(b), ldb, Operand.Local(c), ldc, Operand.Local("pack"), epilogue, Parallel: false));
}
