using System.Runtime.CompilerServices;

namespace BertGen.Runtime.Kernels.Attention;

/// <summary>
/// The forward of one work item, (sequence b, head h, 32 query rows), at one SIMD width: scores, softmax and P·V
/// with the block's scores kept in the thread's scratch.
/// </summary>
internal static unsafe class AttentionForward
{
    /// <summary>Runs items [begin, end) with one thread's scratch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Items<L, V>(AttentionWork* work, int begin, int end, float* scratch)
        where L : struct, IAttentionLanes<V>
        where V : unmanaged
    {
        AttentionGeometry g = work->Geometry;
        const int block = AttentionGeometry.RowBlock;
        int s = g.Sequence, dh = g.HeadSize, hidden = g.Hidden;
        nint ld = g.QkvWidth;
        int pairs = block / (2 * L.Count);

        // Scratch: Qᵀ [dh, 32], scores Sᵀ [s, 32], context block Oᵀ [dh, 32], row max and exp-sum [32] each.
        float* qT = scratch;
        float* scores = qT + (dh * block);
        float* oT = scores + ((long)s * block);
        float* rowMax = oT + (dh * block);
        float* rowSum = rowMax + block;

        for (int item = begin; item < end; item++)
        {
            int sequenceHead = item / g.RowBlocks, r0 = item % g.RowBlocks * block;
            int b = sequenceHead / g.Heads, head = sequenceHead % g.Heads;
            int rows = System.Math.Min(block, s - r0);
            float* q = work->Qkv + ((long)b * s * ld) + (head * dh);
            float* k = q + hidden;
            float* v = q + (2 * hidden);
            float* bias = work->MaskBias + ((long)b * s);

            // Qᵀ of the block, rows past the sequence zero (their lanes are computed and never written out).
            Transpose(q + (r0 * ld), ld, rows, dh, qT);

            // Sᵀ [s, 32] = K [s, dh] · Qᵀ [dh, 32]: key j's row of K broadcast, the 32 queries in the lanes.
            AttentionTile.Multiply<L, V>(s, pairs, k, ld, 1, dh, qT, block, scores, block, accumulate: false);

            uint key = work->Drops ? work->DropoutKey(sequenceHead) : 0;
            V scale = L.Splat(g.Scale);
            for (int c = 0; c < block; c += L.Count)
            {
                // pass 1: x = raw·scale + mask bias of the key, and the running maximum of each query (lane).
                float* column = scores + c;
                V max = L.Splat(float.MinValue);
                for (int j = 0; j < s; j++)
                {
                    V x = L.Fma(L.Load(column + (j * block)), scale, L.Splat(bias[j]));
                    L.Store(x, column + (j * block));
                    max = L.Max(max, x);
                }

                // pass 2: e = exp(x − max), summed before dropout (the softmax's denominator), stored after it.
                V sum = L.Zero;
                for (int j = 0; j < s; j++)
                {
                    V e = L.ExpNonPositive(L.Subtract(L.Load(column + (j * block)), max));
                    sum = L.Add(sum, e);
                    if (work->Drops)
                    {
                        e = L.Kept(e, key, (uint)(((r0 + c) * s) + j), (uint)s, work->Threshold);
                    }

                    L.Store(e, column + (j * block));
                }

                L.Store(max, rowMax + c);
                L.Store(sum, rowSum + c);
            }

            // Oᵀ [dh, 32] = Vᵀ · E: V's row j broadcast element by element, the block's exp row j in the lanes.
            AttentionTile.Multiply<L, V>(dh, pairs, v, 1, ld, s, scores, block, oT, block, accumulate: false);

            // context rows = Oᵀ columns · (1/Σ) · 1/(1 − p): the softmax's normalisation and dropout's scale, applied once per row.
            float* contextRows = work->Context + ((long)((b * s) + r0) * hidden) + (head * dh);
            for (int r = 0; r < rows; r++)
            {
                float inverse = 1f / rowSum[r];
                float factor = inverse * work->KeepScale;
                float* row = contextRows + ((long)r * hidden);
                for (int d = 0; d < dh; d++)
                {
                    row[d] = oT[(d * block) + r] * factor;
                }

                if (work->Statistics != null)
                {
                    long at = ((long)sequenceHead * s) + r0 + r;
                    work->Statistics[at] = rowMax[r];
                    work->Statistics[((long)g.Batch * g.Heads * s) + at] = inverse;
                }
            }
        }
    }

    /// <summary>dst [columns, 32] = srcᵀ for <paramref name="rows"/> rows of <paramref name="columns"/> floats, zero past them.</summary>
    public static void Transpose(float* src, nint ld, int rows, int columns, float* dst)
    {
        const int block = AttentionGeometry.RowBlock;
        for (int r = 0; r < rows; r++)
        {
            float* row = src + (r * ld);
            for (int d = 0; d < columns; d++)
            {
                dst[(d * block) + r] = row[d];
            }
        }

        for (int r = rows; r < block; r++)
        {
            for (int d = 0; d < columns; d++)
            {
                dst[(d * block) + r] = 0f;
            }
        }
    }
}
