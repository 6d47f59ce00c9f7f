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

    /// <summary>Floats of scratch one part of <see cref="Backward"/> uses (mirrored by the generator).</summary>
    public static long BackwardScratchPerPart(int sequence, int headSize) => new AttentionGeometry(1, sequence, 1, headSize).BackwardScratchPerPart;

    /// <summary>Floats of the row statistics <see cref="TrainingForward"/> saves (mirrored by the generator).</summary>
    public static long StatisticsLength(int batch, int heads, int sequence) => new AttentionGeometry(batch, sequence, heads, 1).StatisticsLength;

    /// <summary>Floats of the exponentials <see cref="TrainingForward"/> saves (mirrored by the generator).</summary>
    public static long ExponentialsLength(int batch, int heads, int sequence) => new AttentionGeometry(batch, sequence, heads, 1).ExponentialsLength;

    /// <summary>
    /// context [batch·sequence, heads·headSize] = softmax(Q·Kᵀ/√headSize + maskBias)·V per (sequence, head), from the fused
    /// QKV rows [batch·sequence, 3·heads·headSize]; <paramref name="scratch"/> holds <paramref name="maxParts"/> ×
    /// <see cref="ForwardScratchPerPart"/> floats.
    /// </summary>
    public static void Forward(int batch, int sequence, int heads, int headSize, float* qkv, float* maskBias, float* context, float* scratch, ComputePool? pool, int maxParts) =>
        FusedAttention.Forward(new AttentionGeometry(batch, sequence, heads, headSize), qkv, maskBias, context, scratch, pool, maxParts);

    /// <summary>
    /// As <see cref="Forward"/>, with dropout on the probabilities (element (r, j) of (sequence b, head h) kept by
    /// <see cref="Dropout"/>'s stream <c>(site &lt;&lt; 24) + b·heads + h</c> at index <c>r·sequence + j</c>, as the
    /// backward regenerates it), saving each query row's max and 1/Σ to <paramref name="statistics"/> and every
    /// exp(score − max) to <paramref name="exponentials"/> for <see cref="Backward"/>.
    /// </summary>
    public static void TrainingForward(int batch, int sequence, int heads, int headSize, float* qkv, float* maskBias, float* context, float* statistics,
        float* exponentials, float dropout, ulong seed, int site, float* scratch, ComputePool? pool, int maxParts) =>
        FusedAttention.TrainingForward(new AttentionGeometry(batch, sequence, heads, headSize), qkv, maskBias, context, statistics, exponentials,
            dropout, seed, site, scratch, pool, maxParts);

    /// <summary>
    /// Backward of <see cref="TrainingForward"/>: dQ, dK and dV written (not added) into their head's columns of
    /// <paramref name="dQkv"/> [batch·sequence, 3·heads·headSize] from <paramref name="dContext"/>, with the same dropout;
    /// <paramref name="scratch"/> holds <paramref name="maxParts"/> × <see cref="BackwardScratchPerPart"/> floats.
    /// </summary>
    public static void Backward(int batch, int sequence, int heads, int headSize, float* qkv, float* maskBias, float* statistics, float* exponentials,
        float* dContext, float* dQkv, float dropout, ulong seed, int site, float* scratch, ComputePool? pool, int maxParts) =>
        FusedAttention.Backward(new AttentionGeometry(batch, sequence, heads, headSize), qkv, maskBias, statistics, exponentials, dContext, dQkv,
            dropout, seed, site, scratch, pool, maxParts);
}
