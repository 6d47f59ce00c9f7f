using System;
using System.Collections.Generic;
using BertGen.Runtime.Training;
using BertGen.Text;

namespace BertGen.Training;

/// <summary>
/// Every example of a <see cref="SequenceClassificationDataset"/> once, in file order; the last batch's padding rows
/// carry label −100 so they are not scored.
/// </summary>
public sealed class SequenceClassificationEvaluationSource : IEvaluationBatchSource
{
    private readonly SequenceClassificationDataset _dataset;
    private readonly SequenceClassificationBatch _scratch;

    public SequenceClassificationEvaluationSource(SequenceClassificationDataset dataset, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.Count == 0)
        {
            throw new TrainingException("the evaluation dataset has no examples");
        }

        _dataset = dataset;
        _scratch = dataset.CreateBatch(batchSize);
    }

    public int BatchSize => _scratch.BatchSize;

    public int SequenceLength => _scratch.SequenceLength;

    /// <summary>The data set's label names, which the trainer checks <see cref="TrainerOptions.LabelNames"/> against.</summary>
    public IReadOnlyList<string> LabelNames => _dataset.LabelNames;

    public int BatchCount => _dataset.EvaluationBatchCount(BatchSize);

    public TrainingBatch CreateBatch() => SequenceClassificationBatchLayout.Create(BatchSize, SequenceLength);

    public void Fill(int index, TrainingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        SequenceClassificationBatchLayout.RequireHolds(_scratch, batch);
        _dataset.FillEvaluationBatch(_scratch, index);
        SequenceClassificationBatchLayout.Copy(_scratch, batch);
    }
}
