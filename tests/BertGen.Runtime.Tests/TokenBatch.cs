using System;
using System.Collections.Generic;

namespace BertGen.Runtime.Tests;

/// <summary>Sequences of token ids padded to the longest one, with the attention mask and token types.</summary>
public sealed class TokenBatch
{
    public TokenBatch(IReadOnlyList<(IReadOnlyList<int> Ids, IReadOnlyList<int> Types)> sequences)
    {
        Batch = sequences.Count;
        foreach ((IReadOnlyList<int> ids, _) in sequences)
        {
            Sequence = Math.Max(Sequence, ids.Count);
        }

        Lengths = new int[Batch];
        InputIds = new long[Batch * Sequence];
        AttentionMask = new long[Batch * Sequence];
        TokenTypeIds = new long[Batch * Sequence];
        for (int b = 0; b < Batch; b++)
        {
            (IReadOnlyList<int> ids, IReadOnlyList<int> types) = sequences[b];
            Lengths[b] = ids.Count;
            for (int s = 0; s < ids.Count; s++)
            {
                InputIds[(b * Sequence) + s] = ids[s];
                AttentionMask[(b * Sequence) + s] = 1;
                TokenTypeIds[(b * Sequence) + s] = types[s];
            }

            // Padding: [PAD] = 0, mask 0, type 0, as HuggingFace tokenizers pad.
        }
    }

    public int Batch { get; }

    public int Sequence { get; }

    public int[] Lengths { get; }

    public long[] InputIds { get; }

    public long[] AttentionMask { get; }

    public long[] TokenTypeIds { get; }
}
