using System;
using BertGen.Runtime.Training;
using BertGen.Text;

namespace BertGen.Training;

/// <summary>
/// A held-out pretraining set for evaluation: the first <see cref="BatchCount"/> batches of a stream over held-out
/// documents, drawn once and kept, so every evaluation scores exactly the same masked positions and pairs (as the
/// original BERT's <c>max_eval_steps</c> over a fixed eval file does).
/// </summary>
public sealed class PretrainingEvaluationSource : IEvaluationBatchSource
{
    private readonly TrainingBatch[] _batches;
    private readonly bool _nextSentenceLabels;

    /// <param name="stream">A stream over held-out data (not the training stream: it is advanced here).</param>
    /// <param name="batchCount">Batches to keep; at most one epoch of the stream, so none repeats.</param>
    /// <param name="nextSentenceLabels">Whether the batches carry next-sentence labels (false for a masked-LM-only model).</param>
    public PretrainingEvaluationSource(PretrainingBatchStream stream, int batchCount, bool nextSentenceLabels = true)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (batchCount < 1 || batchCount > stream.BatchesPerEpoch)
        {
            throw new TrainingException($"an evaluation set of {batchCount} batches is not in [1, {stream.BatchesPerEpoch}] (one epoch of the held-out stream)");
        }

        _nextSentenceLabels = nextSentenceLabels;
        PretrainingBatch scratch = stream.CreateBatch();
        BatchSize = scratch.BatchSize;
        SequenceLength = scratch.SequenceLength;
        MaxPredictions = scratch.MaxPredictions;
        _batches = new TrainingBatch[batchCount];
        for (int i = 0; i < batchCount; i++)
        {
            stream.Next(scratch);
            _batches[i] = CreateBatch();
            PretrainingBatchLayout.Copy(scratch, _batches[i]);
        }
    }

    public int BatchSize { get; }

    public int SequenceLength { get; }

    public int MaxPredictions { get; }

    public int BatchCount => _batches.Length;

    public TrainingBatch CreateBatch() => PretrainingBatchLayout.Create(BatchSize, SequenceLength, MaxPredictions, _nextSentenceLabels);

    public void Fill(int index, TrainingBatch batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, BatchCount);
        ArgumentNullException.ThrowIfNull(batch);
        TrainingBatch source = _batches[index];
        if (batch.InputIds.Length != source.InputIds.Length || batch.AttentionMask.Length != source.AttentionMask.Length || batch.TokenTypeIds.Length != source.TokenTypeIds.Length
            || batch.MaskedLmPositions.Length != source.MaskedLmPositions.Length || batch.MaskedLmIds.Length != source.MaskedLmIds.Length
            || batch.MaskedLmWeights.Length != source.MaskedLmWeights.Length || batch.NextSentenceLabels.Length != source.NextSentenceLabels.Length)
        {
            throw new TrainingException($"a training batch of {batch.InputIds.Length} tokens, {batch.MaskedLmPositions.Length} predictions and {batch.NextSentenceLabels.Length} rows cannot hold this evaluation set's batches of B={BatchSize}, S={SequenceLength}, P={MaxPredictions}");
        }

        source.InputIds.CopyTo(batch.InputIds, 0);
        source.AttentionMask.CopyTo(batch.AttentionMask, 0);
        source.TokenTypeIds.CopyTo(batch.TokenTypeIds, 0);
        source.MaskedLmPositions.CopyTo(batch.MaskedLmPositions, 0);
        source.MaskedLmIds.CopyTo(batch.MaskedLmIds, 0);
        source.MaskedLmWeights.CopyTo(batch.MaskedLmWeights, 0);
        source.NextSentenceLabels.CopyTo(batch.NextSentenceLabels, 0);
    }
}
