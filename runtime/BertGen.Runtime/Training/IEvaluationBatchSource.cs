using System.Collections.Generic;

namespace BertGen.Runtime.Training;

/// <summary>
/// A fixed, finite held-out set in fixed-shape batches, visited in order by every evaluation. Padding rows of a
/// last partial batch must not be scored: their labels carry the ignore value the objective defines
/// (−100 for class and token labels, weight 0 for masked-LM slots). In a data-parallel group each rank scores its share
/// of the batches, so every rank's must be rank 0's: the trainer fills them all once as it starts, to compare.
/// </summary>
public interface IEvaluationBatchSource
{
    int BatchSize { get; }

    int SequenceLength { get; }

    /// <summary>Batches in one full pass.</summary>
    int BatchCount { get; }

    /// <summary>A batch with arrays of this source's shape.</summary>
    TrainingBatch CreateBatch();

    /// <summary>What each class label of the batches means, in class-id order, or null when the source does not name them
    /// (see <see cref="ITrainingBatchSource.LabelNames"/>): held-out data that numbers the classes otherwise is refused.</summary>
    IReadOnlyList<string>? LabelNames => null;

    /// <summary>Fills <paramref name="batch"/> with batch <paramref name="index"/> of the pass.</summary>
    void Fill(int index, TrainingBatch batch);
}
