using System.Runtime.CompilerServices;

namespace BertGen.Runtime.Kernels.Attention;

/// <summary>
/// The backward of one work item, (sequence b, head h), at one SIMD width. Query blocks of 32 rows are walked in
/// order; each recomputes its probabilities exactly as the forward did (same tiles, same order: bitwise the same
/// P), writes its rows of dQ, and adds into the head's dK and dV, which the item owns and writes out at the end.
/// </summary>
/// <remarks>
/// Forward, per block (r = query, j = key):  x = q_r·k_j·scale + bias_j;  P = exp(x − max_r)/Σ_r;
/// U = dropout(P);  o_r = Σ_j U_rj v_j.
/// Backward:  dV_j += Σ_r U_rj do_r;  dU_rj = do_r·v_j;  dP = dropout(dU);  D_r = Σ_j dP_rj P_rj;
/// dX = P ⊙ (dP − D)·scale;  dQ_r = Σ_j dX_rj k_j;  dK_j += Σ_r dX_rj q_r.
/// </remarks>
internal static unsafe class AttentionBackward
{
    /// <summary>Runs items [begin, end) with one thread's scratch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Items<L, V>(AttentionWork* work, int begin, int end, float* scratch)
        where L : struct, IAttentionLanes<V>
        where V : unmanaged
    {
        AttentionGeometry g = work->Geometry;
        const int block = AttentionGeometry.RowBlock;
        int s = g.Sequence, dh = g.HeadSize, dhp = g.PaddedHeadSize, hidden = g.Hidden;
        nint ld = g.QkvWidth;
        int pairs = block / (2 * L.Count), paddedPairs = dhp / (2 * L.Count);
        long rowsPerStatistic = (long)g.Batch * g.Heads * s;

        // Scratch, in the order AttentionGeometry.BackwardScratchPerPart counts it.
        float* probabilities = scratch;                                  // P  [s, 32] (transposed: key rows, query lanes)
        float* kept = probabilities + ((long)s * block);                 // U = dropout(P) [s, 32]
        float* gradient = kept + ((long)s * block);                      // dU, then dP, then dX [s, 32]
        float* qT = gradient + ((long)s * block);                        // Qᵀ  [dh, 32]
        float* dOutT = qT + (dh * block);                                // dOᵀ [dh, 32]
        float* dqT = dOutT + (dh * block);                               // dQᵀ [dh, 32] (head sizes the direct form cannot take)
        float* qBlock = dqT + (dh * block);                              // Q  [32, dhp], zero padded
        float* dOutBlock = qBlock + (block * dhp);                       // dO [32, dhp], zero padded
        float* rowMax = dOutBlock + (block * dhp);                       // [32]
        float* rowInverse = rowMax + block;                              // [32]
        float* unusedMax = rowInverse + block;                           // [32]: the scores epilogue's maxima, not needed here
        float* dKey = unusedMax + block;                                 // dK [s, dhp]
        float* dValue = dKey + ((long)s * dhp);                          // dV [s, dhp]
        bool direct = dh % (2 * L.Count) == 0;
        V laneTerms = L.LaneTerms((uint)s); // lane r of a block is query r0 + c + r: dropout index + r·s

        V keepScale = L.Splat(work->KeepScale), scale = L.Splat(g.Scale);
        for (int item = begin; item < end; item++)
        {
            int b = item / g.Heads, head = item % g.Heads;
            float* q = work->Qkv + ((long)b * s * ld) + (head * dh);
            float* k = q + hidden;
            float* v = q + (2 * hidden);
            float* bias = work->MaskBias + ((long)b * s);
            float* dOut = work->DContext + ((long)b * s * hidden) + (head * dh);
            float* dq = work->DQkv + ((long)b * s * ld) + (head * dh);
            uint key = work->Drops ? work->DropoutKey(item) : 0;
            if (!direct)
            {
                new System.Span<float>(dKey, (int)(2L * s * dhp)).Clear();
            }

            for (int r0 = 0; r0 < s; r0 += block)
            {
                int rows = System.Math.Min(block, s - r0);
                BlockTranspose.ToLanes(dOut + ((long)r0 * hidden), hidden, rows, dh, dOutT);
                if (!direct)
                {
                    CopyPadded(q + (r0 * ld), ld, rows, dh, qBlock, dhp);
                    CopyPadded(dOut + ((long)r0 * hidden), hidden, rows, dh, dOutBlock, dhp);
                }
                for (int r = 0; r < block; r++)
                {
                    // Rows past the sequence get P = 0 (inverse sum 0), so they add nothing to dK and dV.
                    long at = ((long)item * s) + r0 + r;
                    rowMax[r] = r < rows ? work->Statistics[at] : 0f;
                    rowInverse[r] = r < rows ? work->Statistics[rowsPerStatistic + at] : 0f;
                }

                // x = Sᵀ·scale + bias exactly as the forward computed it (unless it saved exp(x − max));
                // dUᵀ [s, 32] = V [s, dh] · dOᵀ [dh, 32].
                float* saved = work->Exponentials == null ? null : work->Exponentials + ((((long)item * g.RowBlocks) + (r0 / block)) * block * s);
                if (saved == null)
                {
                    BlockTranspose.ToLanes(q + (r0 * ld), ld, rows, dh, qT);
                    AttentionTile.Multiply<L, V>(s, pairs, k, ld, 1, dh, qT, block, probabilities, block, TileEpilogue.Scores(g.Scale, bias, unusedMax));
                }

                AttentionTile.Multiply<L, V>(s, pairs, v, ld, 1, dh, dOutT, block, gradient, block, TileEpilogue.Store);

                for (int c = 0; c < block; c += L.Count)
                {
                    // pass 1: P from the saved statistics, U = dropout(P), dP = dropout(dU), D = Σ_j dP·P.
                    float* pColumn = probabilities + c, uColumn = kept + c, gColumn = gradient + c;
                    V max = L.Load(rowMax + c), inverse = L.Load(rowInverse + c), dot = L.Zero;
                    for (int j = 0; j < s; j++)
                    {
                        long at = (long)j * block;
                        V e = saved != null ? L.Load(saved + c + at) : L.ExpNonPositive(L.Subtract(L.Load(pColumn + at), max));
                        V p = L.Multiply(e, inverse);
                        V u = p, dp = L.Load(gColumn + at);
                        if (work->Drops)
                        {
                            V mask = L.KeepMask(key, (uint)(((r0 + c) * s) + j), laneTerms, work->Threshold);
                            u = L.Multiply(L.And(p, mask), keepScale);
                            dp = L.Multiply(L.And(dp, mask), keepScale);
                        }

                        L.Store(p, pColumn + at);
                        L.Store(u, uColumn + at);
                        dot = L.Fma(dp, p, dot);
                        L.Store(dp, gColumn + at);
                    }

                    // pass 2: dX = P ⊙ (dP − D) · scale, over dP.
                    for (int j = 0; j < s; j++)
                    {
                        long at = (long)j * block;
                        L.Store(L.Multiply(L.Multiply(L.Load(pColumn + at), L.Subtract(L.Load(gColumn + at), dot)), scale), gColumn + at);
                    }
                }

                if (direct)
                {
                    // dV [s, dh] (+)= U [s, rows] · dO [rows, dh];  dK [s, dh] (+)= dX [s, rows] · Q [rows, dh]: straight into
                    // d_qkv (the item owns these rows), the block's dO and Q rows read in place; the first block stores.
                    TileEpilogue into = r0 == 0 ? TileEpilogue.Store : TileEpilogue.Accumulate;
                    AttentionTile.Multiply<L, V>(s, dh / (2 * L.Count), kept, block, 1, rows, dOut + ((long)r0 * hidden), hidden, dq + (2 * hidden), ld, into);
                    AttentionTile.Multiply<L, V>(s, dh / (2 * L.Count), gradient, block, 1, rows, q + (r0 * ld), ld, dq + hidden, ld, into);


                    // dQ [rows, dh] = dX [rows, s] · K [s, dh]: dX read as broadcasts from its transposed block, K's rows in place.
                    AttentionTile.Multiply<L, V>(rows, dh / (2 * L.Count), gradient, 1, block, s, k, ld, dq + (r0 * ld), ld, TileEpilogue.Store);
                }
                else
                {
                    // dV [s, dhp] += U [s, 32] · dO [32, dhp];  dK [s, dhp] += dX [s, 32] · Q [32, dhp], in scratch.
                    AttentionTile.Multiply<L, V>(s, paddedPairs, kept, block, 1, block, dOutBlock, dhp, dValue, dhp, TileEpilogue.Accumulate);
                    AttentionTile.Multiply<L, V>(s, paddedPairs, gradient, block, 1, block, qBlock, dhp, dKey, dhp, TileEpilogue.Accumulate);

                    // dQᵀ [dh, 32] = Kᵀ · dX, written out row by row.
                    AttentionTile.Multiply<L, V>(dh, pairs, k, 1, ld, s, gradient, block, dqT, block, TileEpilogue.Store);
                    for (int r = 0; r < rows; r++)
                    {
                        float* row = dq + ((r0 + r) * ld);
                        for (int d = 0; d < dh; d++)
                        {
                            row[d] = dqT[(d * block) + r];
                        }
                    }
                }
            }

            // The head's dK and dV, complete in scratch for the head sizes the direct form cannot take: written into d_qkv.
            for (int j = 0; !direct && j < s; j++)
            {
                new System.ReadOnlySpan<float>(dKey + ((long)j * dhp), dh).CopyTo(new System.Span<float>(dq + hidden + (j * ld), dh));
                new System.ReadOnlySpan<float>(dValue + ((long)j * dhp), dh).CopyTo(new System.Span<float>(dq + (2 * hidden) + (j * ld), dh));
            }
        }
    }

    /// <summary>dst [32, paddedColumns] = src rows, zero past <paramref name="rows"/> and <paramref name="columns"/>.</summary>
    private static void CopyPadded(float* src, nint ld, int rows, int columns, float* dst, int paddedColumns)
    {
        const int block = AttentionGeometry.RowBlock;
        new System.Span<float>(dst, block * paddedColumns).Clear();
        for (int r = 0; r < rows; r++)
        {
            new System.ReadOnlySpan<float>(src + (r * ld), columns).CopyTo(new System.Span<float>(dst + (r * paddedColumns), columns));
        }
    }
}
