using System.ComponentModel;
using BertGen.Runtime.Kernels.Attention;
using BertGen.Runtime.Threading;

namespace BertGen.Runtime.CompilerServices;

/// <summary>
/// One layer's self-attention as generated forward passes call it: the fused kernels of <c>Kernels/Attention/</c>
/// (scores of a block of 32 queries in per-thread scratch, exact softmax, P·V straight into the context), so no
/// [batch, heads, sequence, sequence] score buffer exists.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe class AttentionKernels
{
    /// <summary>Floats of scratch one part of <see cref="Forward"/> uses (the generator mirrors it to size the arena).</summary>
    public static long ForwardScratchPerPart(int sequence, int headSize) => new AttentionGeometry(1, sequence, 1, headSize).ForwardScratchPerPart;

    /// <summary>
    /// context [batch·sequence, heads·headSize] = softmax(Q·Kᵀ/√headSize + maskBias)·V per (sequence, head), from the fused
    /// QKV rows [batch·sequence, 3·heads·headSize]; <paramref name="scratch"/> holds <paramref name="maxParts"/> ×
    /// <see cref="ForwardScratchPerPart"/> floats.
    /// </summary>
    public static void Forward(int batch, int sequence, int heads, int headSize, float* qkv, float* maskBias, float* context, float* scratch, ComputePool? pool, int maxParts) =>
        FusedAttention.Forward(new AttentionGeometry(batch, sequence, heads, headSize), qkv, maskBias, context, scratch, pool, maxParts);
}
