using System;

namespace BertGen.Text;

/// <summary>
/// A fixed-shape pretraining batch, row-major: batch B, sequence S, predictions P. Padding positions have
/// id 0 (<c>[PAD]</c>), mask 0 and segment 0; padding prediction slots have position 0, id 0, weight 0.
/// </summary>
public sealed class PretrainingBatch
{
    public PretrainingBatch(int batchSize, int sequenceLength, int maxPredictions)
    {
        if (batchSize < 1 || sequenceLength < 1 || maxPredictions < 1)
        {
            throw new TextDataException($"Batch shape B={batchSize}, S={sequenceLength}, P={maxPredictions} must be positive.");
        }

        // B × S or B × P wrapped around in int, giving a batch shorter than its shape.
        if ((long)batchSize * Math.Max(sequenceLength, maxPredictions) > Array.MaxLength)
        {
            throw new TextDataException($"Batch shape B={batchSize}, S={sequenceLength}, P={maxPredictions} is too large: its tokens do not fit in one array.");
        }

        BatchSize = batchSize;
        SequenceLength = sequenceLength;
        MaxPredictions = maxPredictions;
        InputIds = new int[batchSize * sequenceLength];
        InputMask = new int[batchSize * sequenceLength];
        SegmentIds = new int[batchSize * sequenceLength];
        MaskedLmPositions = new int[batchSize * maxPredictions];
        MaskedLmIds = new int[batchSize * maxPredictions];
        MaskedLmWeights = new float[batchSize * maxPredictions];
        NextSentenceLabels = new int[batchSize];
    }

    public int BatchSize { get; }
    public int SequenceLength { get; }
    public int MaxPredictions { get; }

    /// <summary>[B, S] token ids after masking.</summary>
    public int[] InputIds { get; }

    /// <summary>[B, S] 1 for real tokens, 0 for padding.</summary>
    public int[] InputMask { get; }

    /// <summary>[B, S] 0 for [CLS] A [SEP], 1 for B [SEP], 0 for padding.</summary>
    public int[] SegmentIds { get; }

    /// <summary>[B, P] positions (within the row) of the masked tokens, ascending.</summary>
    public int[] MaskedLmPositions { get; }

    /// <summary>[B, P] original ids at those positions (the MLM targets).</summary>
    public int[] MaskedLmIds { get; }

    /// <summary>[B, P] 1.0 for a real prediction, 0.0 for a padding slot.</summary>
    public float[] MaskedLmWeights { get; }

    /// <summary>[B] 0 when B follows A in the text, 1 when B is random.</summary>
    public int[] NextSentenceLabels { get; }

    /// <summary>Writes <paramref name="instance"/> into row <paramref name="row"/>, padding the rest of the row.</summary>
    public void SetRow(int row, PretrainingInstance instance)
    {
        if ((uint)row >= (uint)BatchSize)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"The batch has {BatchSize} rows.");
        }

        int length = instance.InputIds.Count;
        int predictions = instance.MaskedLmPositions.Count;
        if (length > SequenceLength || predictions > MaxPredictions)
        {
            throw new TextDataException($"Instance of {length} tokens and {predictions} predictions does not fit a batch of S={SequenceLength}, P={MaxPredictions}.");
        }

        Span<int> ids = InputIds.AsSpan(row * SequenceLength, SequenceLength);
        Span<int> mask = InputMask.AsSpan(row * SequenceLength, SequenceLength);
        Span<int> segments = SegmentIds.AsSpan(row * SequenceLength, SequenceLength);
        ids.Clear();
        mask.Clear();
        segments.Clear();
        for (int t = 0; t < length; t++)
        {
            ids[t] = instance.InputIds[t];
            mask[t] = 1;
            segments[t] = instance.SegmentIds[t];
        }

        Span<int> positions = MaskedLmPositions.AsSpan(row * MaxPredictions, MaxPredictions);
        Span<int> labels = MaskedLmIds.AsSpan(row * MaxPredictions, MaxPredictions);
        Span<float> weights = MaskedLmWeights.AsSpan(row * MaxPredictions, MaxPredictions);
        positions.Clear();
        labels.Clear();
        weights.Clear();
        for (int p = 0; p < predictions; p++)
        {
            positions[p] = instance.MaskedLmPositions[p];
            labels[p] = instance.MaskedLmLabels[p];
            weights[p] = 1.0f;
        }

        NextSentenceLabels[row] = instance.IsRandomNext ? 1 : 0;
    }
}
