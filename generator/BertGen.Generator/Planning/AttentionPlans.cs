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
    public static AttentionPlan Forward(BertArchitecture a, ShapeVariant shape)
    {
        int s = shape.Sequence, dh = a.HeadSize;
        long items = (long)shape.Batch * a.NumAttentionHeads * ((s + RuntimeContract.AttentionRowBlock - 1) / RuntimeContract.AttentionRowBlock);
        long part = Alignment.Align(RuntimeContract.AttentionForwardScratchPerPart(s, dh));
        return new AttentionPlan(shape.Batch, a.NumAttentionHeads, s, dh, a.HiddenSize, (int)Math.Min(items, MaxParts), 0, part, Training: false);
    }

    /// <summary>
    /// Training: each part also packs dh×dh in the backward, and keeps the dropped probabilities and their
    /// gradient [S,S] of the pair it works on.
    /// </summary>
    public static AttentionPlan Training(BertArchitecture a, ShapeVariant shape)
    {
        int s = shape.Sequence, dh = a.HeadSize;
        long pack = Alignment.Align(Math.Max(Math.Max(RuntimeContract.PackedLength(s, dh), RuntimeContract.PackedLength(dh, s)), RuntimeContract.PackedLength(dh, dh)));
        long part = checked(pack + (2 * Alignment.Align((long)s * s)));
        return new AttentionPlan(shape.Batch, a.NumAttentionHeads, s, dh, a.HiddenSize, Parts(a, shape), pack, part, Training: true);
    }

    // (batch, head) pairs run in parallel, at most MaxParts parts.
    private static int Parts(BertArchitecture a, ShapeVariant shape) => (int)Math.Min((long)shape.Batch * a.NumAttentionHeads, MaxParts);
}
