using System;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace BertGen.Runtime.Training;

/// <summary>
/// One fixed-shape batch with the labels of whichever objective the model trains, as the original BERT
/// features name them. Arrays not used by the objective may be empty.
/// </summary>
public sealed class TrainingBatch
{
    /// <summary>[B·S] token ids.</summary>
    public required int[] InputIds { get; init; }

    /// <summary>[B·S] 1 = token, 0 = padding.</summary>
    public required int[] AttentionMask { get; init; }

    /// <summary>[B·S] segment ids.</summary>
    public required int[] TokenTypeIds { get; init; }

    /// <summary>[B·P] positions (within the sequence) of masked tokens; padding entries 0.</summary>
    public int[] MaskedLmPositions { get; init; } = System.Array.Empty<int>();

    /// <summary>[B·P] original token ids at those positions.</summary>
    public int[] MaskedLmIds { get; init; } = System.Array.Empty<int>();

    /// <summary>[B·P] 1.0 for a real prediction, 0.0 for padding.</summary>
    public float[] MaskedLmWeights { get; init; } = System.Array.Empty<float>();

    /// <summary>[B] 0 = B follows A, 1 = random.</summary>
    public int[] NextSentenceLabels { get; init; } = System.Array.Empty<int>();

    /// <summary>[B] class ids (single-label classification); −100 = ignore (padding rows of an evaluation batch), as torch's cross-entropy.</summary>
    public int[] ClassLabels { get; init; } = System.Array.Empty<int>();

    /// <summary>[B·Labels] targets for multi-label (0/1) or [B] for regression.</summary>
    public float[] Targets { get; init; } = System.Array.Empty<float>();

    /// <summary>[B·S] token-classification labels, −100 = ignore.</summary>
    public int[] TokenLabels { get; init; } = System.Array.Empty<int>();

    /// <summary>[B] answer start positions (question answering).</summary>
    public int[] StartPositions { get; init; } = System.Array.Empty<int>();

    /// <summary>[B] answer end positions (question answering).</summary>
    public int[] EndPositions { get; init; } = System.Array.Empty<int>();

    /// <summary>Adds every array of the batch, in declaration order, to <paramref name="hash"/>: two batches that hash alike hold the same content.</summary>
    internal void AppendContent(IncrementalHash hash)
    {
        Append(InputIds);
        Append(AttentionMask);
        Append(TokenTypeIds);
        Append(MaskedLmPositions);
        Append(MaskedLmIds);
        Append(MaskedLmWeights);
        Append(NextSentenceLabels);
        Append(ClassLabels);
        Append(Targets);
        Append(TokenLabels);
        Append(StartPositions);
        Append(EndPositions);

        void Append<T>(T[] values) where T : unmanaged => hash.AppendData(MemoryMarshal.AsBytes(values.AsSpan()));
    }
}
