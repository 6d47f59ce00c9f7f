using System;
using System.Runtime.Intrinsics;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Threading;

namespace BertGen.Runtime.Kernels.Attention;

/// <summary>
/// One layer's self-attention, fused: softmax(Q·Kᵀ/√d + mask)·V per (sequence, head, block of 32 query rows)
/// without writing the scores to memory, and its backward recomputing the probabilities from Q, K and the row
/// statistics the training forward saved. Generated forward passes and training steps call these once per layer.
/// </summary>
/// <remarks>
/// <para>
/// A block's scores are computed transposed, Sᵀ [keys, 32 queries], with the 32 queries in the vector lanes: the
/// softmax over keys is then a vertical max, exp and sum (no horizontal reductions), K and V are read in place as
/// broadcasts from the fused QKV rows, and the only copies are the block's own Qᵀ (and dOᵀ) of 32 × headSize.
/// The whole score row of a block stays in the per-thread scratch (16 KB at sequence 128, 64 KB at 512: L1 or L2),
/// so the softmax is the exact two-pass one, with no online rescaling.
/// </para>
/// <para>
/// Work is split into contiguous runs of items (forward: sequence × head × query block; backward: sequence × head),
/// part p of n taking items [count·p/n, count·(p+1)/n). Each item's result depends on that item alone, computed in
/// the same order whichever thread runs it, so outputs are bitwise equal for any thread count.
/// </para>
/// <para>
/// Dropout on the probabilities is the generated code's: element (query r, key j) of (sequence b, head h) is kept by
/// <see cref="Dropout"/>'s stream <c>(site &lt;&lt; 24) + b·heads + h</c> at index <c>r·sequence + j</c>, and kept
/// probabilities are scaled by 1/(1 − p), so masks match the unfused attention's and a resumed run stays exact.
/// </para>
/// </remarks>
internal static unsafe class FusedAttention
{
    /// <summary>
    /// Inference forward: context [batch·sequence, hidden] = softmax(Q·Kᵀ·scale + maskBias)·V per head.
    /// </summary>
    /// <param name="geometry">Shapes.</param>
    /// <param name="qkv">The fused QKV activation [batch·sequence, 3·hidden].</param>
    /// <param name="maskBias">[batch, sequence] additive key bias (0 or <c>float.MinValue</c>).</param>
    /// <param name="context">Output [batch·sequence, hidden].</param>
    /// <param name="scratch"><paramref name="maxParts"/> × <see cref="AttentionGeometry.ForwardScratchPerPart"/> floats, 64-byte aligned.</param>
    /// <param name="pool">Threads to split the items over, or null for the calling thread.</param>
    /// <param name="maxParts">Most parts the scratch was sized for (at least 1).</param>
    public static void Forward(in AttentionGeometry geometry, float* qkv, float* maskBias, float* context, float* scratch, ComputePool? pool, int maxParts) =>
        RunForward(geometry, qkv, maskBias, context, null, null, 0f, 0, 0, scratch, pool, maxParts, GemmPath.Auto);

    /// <summary>
    /// Training forward: as <see cref="Forward"/>, with dropout on the probabilities, and each query row's score
    /// maximum and inverse exp-sum saved to <paramref name="statistics"/> for <see cref="Backward"/> — and, when
    /// <paramref name="exponentials"/> is given, every exp(score − max) too, so the backward need not recompute them.
    /// </summary>
    /// <param name="geometry">Shapes.</param>
    /// <param name="qkv">The fused QKV activation [batch·sequence, 3·hidden].</param>
    /// <param name="maskBias">[batch, sequence] additive key bias.</param>
    /// <param name="context">Output [batch·sequence, hidden].</param>
    /// <param name="statistics">Output, <see cref="AttentionGeometry.StatisticsLength"/> floats.</param>
    /// <param name="exponentials">Null, or output of <see cref="AttentionGeometry.ExponentialsLength"/> floats.</param>
    /// <param name="dropout">Probability of dropping a probability; 0 for none (evaluation).</param>
    /// <param name="seed">The step's dropout seed.</param>
    /// <param name="site">The layer's attention dropout site.</param>
    /// <param name="scratch"><paramref name="maxParts"/> × <see cref="AttentionGeometry.ForwardScratchPerPart"/> floats.</param>
    /// <param name="pool">Threads, or null.</param>
    /// <param name="maxParts">Most parts the scratch was sized for.</param>
    public static void TrainingForward(in AttentionGeometry geometry, float* qkv, float* maskBias, float* context, float* statistics, float* exponentials,
        float dropout, ulong seed, int site, float* scratch, ComputePool? pool, int maxParts)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        RunForward(geometry, qkv, maskBias, context, statistics, exponentials, dropout, seed, site, scratch, pool, maxParts, GemmPath.Auto);
    }

    /// <summary>
    /// Backward of <see cref="TrainingForward"/>: dQ, dK, dV written (not accumulated) into their head's columns of
    /// <paramref name="dQkv"/> [batch·sequence, 3·hidden], from dContext [batch·sequence, hidden], recomputing the
    /// probabilities from Q, K, the mask and <paramref name="statistics"/> (or from the saved
    /// <paramref name="exponentials"/>: the same bits, one Q·Kᵀ and one exp fewer); dropout as the forward's.
    /// </summary>
    /// <param name="geometry">Shapes.</param>
    /// <param name="qkv">The forward's fused QKV activation.</param>
    /// <param name="maskBias">The forward's mask bias.</param>
    /// <param name="statistics">What the training forward saved.</param>
    /// <param name="exponentials">Null (recompute), or what the training forward saved there.</param>
    /// <param name="dContext">Gradient of the context [batch·sequence, hidden].</param>
    /// <param name="dQkv">Output gradient [batch·sequence, 3·hidden].</param>
    /// <param name="dropout">The forward's dropout probability.</param>
    /// <param name="seed">The forward's seed.</param>
    /// <param name="site">The forward's site.</param>
    /// <param name="scratch"><paramref name="maxParts"/> × <see cref="AttentionGeometry.BackwardScratchPerPart"/> floats.</param>
    /// <param name="pool">Threads, or null.</param>
    /// <param name="maxParts">Most parts the scratch was sized for.</param>
    public static void Backward(in AttentionGeometry geometry, float* qkv, float* maskBias, float* statistics, float* exponentials, float* dContext, float* dQkv,
        float dropout, ulong seed, int site, float* scratch, ComputePool? pool, int maxParts) =>
        RunBackward(geometry, qkv, maskBias, statistics, exponentials, dContext, dQkv, dropout, seed, site, scratch, pool, maxParts, GemmPath.Auto);

    /// <summary><see cref="Forward"/> or <see cref="TrainingForward"/> (when <paramref name="statistics"/> is given) on a forced path.</summary>
    internal static void RunForward(in AttentionGeometry geometry, float* qkv, float* maskBias, float* context, float* statistics, float* exponentials,
        float dropout, ulong seed, int site, float* scratch, ComputePool? pool, int maxParts, GemmPath path)
    {
        ValidatePointers(qkv, maskBias, context, scratch, maxParts);
        var work = new AttentionWork(geometry, qkv, maskBias, scratch, geometry.ForwardScratchPerPart, dropout, seed, site, GemmPathResolver.Resolve(path))
        {
            Context = context,
            Statistics = statistics,
            Exponentials = exponentials,
        };
        Dispatch(&work, geometry.ForwardItems, &ForwardPart, pool, maxParts);
    }

    /// <summary><see cref="Backward"/> on a forced path.</summary>
    internal static void RunBackward(in AttentionGeometry geometry, float* qkv, float* maskBias, float* statistics, float* exponentials, float* dContext, float* dQkv,
        float dropout, ulong seed, int site, float* scratch, ComputePool? pool, int maxParts, GemmPath path)
    {
        ValidatePointers(qkv, maskBias, dContext, scratch, maxParts);
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(dQkv);
        var work = new AttentionWork(geometry, qkv, maskBias, scratch, geometry.BackwardScratchPerPart, dropout, seed, site, GemmPathResolver.Resolve(path))
        {
            Statistics = statistics,
            Exponentials = exponentials,
            DContext = dContext,
            DQkv = dQkv,
        };
        Dispatch(&work, geometry.BackwardItems, &BackwardPart, pool, maxParts);
    }

    /// <summary>The part count a call makes: at most the pool's threads, the scratch's parts and the items.</summary>
    internal static int Parts(ComputePool? pool, int maxParts, int items) => Math.Max(1, Math.Min(Math.Min(pool?.ThreadCount ?? 1, maxParts), items));

    private static void Dispatch(AttentionWork* work, int items, delegate* managed<void*, int, int, void> part, ComputePool? pool, int maxParts)
    {
        int parts = Parts(pool, maxParts, items);
        work->Items = items;
        if (parts == 1)
        {
            part(work, 0, 1);
        }
        else
        {
            pool!.Run(part, work, parts);
        }
    }

    private static void ForwardPart(void* context, int part, int parts)
    {
        var work = (AttentionWork*)context;
        (int begin, int end) = work->Range(part, parts);
        float* scratch = work->Scratch + (part * work->ScratchPerPart);
        switch (work->Path)
        {
            case GemmPath.Avx512:
                AttentionForward.Items<Lanes512, Vector512<float>>(work, begin, end, scratch);
                break;
            case GemmPath.Avx2:
                AttentionForward.Items<Lanes256, Vector256<float>>(work, begin, end, scratch);
                break;
            default:
                AttentionForward.Items<LanesScalar, float>(work, begin, end, scratch);
                break;
        }
    }

    private static void BackwardPart(void* context, int part, int parts)
    {
        var work = (AttentionWork*)context;
        (int begin, int end) = work->Range(part, parts);
        float* scratch = work->Scratch + (part * work->ScratchPerPart);
        switch (work->Path)
        {
            case GemmPath.Avx512:
                AttentionBackward.Items<Lanes512, Vector512<float>>(work, begin, end, scratch);
                break;
            case GemmPath.Avx2:
                AttentionBackward.Items<Lanes256, Vector256<float>>(work, begin, end, scratch);
                break;
            default:
                AttentionBackward.Items<LanesScalar, float>(work, begin, end, scratch);
                break;
        }
    }

    private static void ValidatePointers(float* qkv, float* maskBias, float* input, float* scratch, int maxParts)
    {
        ArgumentNullException.ThrowIfNull(qkv);
        ArgumentNullException.ThrowIfNull(maskBias);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(scratch);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxParts, 1);
    }
}
