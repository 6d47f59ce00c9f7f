using System;
using System.Collections.Generic;

namespace BertGen.Runtime.Training;

/// <summary>
/// An endless stream of fixed-shape training micro-batches that can save and restore its position exactly, so a
/// resumed run sees the same batches an uninterrupted one would. Adapters over BertGen.Text's streams live in
/// BertGen.Training (this runtime does not depend on the text layer).
/// </summary>
public interface ITrainingBatchSource
{
    /// <summary>Sequences per micro-batch.</summary>
    int BatchSize { get; }

    int SequenceLength { get; }

    /// <summary>Passes over the data completed or begun (for reports; the saved state is authoritative).</summary>
    int Epoch { get; }

    /// <summary>A batch with arrays of this source's shape, to be filled by <see cref="Next"/>.</summary>
    TrainingBatch CreateBatch();

    /// <summary>Fills <paramref name="batch"/> (made by <see cref="CreateBatch"/>) with the next micro-batch.</summary>
    void Next(TrainingBatch batch);

    /// <summary>
    /// Moves past the next micro-batch without filling one: data-parallel processes share one stream, each taking
    /// every N-th micro-batch and skipping the others'. What follows must be exactly what follows a <see cref="Next"/>.
    /// This default fills a throw-away batch; sources override it with something cheaper.
    /// </summary>
    void Skip() => Next(CreateBatch());

    /// <summary>
    /// What each class label of the batches means, in class-id order (label i is <c>LabelNames[i]</c>), or null when the
    /// source does not name them. Named, the trainer checks <see cref="TrainerOptions.LabelNames"/> against them and, when
    /// those are not given, records these in its checkpoints.
    /// </summary>
    IReadOnlyList<string>? LabelNames => null;

    /// <summary>The position, as bytes the checkpoint stores opaquely.</summary>
    byte[] SaveState();

    /// <summary>Continues from a position <see cref="SaveState"/> returned; throws if it was another source's.</summary>
    void RestoreState(ReadOnlySpan<byte> state);
}
