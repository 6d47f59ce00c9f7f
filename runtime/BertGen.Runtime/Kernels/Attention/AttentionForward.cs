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

        // Scratch: Qᵀ [dh, 32], scores Sᵀ [s, 32], context block Oᵀ [dh, 32] (head sizes the direct form cannot take),
        // row max, exp-sum and output factor [32] each.
        float* qT = scratch;
        float* scores = qT + (dh * block);
        float* oT = scores + ((long)s * block);
        float* rowMax = oT + (dh * block);
        float* rowSum = rowMax + block;
        float* rowFactor = rowSum + block;
        bool direct = dh % (2 * L.Count) == 0;
        V laneTerms = L.LaneTerms((uint)s); // lane r of a block is query r0 + c + r: dropout index + r·s

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
            BlockTranspose.ToLanes(q + (r0 * ld), ld, rows, dh, qT);

            // Sᵀ [s, 32] = K [s, dh] · Qᵀ [dh, 32] · scale + bias of key j, and each query's maximum: key j's row of K
            // broadcast, the 32 queries in the lanes.
            new System.Span<float>(rowMax, block).Fill(float.MinValue);
            AttentionTile.Multiply<L, V>(s, pairs, k, ld, 1, dh, qT, block, scores, block, TileEpilogue.Scores(g.Scale, bias, rowMax));

            // e = exp(x − max), summed before dropout (the softmax's denominator), saved before it, stored after it.
            uint key = work->Drops ? work->DropoutKey(sequenceHead) : 0;
            float* saved = work->Exponentials == null ? null : work->Exponentials + ((long)item * block * s);
            for (int c = 0; c < block; c += L.Count)
            {
                float* column = scores + c;
                V max = L.Load(rowMax + c), sum = L.Zero;
                for (int j = 0; j < s; j++)
                {
                    V e = L.ExpNonPositive(L.Subtract(L.Load(column + (j * block)), max));
                    sum = L.Add(sum, e);
                    if (saved != null)
                    {
                        L.Store(e, saved + c + (j * block));
                    }

                    if (work->Drops)
                    {
                        e = L.And(e, L.KeepMask(key, (uint)(((r0 + c) * s) + j), laneTerms, work->Threshold));
                    }

                    L.Store(e, column + (j * block));
                }

                L.Store(sum, rowSum + c);
            }

            // Each row's factor: the softmax's 1/Σ and dropout's 1/(1 − p), applied once to the context row.
            for (int r = 0; r < block; r++)
            {
                rowFactor[r] = 1f / rowSum[r] * work->KeepScale;
            }

            float* contextRows = work->Context + ((long)((b * s) + r0) * hidden) + (head * dh);
            if (direct)
            {
                // context [rows, dh] = E [rows, s] · V [s, dh] · factor: E read as broadcasts from Sᵀ, V's rows in place.
                AttentionTile.Multiply<L, V>(rows, dh / (2 * L.Count), scores, 1, block, s, v, ld, contextRows, hidden, TileEpilogue.ScaleRows(rowFactor));
            }
            else
            {
                // Oᵀ [dh, 32] = Vᵀ · E (V's row j broadcast element by element), written out row by row.
                AttentionTile.Multiply<L, V>(dh, pairs, v, 1, ld, s, scores, block, oT, block, TileEpilogue.Store);
                for (int r = 0; r < rows; r++)
                {
                    float* row = contextRows + ((long)r * hidden);
                    for (int d = 0; d < dh; d++)
                    {
                        row[d] = oT[(d * block) + r] * rowFactor[r];
                    }
                }
            }

            if (work->Statistics != null)
            {
                long at = ((long)sequenceHead * s) + r0, inverseAt = ((long)g.Batch * g.Heads * s) + at;
                for (int r = 0; r < rows; r++)
                {
                    work->Statistics[at + r] = rowMax[r];
                    work->Statistics[inverseAt + r] = 1f / rowSum[r];
                }
            }
        }
    }
}
