using System;

namespace BertGen.Text;

/// <summary>
/// A fixed-shape sequence-classification batch, row-major [B, S]. Rows past the end of an evaluation set
/// are padding: all zeros with <see cref="ExampleWeights"/> 0, so metrics can ignore them.
/// </summary>
public sealed class SequenceClassificationBatch
{
    public SequenceClassificationBatch(int batchSize, int sequenceLength)
    {
        if (batchSize < 1 || sequenceLength < 1)
        {
            throw new TextDataException($"Batch shape B={batchSize}, S={sequenceLength} must be positive.");
        }

        // B × S wrapped around in int: 65,536 × 65,537 made arrays of 65,536 tokens, a batch shorter than its shape.
        if ((long)batchSize * sequenceLength > Array.MaxLength)
        {
            throw new TextDataException($"Batch shape B={batchSize}, S={sequenceLength} is too large: its {(long)batchSize * sequenceLength} tokens do not fit in one array.");
        }

        BatchSize = batchSize;
        SequenceLength = sequenceLength;
        InputIds = new int[batchSize * sequenceLength];
        InputMask = new int[batchSize * sequenceLength];
        SegmentIds = new int[batchSize * sequenceLength];
        Labels = new int[batchSize];
        ExampleWeights = new float[batchSize];
    }

    public int BatchSize { get; }
    public int SequenceLength { get; }
    public int[] InputIds { get; }
    public int[] InputMask { get; }
    public int[] SegmentIds { get; }

    /// <summary>[B] label index (position in the dataset's label names).</summary>
    public int[] Labels { get; }

    /// <summary>[B] 1.0 for a real example, 0.0 for a padding row.</summary>
    public float[] ExampleWeights { get; }

    /// <summary>Number of real (weight 1) rows; they come first.</summary>
    public int RealCount { get; internal set; }

    internal void SetRow(int row, EncodedInput input, int label)
    {
        Span<int> ids = InputIds.AsSpan(row * SequenceLength, SequenceLength);
        Span<int> mask = InputMask.AsSpan(row * SequenceLength, SequenceLength);
        Span<int> segments = SegmentIds.AsSpan(row * SequenceLength, SequenceLength);
        ids.Clear();
        mask.Clear();
        segments.Clear();
        for (int t = 0; t < input.InputIds.Count; t++)
        {
            ids[t] = input.InputIds[t];
            mask[t] = 1;
            segments[t] = input.SegmentIds[t];
        }

        Labels[row] = label;
        ExampleWeights[row] = 1.0f;
    }

    internal void ClearRow(int row)
    {
        InputIds.AsSpan(row * SequenceLength, SequenceLength).Clear();
        InputMask.AsSpan(row * SequenceLength, SequenceLength).Clear();
        SegmentIds.AsSpan(row * SequenceLength, SequenceLength).Clear();
        Labels[row] = 0;
        ExampleWeights[row] = 0.0f;
    }
}
