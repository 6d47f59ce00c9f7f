using System;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Kernels.Attention;
using BertGen.Runtime.Threading;

namespace BertGen.Kernels.Tests.Attention;

/// <summary>The outputs of one attention forward + backward.</summary>
internal sealed record AttentionResult(float[] Context, float[] Statistics, float[] DQkv);

/// <summary>
/// Random attention operands of one shape: QKV in [−2, 2] (scores of a few units after the 1/√d scale, as trained
/// models have), a gradient of the context in [−1, 1], and padding masks — sequence 0 attends every key, sequence 1
/// its first 40 (a fully padded key range beyond), sequence 2 none (every key padded: uniform probabilities).
/// </summary>
internal sealed unsafe class AttentionInput
{
    private const ulong Seed = 0x5EED_0001UL;
    private const int Site = 17;

    public AttentionInput(int batch, int sequence, int heads, int headSize, int seed)
    {
        Geometry = new AttentionGeometry(batch, sequence, heads, headSize);
        Qkv = Array.ConvertAll(ReferenceMath.RandomArray(batch * sequence * Geometry.QkvWidth, seed), x => 2 * x);
        DContext = ReferenceMath.RandomArray(batch * sequence * Geometry.Hidden, seed + 1000);
        MaskBias = new float[batch * sequence];
        for (int b = 0; b < batch; b++)
        {
            int attended = b switch { 0 => sequence, 1 => Math.Min(40, sequence), _ => 0 };
            for (int j = attended; j < sequence; j++)
            {
                MaskBias[(b * sequence) + j] = float.MinValue;
            }
        }
    }

    public AttentionGeometry Geometry { get; }

    public float[] Qkv { get; }

    public float[] MaskBias { get; }

    public float[] DContext { get; }

    /// <summary>
    /// The fused training forward then backward (or the inference forward alone); with <paramref name="saveExponentials"/>
    /// the backward reads the forward's exponentials instead of recomputing them.
    /// </summary>
    public AttentionResult RunFused(float dropout, ComputePool? pool, GemmPath path, bool inference = false, bool saveExponentials = false)
    {
        AttentionGeometry g = Geometry;
        int parts = pool?.ThreadCount ?? 1;
        float[] context = new float[g.Batch * g.Sequence * g.Hidden];
        float[] statistics = new float[g.StatisticsLength];
        float[] dQkv = new float[Qkv.Length];
        float[] exponentials = new float[saveExponentials ? g.ExponentialsLength : 0];
        float[] scratch = new float[parts * Math.Max(g.ForwardScratchPerPart, g.BackwardScratchPerPart)];
        Array.Fill(scratch, float.NaN); // scratch is never read before it is written
        Array.Fill(dQkv, float.NaN);    // every element of d_qkv is written
        fixed (float* qkv = Qkv, mask = MaskBias, dContext = DContext, c = context, stats = statistics, dq = dQkv, work = scratch, e = exponentials)
        {
            if (inference)
            {
                FusedAttention.RunForward(g, qkv, mask, c, null, null, 0f, 0, 0, work, pool, parts, path);
                return new AttentionResult(context, statistics, dQkv);
            }

            float* saved = saveExponentials ? e : null;
            FusedAttention.RunForward(g, qkv, mask, c, stats, saved, dropout, Seed, Site, work, pool, parts, path);
            Array.Fill(scratch, float.NaN);
            FusedAttention.RunBackward(g, qkv, mask, stats, saved, dContext, dq, dropout, Seed, Site, work, pool, parts, path);
        }

        return new AttentionResult(context, statistics, dQkv);
    }

    /// <summary>Today's generated sequence of GEMMs, softmax and dropout (<see cref="UnfusedAttention"/>), on one thread.</summary>
    public AttentionResult RunUnfused(float dropout)
    {
        AttentionGeometry g = Geometry;
        float[] context = new float[g.Batch * g.Sequence * g.Hidden];
        float[] probabilities = new float[UnfusedAttention.ProbabilitiesLength(g)];
        float[] dQkv = new float[Qkv.Length];
        float[] scratch = new float[UnfusedAttention.ScratchPerPart(g)];
        fixed (float* qkv = Qkv, mask = MaskBias, dContext = DContext, c = context, p = probabilities, dq = dQkv, work = scratch)
        {
            UnfusedAttention.Forward(g, qkv, mask, p, c, dropout, Seed, Site, work, null, 1);
            UnfusedAttention.Backward(g, qkv, p, dContext, dq, dropout, Seed, Site, work, null, 1);
        }

        return new AttentionResult(context, [], dQkv);
    }
}
