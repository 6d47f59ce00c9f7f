using System;
using System.ComponentModel;
using BertGen.Runtime.Threading;

namespace BertGen.Runtime.CompilerServices;

/// <summary>
/// The inference embeddings in one pass: each token's word, position and token-type rows summed by a generated
/// fixed-width row kernel and normalised at once by the generated LayerNorm row kernel while the row is in L1, the
/// tokens split over the pool. Every row is computed by the same two kernel calls whichever thread takes it, so any
/// split gives the same bits as the sum-then-LayerNorm sequence on one thread.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe class EmbeddingKernels
{
    /// <summary>
    /// <c>output[t] = LayerNorm(words[ids[t]] + positions[t mod sequence] + tokenTypes[types[t]])</c> for every token.
    /// Ids and types must already be checked against their tables (generated code checks them first).
    /// </summary>
    /// <param name="sumRow">Writes one row: <c>(output row, word row, position row, token-type row)</c>.</param>
    /// <param name="layerNormRows">Normalises rows in place: <c>(x, rows, gamma, beta)</c>.</param>
    /// <param name="output">Row 0 of the output; rows are <paramref name="width"/> floats apart.</param>
    /// <param name="ids">Token ids, one per token.</param>
    /// <param name="types">Token type ids, one per token.</param>
    /// <param name="tokens">Tokens (batch × sequence).</param>
    /// <param name="sequence">Tokens per sequence: token t has position t mod sequence.</param>
    /// <param name="width">Hidden size.</param>
    /// <param name="words">The word-embedding table.</param>
    /// <param name="positions">The position-embedding table.</param>
    /// <param name="tokenTypes">The token-type-embedding table.</param>
    /// <param name="gamma">The LayerNorm's scale.</param>
    /// <param name="beta">The LayerNorm's shift.</param>
    /// <param name="pool">Threads to split the tokens over, or null for the calling thread only.</param>
    public static void SumAndNormalize(
        delegate* managed<float*, float*, float*, float*, void> sumRow, delegate* managed<float*, int, float*, float*, void> layerNormRows,
        float* output, int* ids, int* types, int tokens, int sequence, int width, float* words, float* positions, float* tokenTypes,
        float* gamma, float* beta, ComputePool? pool)
    {
        if (sumRow == null || layerNormRows == null || output == null || ids == null || types == null || words == null || positions == null
            || tokenTypes == null || gamma == null || beta == null || tokens < 0 || sequence < 1 || width < 1)
        {
            throw new ArgumentException($"Embeddings need both row kernels, non-null tables and rows, tokens ≥ 0, sequence ≥ 1 and width ≥ 1; got {tokens} tokens, sequence {sequence}, width {width}.");
        }

        var work = new Operands
        {
            SumRow = sumRow, LayerNormRows = layerNormRows, Output = output, Ids = ids, Types = types, Sequence = sequence, Width = width,
            Words = words, Positions = positions, TokenTypes = tokenTypes, Gamma = gamma, Beta = beta,
        };
        ParallelRanges.Run(pool, tokens, 1, Math.Max(1, LayerNormKernels.MinimumFloatsPerPart / width), &Rows, &work);
    }

    private static void Rows(void* state, long begin, long end)
    {
        var work = (Operands*)state;
        long width = work->Width;
        for (long t = begin; t < end; t++)
        {
            float* row = work->Output + (t * width);
            work->SumRow(row, work->Words + (work->Ids[t] * width), work->Positions + (t % work->Sequence * width), work->TokenTypes + (work->Types[t] * width));
            work->LayerNormRows(row, 1, work->Gamma, work->Beta);
        }
    }

    // What a chunk of tokens needs; lives on the dispatching thread's stack during the call.
    private struct Operands
    {
        public delegate* managed<float*, float*, float*, float*, void> SumRow;
        public delegate* managed<float*, int, float*, float*, void> LayerNormRows;
        public float* Output;
        public int* Ids;
        public int* Types;
        public int Sequence;
        public int Width;
        public float* Words;
        public float* Positions;
        public float* TokenTypes;
        public float* Gamma;
        public float* Beta;
    }
}
