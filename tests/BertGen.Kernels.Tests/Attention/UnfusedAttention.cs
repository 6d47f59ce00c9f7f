using System;
using System.Runtime.Intrinsics;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Kernels.Attention;
using BertGen.Runtime.Threading;

namespace BertGen.Kernels.Tests.Attention;

/// <summary>
/// Attention as the generated code ran it before the fused kernels (TrainingEmitter.EmitAttention and
/// ForwardEmitter.EmitAttention, and the baselines' <c>AttentionForwardPart</c> / <c>AttentionBackwardPart</c>):
/// per (sequence, head), scores by <see cref="Gemm.MultiplyTransposedB"/> with the mask bias in the epilogue, the
/// generated three-pass softmax, <see cref="Dropout"/> on a copy, P·V by <see cref="Gemm.Multiply"/>; the backward by
/// the same GEMM forms and <see cref="SoftmaxBackward"/>. The tests' "today" oracle and the benchmark's baseline
/// (linked into bench/BertGen.Bench).
/// </summary>
internal static unsafe class UnfusedAttention
{
    /// <summary>Floats of one part's scratch: the GEMM pack, the dropped probabilities and dP, as the planner sizes them.</summary>
    public static long ScratchPerPart(in AttentionGeometry g)
    {
        int s = g.Sequence, dh = g.HeadSize;
        long pack = Align(Math.Max(Math.Max(PackedPanels.PackedLength(s, dh), PackedPanels.PackedLength(dh, s)), PackedPanels.PackedLength(dh, dh)));
        return pack + (2 * Align((long)s * s));
    }

    /// <summary>The probabilities the forward saves: [batch·heads, s, s].</summary>
    public static long ProbabilitiesLength(in AttentionGeometry g) => (long)g.Batch * g.Heads * g.Sequence * g.Sequence;

    /// <summary>The forward (training when <paramref name="dropout"/> &gt; 0, else inference): probabilities saved, context written.</summary>
    public static void Forward(in AttentionGeometry g, float* qkv, float* maskBias, float* probabilities, float* context, float dropout, ulong seed, int site, float* scratch, ComputePool? pool, int maxParts)
    {
        var work = new Work { G = g, Qkv = qkv, MaskBias = maskBias, Probabilities = probabilities, Context = context, Dropout = dropout, Seed = seed, Site = site, Scratch = scratch, ScratchPerPart = ScratchPerPart(g) };
        Run(&work, &ForwardPart, pool, maxParts);
    }

    /// <summary>The backward: dQ, dK, dV written into d_qkv from dContext and the saved probabilities.</summary>
    public static void Backward(in AttentionGeometry g, float* qkv, float* probabilities, float* dContext, float* dQkv, float dropout, ulong seed, int site, float* scratch, ComputePool? pool, int maxParts)
    {
        var work = new Work { G = g, Qkv = qkv, Probabilities = probabilities, DContext = dContext, DQkv = dQkv, Dropout = dropout, Seed = seed, Site = site, Scratch = scratch, ScratchPerPart = ScratchPerPart(g) };
        Run(&work, &BackwardPart, pool, maxParts);
    }

    private static void Run(Work* work, delegate* managed<void*, int, int, void> part, ComputePool? pool, int maxParts)
    {
        int parts = pool is null ? 1 : Math.Min(pool.ThreadCount, maxParts);
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
        var work = (Work*)context;
        AttentionGeometry g = work->G;
        int s = g.Sequence, dh = g.HeadSize, h = g.Hidden, items = g.Batch * g.Heads;
        work->PartScratch(part, out float* pack, out float* dropped, out _);
        int begin = items * part / parts, end = items * (part + 1) / parts;
        for (int item = begin; item < end; item++)
        {
            int b = item / g.Heads, head = item % g.Heads;
            float* q = work->Qkv + ((long)b * s * 3 * h) + (head * dh);
            float* probs = work->Probabilities + ((long)item * s * s);
            Gemm.MultiplyTransposedB(s, s, dh, q, 3 * h, q + h, 3 * h, probs, s, pack, GemmEpilogue.None.WithAlpha(g.Scale).WithBias(work->MaskBias + ((long)b * s)));
            GeneratedSoftmax(probs, s, s);
            float* used = probs;
            if (work->Dropout > 0f)
            {
                Dropout.ApplyTo(probs, dropped, (long)s * s, work->Dropout, work->Seed, ((ulong)work->Site << 24) + (ulong)item);
                used = dropped;
            }

            Gemm.Multiply(s, dh, s, used, s, q + (2 * h), 3 * h, work->Context + ((long)b * s * h) + (head * dh), h, pack, GemmEpilogue.None);
        }
    }

    private static void BackwardPart(void* context, int part, int parts)
    {
        var work = (Work*)context;
        AttentionGeometry g = work->G;
        int s = g.Sequence, dh = g.HeadSize, h = g.Hidden, items = g.Batch * g.Heads;
        work->PartScratch(part, out float* pack, out float* dropped, out float* dProbs);
        int begin = items * part / parts, end = items * (part + 1) / parts;
        for (int item = begin; item < end; item++)
        {
            int b = item / g.Heads, head = item % g.Heads;
            float* q = work->Qkv + ((long)b * s * 3 * h) + (head * dh);
            float* k = q + h, v = q + (2 * h);
            float* probs = work->Probabilities + ((long)item * s * s);
            float* dContext = work->DContext + ((long)b * s * h) + (head * dh);
            float* dq = work->DQkv + ((long)b * s * 3 * h) + (head * dh);
            float* used = probs;
            ulong site = ((ulong)work->Site << 24) + (ulong)item;
            if (work->Dropout > 0f)
            {
                Dropout.ApplyTo(probs, dropped, (long)s * s, work->Dropout, work->Seed, site);
                used = dropped;
            }

            Gemm.MultiplyTransposedA(s, dh, s, used, s, dContext, h, dq + (2 * h), 3 * h, pack, GemmEpilogue.None);
            Gemm.MultiplyTransposedB(s, s, dh, dContext, h, v, 3 * h, dProbs, s, pack, GemmEpilogue.None);
            Dropout.Apply(dProbs, (long)s * s, work->Dropout, work->Seed, site);
            SoftmaxBackward.Apply(probs, dProbs, s, s, g.Scale);
            Gemm.Multiply(s, dh, s, dProbs, s, k, 3 * h, dq, 3 * h, pack, GemmEpilogue.None);
            Gemm.MultiplyTransposedA(s, dh, s, dProbs, s, q, 3 * h, dq + h, 3 * h, pack, GemmEpilogue.None);
        }
    }

    /// <summary>RowKernelEmitter's softmax with the row length as a variable: the same operations in the same order.</summary>
    public static void GeneratedSoftmax(float* x, int rows, int s)
    {
        for (int r = 0; r < rows; r++, x += s)
        {
            float max = float.MinValue, sum = 0f;
            int full = Vector512.IsHardwareAccelerated ? s / 16 * 16 : 0;
            if (full > 0)
            {
                Vector512<float> maxV = Vector512.Create(float.MinValue);
                for (int j = 0; j < full; j += 16)
                {
                    maxV = Vector512.Max(maxV, Vector512.Load(x + j));
                }

                max = HorizontalMax.Of(maxV);
            }

            for (int j = full; j < s; j++)
            {
                max = MathF.Max(max, x[j]);
            }

            Vector512<float> shiftV = Vector512.Create(max);
            if (full > 0)
            {
                Vector512<float> sumAcc = Vector512<float>.Zero;
                for (int j = 0; j < full; j += 16)
                {
                    Vector512<float> e = ActivationMath.ExpNonPositive(Vector512.Load(x + j) - shiftV);
                    e.Store(x + j);
                    sumAcc += e;
                }

                sum += Vector512.Sum(sumAcc);
            }

            for (int j = full; j < s; j++)
            {
                float e = MathF.Exp(x[j] - max);
                x[j] = e;
                sum += e;
            }

            float scale = 1f / sum;
            for (int j = 0; j < s; j++)
            {
                x[j] *= scale;
            }
        }
    }

    private static long Align(long floats) => (floats + 15) / 16 * 16;

    private struct Work
    {
        public AttentionGeometry G;
        public float* Qkv, MaskBias, Probabilities, Context, DContext, DQkv, Scratch;
        public long ScratchPerPart;
        public float Dropout;
        public ulong Seed;
        public int Site;

        public readonly void PartScratch(int part, out float* pack, out float* dropped, out float* dProbs)
        {
            long square = Align((long)G.Sequence * G.Sequence);
            pack = Scratch + (part * ScratchPerPart);
            dropped = pack + (ScratchPerPart - (2 * square));
            dProbs = dropped + square;
        }
    }
}
