using System;

namespace BertGen.Runtime.Kernels.Attention;

/// <summary>
/// The shapes of one layer's self-attention and everything derived from them that a caller must size: the work
/// items, the per-thread scratch, the saved softmax statistics. The generator computes the same numbers at build
/// time from the formulas on each member.
/// </summary>
/// <remarks>
/// Layouts (all row-major floats): the fused QKV activation <c>[batch·sequence, 3·hidden]</c> with Q, K, V of head
/// h at columns <c>h·headSize</c>, <c>hidden + h·headSize</c>, <c>2·hidden + h·headSize</c>; the mask bias
/// <c>[batch, sequence]</c> (0 for attended keys, <c>float.MinValue</c> for padding, added to every query's score of
/// that key); the context <c>[batch·sequence, hidden]</c>, heads concatenated.
/// </remarks>
internal readonly struct AttentionGeometry
{
    /// <summary>
    /// Query rows per forward work item: two vectors of every width (2×16, 4×8, 32×1) so a block's rows fill the
    /// lanes of the micro-tile exactly. Its scores [sequence, 32] take 16 KB at sequence 128 and 64 KB at 512.
    /// </summary>
    public const int RowBlock = 32;

    /// <summary>Head columns are padded to this many in the backward's key-side accumulators (two vectors of 16).</summary>
    public const int ColumnGranule = 32;

    /// <summary>Describes one layer's attention.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive.</exception>
    public AttentionGeometry(int batch, int sequence, int heads, int headSize)
    {
        if (batch < 1 || sequence < 1 || heads < 1 || headSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), $"Attention needs a positive batch, sequence, head count and head size; got {batch}, {sequence}, {heads}, {headSize}.");
        }

        Batch = batch;
        Sequence = sequence;
        Heads = heads;
        HeadSize = headSize;
    }

    /// <summary>Sequences per call.</summary>
    public int Batch { get; }

    /// <summary>Tokens per sequence (queries and keys).</summary>
    public int Sequence { get; }

    /// <summary>Attention heads.</summary>
    public int Heads { get; }

    /// <summary>Floats per head.</summary>
    public int HeadSize { get; }

    /// <summary>heads · headSize: the width of the context.</summary>
    public int Hidden => Heads * HeadSize;

    /// <summary>3 · hidden: the width of the fused QKV activation and of its gradient.</summary>
    public int QkvWidth => 3 * Hidden;

    /// <summary>The score scale 1/√headSize, rounded to float as the generated code writes it.</summary>
    public float Scale => (float)(1.0 / Math.Sqrt(HeadSize));

    /// <summary>⌈sequence / 32⌉ query blocks per (sequence, head).</summary>
    public int RowBlocks => (Sequence + RowBlock - 1) / RowBlock;

    /// <summary>batch · heads · ⌈sequence / 32⌉: the forward's work items, split over threads in contiguous runs.</summary>
    public int ForwardItems => Batch * Heads * RowBlocks;

    /// <summary>batch · heads: the backward's work items, one (sequence, head) each (it owns that head's dK and dV rows).</summary>
    public int BackwardItems => Batch * Heads;

    /// <summary>headSize rounded up to 32.</summary>
    public int PaddedHeadSize => (HeadSize + ColumnGranule - 1) / ColumnGranule * ColumnGranule;

    /// <summary>
    /// Floats one thread of <see cref="FusedAttention.Forward"/> or <see cref="FusedAttention.TrainingForward"/>
    /// needs: 32·(sequence + 2·headSize + 3) — the block's scores [sequence, 32], Qᵀ and the context block
    /// [headSize, 32] each, and three statistics of 32.
    /// </summary>
    public long ForwardScratchPerPart => (long)RowBlock * (Sequence + (2L * HeadSize) + 3);

    /// <summary>
    /// Floats one thread of <see cref="FusedAttention.Backward"/> needs: 32·(3·sequence + 3·headSize + 2·paddedHeadSize
    /// + 3) + 2·sequence·paddedHeadSize — probabilities, dropped probabilities and score gradients [sequence, 32];
    /// Qᵀ, dOᵀ, dQᵀ [headSize, 32]; Q and dO blocks [32, paddedHeadSize]; three statistics of 32; the head's dK and dV
    /// accumulators [sequence, paddedHeadSize].
    /// </summary>
    public long BackwardScratchPerPart =>
        ((long)RowBlock * ((3L * Sequence) + (3L * HeadSize) + (2L * PaddedHeadSize) + 3)) + (2L * Sequence * PaddedHeadSize);

    /// <summary>
    /// 2 · batch · heads · sequence: what the training forward saves for the backward — each query row's score
    /// maximum at <c>[(b·heads + h)·sequence + r]</c>, then (after batch·heads·sequence floats) 1 / Σ exp(score − max).
    /// </summary>
    public long StatisticsLength => 2L * Batch * Heads * Sequence;

    /// <summary>
    /// batch · heads · ⌈sequence / 32⌉ · 32 · sequence: the optional saved exponentials, exp(score − max) of every
    /// (query, key) before dropout, per query block as its transposed [sequence, 32] block (block (b·heads + h)·⌈s/32⌉ + i
    /// at that many times 32·sequence floats). With them the backward skips recomputing Q·Kᵀ and the exp.
    /// </summary>
    public long ExponentialsLength => (long)Batch * Heads * RowBlocks * RowBlock * Sequence;
}
