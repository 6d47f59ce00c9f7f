using System;
using BertGen.Runtime.Training;
using BertGen.Text;

namespace BertGen.Training;

/// <summary>
/// Copies a <see cref="SequenceClassificationBatch"/> into a <see cref="TrainingBatch"/>. A padding row (example weight
/// 0) gets class label −100, the ignore index of torch's cross-entropy, which the training step skips in its loss
/// and counts: <see cref="TrainingBatch"/> has no per-row weight, and this keeps the evaluation exact.
/// </summary>
internal static class SequenceClassificationBatchLayout
{
    public const int IgnoredLabel = -100;

    public static TrainingBatch Create(int batchSize, int sequenceLength) => new()
    {
        InputIds = new int[batchSize * sequenceLength],
        AttentionMask = new int[batchSize * sequenceLength],
        TokenTypeIds = new int[batchSize * sequenceLength],
        ClassLabels = new int[batchSize],
    };

    /// <summary>Throws unless <paramref name="destination"/> (made by the source's <c>CreateBatch</c>) can take <paramref name="source"/>'s batches.</summary>
    public static void RequireHolds(SequenceClassificationBatch source, TrainingBatch destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.InputIds.Length != source.InputIds.Length || destination.AttentionMask.Length != source.InputIds.Length
            || destination.TokenTypeIds.Length != source.InputIds.Length || destination.ClassLabels.Length != source.BatchSize)
        {
            throw new TrainingException($"a training batch of {destination.InputIds.Length} tokens and {destination.ClassLabels.Length} labels cannot hold a classification batch of B={source.BatchSize}, S={source.SequenceLength}");
        }
    }

    public static void Copy(SequenceClassificationBatch source, TrainingBatch destination)
    {
        RequireHolds(source, destination);
        source.InputIds.CopyTo(destination.InputIds, 0);
        source.InputMask.CopyTo(destination.AttentionMask, 0);
        source.SegmentIds.CopyTo(destination.TokenTypeIds, 0);
        for (int row = 0; row < source.BatchSize; row++)
        {
            destination.ClassLabels[row] = source.ExampleWeights[row] > 0 ? source.Labels[row] : IgnoredLabel;
        }
    }
}
