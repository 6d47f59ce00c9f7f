using System;
using BertGen.Generator.Model;

namespace BertGen.Generator.Planning;

/// <summary>How a shape's attention is split over the pool, for the forward pass and for a training step.</summary>
internal static class AttentionPlans
{
    /// <summary>Most parts an attention layer is split into (each with its own scratch): enough for the pools BertGen runs.</summary>
    public const int MaxParts = 8;

    /// <summary>
    /// Inference: the runtime's fused attention (<c>AttentionKernels.Forward</c>), split over (sequence, head, block of
    /// 32 queries) items, each part with its own scratch for a block's scores; no score buffer in the arena.
    /// </summary>
    public static AttentionPlan Forward(BertArchitecture a, ShapeVariant shape) =>
        new(shape.Batch, a.NumAttentionHeads, shape.Sequence, a.HeadSize, a.HiddenSize, Parts(a, shape),
            Alignment.Align(RuntimeContract.AttentionForwardScratchPerPart(shape.Sequence, a.HeadSize)), Training: false);

    /// <summary>
    /// Inference on one thread, as a per-thread share runs it (no pool): one part, so one part's scratch. The kernel
    /// splits into at most as many parts as the pool has threads, and a share's pool is none.
    /// </summary>
    public static AttentionPlan ForwardOnOneThread(BertArchitecture a, ShapeVariant shape) => Forward(a, shape) with { Parts = 1 };

    /// <summary>
    /// Training: the fused training forward and backward, each part with scratch for the larger of the two (the
    /// backward's, which also holds a head's dK and dV accumulators).
    /// </summary>
    public static AttentionPlan Training(BertArchitecture a, ShapeVariant shape)
    {
        int s = shape.Sequence, dh = a.HeadSize;
        long part = Alignment.Align(Math.Max(RuntimeContract.AttentionForwardScratchPerPart(s, dh), RuntimeContract.AttentionBackwardScratchPerPart(s, dh)));
        return new AttentionPlan(shape.Batch, a.NumAttentionHeads, s, dh, a.HiddenSize, Parts(a, shape), part, Training: true);
    }

    // Forward items (sequence, head, query block) are the most a call splits into; at most MaxParts parts.
    private static int Parts(BertArchitecture a, ShapeVariant shape) =>
        (int)Math.Min((long)shape.Batch * a.NumAttentionHeads * ((shape.Sequence + RuntimeContract.AttentionRowBlock - 1) / RuntimeContract.AttentionRowBlock), MaxParts);
}
