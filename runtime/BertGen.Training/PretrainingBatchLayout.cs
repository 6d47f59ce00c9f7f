using System;
using BertGen.Runtime.Training;
using BertGen.Text;

namespace BertGen.Training;

/// <summary>
/// Copies a <see cref="PretrainingBatch"/> into a <see cref="TrainingBatch"/> of the same shape, field by field; the
/// next-sentence labels only for a model that trains on them (a masked-LM-only model refuses a batch that has them).
/// </summary>
internal static class PretrainingBatchLayout
{
    public static TrainingBatch Create(int batchSize, int sequenceLength, int maxPredictions, bool nextSentenceLabels) => new()
    {
        InputIds = new int[batchSize * sequenceLength],
        AttentionMask = new int[batchSize * sequenceLength],
        TokenTypeIds = new int[batchSize * sequenceLength],
        MaskedLmPositions = new int[batchSize * maxPredictions],
        MaskedLmIds = new int[batchSize * maxPredictions],
        MaskedLmWeights = new float[batchSize * maxPredictions],
        NextSentenceLabels = nextSentenceLabels ? new int[batchSize] : System.Array.Empty<int>(),
    };

    /// <summary>Throws unless <paramref name="destination"/> (made by the source's <c>CreateBatch</c>) can take batches of <paramref name="source"/>'s shape.</summary>
    public static void RequireHolds(PretrainingBatch source, TrainingBatch destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        int tokens = source.InputIds.Length, predictions = source.MaskedLmPositions.Length;
        if (destination.InputIds.Length != tokens || destination.AttentionMask.Length != tokens || destination.TokenTypeIds.Length != tokens
            || destination.MaskedLmPositions.Length != predictions || destination.MaskedLmIds.Length != predictions || destination.MaskedLmWeights.Length != predictions
            || (destination.NextSentenceLabels.Length != 0 && destination.NextSentenceLabels.Length != source.NextSentenceLabels.Length))
        {
            throw new TrainingException($"a training batch of {destination.InputIds.Length} tokens, {destination.MaskedLmPositions.Length} predictions and {destination.NextSentenceLabels.Length} rows cannot hold a pretraining batch of B={source.BatchSize}, S={source.SequenceLength}, P={source.MaxPredictions}");
        }
    }

    public static void Copy(PretrainingBatch source, TrainingBatch destination)
    {
        RequireHolds(source, destination);
        source.InputIds.CopyTo(destination.InputIds, 0);
        source.InputMask.CopyTo(destination.AttentionMask, 0);
        source.SegmentIds.CopyTo(destination.TokenTypeIds, 0);
        source.MaskedLmPositions.CopyTo(destination.MaskedLmPositions, 0);
        source.MaskedLmIds.CopyTo(destination.MaskedLmIds, 0);
        source.MaskedLmWeights.CopyTo(destination.MaskedLmWeights, 0);
        if (destination.NextSentenceLabels.Length != 0)
        {
            source.NextSentenceLabels.CopyTo(destination.NextSentenceLabels, 0);
        }
    }
}
