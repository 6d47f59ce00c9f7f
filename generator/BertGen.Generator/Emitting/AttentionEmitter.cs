using BertGen.Generator.Planning;

namespace BertGen.Generator.Emitting;

/// <summary>
/// Emits a shape's attention: one small method per pass that hands a layer's attention to the runtime's fused
/// kernels (<c>AttentionKernels</c>: the scores of a block of 32 queries live in per-thread scratch only), and the
/// call an <see cref="AttentionOp"/> makes. A forward pass runs the inference kernel; a training step runs the training
/// forward, which saves each query row's max and 1/Σ and the exponentials, and the backward, which reads them.
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

        string saved = OpWriter.Expression(op.Saved!);
        w.Line($"Attention({qkv}, {saved}, {OpWriter.Expression(op.Context)}, {OpWriter.Expression(op.DContext)}, {OpWriter.Expression(op.DQkv)}, {mask}, {scratch}, " +
            $"attentionDropout, dropoutSeed, {site}, backward: {(op.Backward ? "true" : "false")}, pool);");
    }

    public static void Emit(SourceWriter w, AttentionPlan plan)
    {
        string shape = $"{plan.Batch}, {plan.Sequence}, {plan.Heads}, {plan.HeadSize}";
        string heads = $"{plan.Batch}×{plan.Heads} heads of softmax(q·kᵀ/√{plan.HeadSize} + mask)·v from qkv [{(long)plan.Batch * plan.Sequence},{3 * plan.Hidden}]";
        string parts = plan.Parts == 1
            ? $"blocks of 32 queries one after another, in {Literals.Grouped(plan.PartLength)} floats of scratch"
            : $"blocks of 32 queries split into up to {plan.Parts} parts, each with {Literals.Grouped(plan.PartLength)} floats of scratch";
        if (!plan.Training)
        {
            w.Summary($"Self-attention of one layer, fused: {heads} into context [{(long)plan.Batch * plan.Sequence},{plan.Hidden}], {parts}.");
            using (w.Block("private static void Attention(float* qkv, float* context, float* maskBias, float* scratch, ComputePool? pool)"))
            {
                w.Line($"AttentionKernels.Forward({shape}, qkv, maskBias, context, scratch, pool, AttentionParts);");
            }

            return;
        }

        w.Summary($"Attention of one layer, fused, forward or backward: {heads}, dropout on the probabilities; {parts}. " +
            $"saved [{Literals.Grouped(plan.SavedLength)}] holds each query row's max and 1/Σ ({Literals.Grouped(plan.StatisticsLength)} floats), " +
            "then exp(score − max) of every (query, key), which the backward reads instead of recomputing Q·Kᵀ.");
        using (w.Block("private static void Attention(float* qkv, float* saved, float* context, float* dContext, float* dQkv, float* maskBias, float* scratch, " +
            "float dropout, ulong seed, int site, bool backward, ComputePool pool)"))
        {
            w.Line($"float* exponentials = saved + {plan.ExponentialsOffset};");
            using (w.Block("if (backward)"))
            {
                w.Line($"AttentionKernels.Backward({shape}, qkv, maskBias, saved, exponentials, dContext, dQkv, dropout, seed, site, scratch, pool, AttentionParts);");
            }

            using (w.Block("else"))
            {
                w.Line($"AttentionKernels.TrainingForward({shape}, qkv, maskBias, context, saved, exponentials, dropout, seed, site, scratch, pool, AttentionParts);");
            }
        }
    }
}
