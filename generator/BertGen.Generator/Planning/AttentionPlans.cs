using System;
using BertGen.Generator.Model;

namespace BertGen.Generator.Planning;

/// <summary>How a shape's attention is split over the pool, for the forward pass and for a training step.</summary>
internal static class AttentionPlans
{
    /// <summary>Most parts an attention layer is split into (each with its own scratch): enough for the pools BertGen runs.</summary>
    public const int MaxParts = 8;

    /// <summary>Inference: each part packs K (S×dh) and V (dh×S) on the fly into its own scratch.</summary>
    public static AttentionPlan Forward(BertArchitecture a, ShapeVariant shape)
    {
        int s = shape.Sequence, dh = a.HeadSize;
        long pack = Alignment.Align(Math.Max(RuntimeContract.PackedLength(s, dh), RuntimeContract.PackedLength(dh, s)));
        return new AttentionPlan(shape.Batch, a.NumAttentionHeads, s, dh, a.HiddenSize, Parts(a, shape), pack, pack, Training: false);
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
