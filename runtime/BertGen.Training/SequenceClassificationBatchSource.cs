using System;
using System.Collections.Generic;
using BertGen.Runtime.Training;
using BertGen.Text;

namespace BertGen.Training;

/// <summary>A <see cref="SequenceClassificationBatchStream"/> as the trainer's source of fine-tuning micro-batches.</summary>
public sealed class SequenceClassificationBatchSource : ITrainingBatchSource
{
    private readonly SequenceClassificationBatchStream _stream;
    private readonly SequenceClassificationBatch _scratch;

    public SequenceClassificationBatchSource(SequenceClassificationBatchStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _scratch = stream.CreateBatch();
    }

    public int BatchSize => _scratch.BatchSize;

    public int SequenceLength => _scratch.SequenceLength;

    /// <summary>The data set's label names, which the trainer checks <see cref="TrainerOptions.LabelNames"/> against.</summary>
    public IReadOnlyList<string> LabelNames => _stream.LabelNames;

    public int Epoch => _stream.Epoch;

    public TrainingBatch CreateBatch() => SequenceClassificationBatchLayout.Create(BatchSize, SequenceLength);

    public void Next(TrainingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        // Before the stream moves: a batch that cannot take the examples lost them from the run.
        SequenceClassificationBatchLayout.RequireHolds(_scratch, batch);
        _stream.Next(_scratch);
        SequenceClassificationBatchLayout.Copy(_scratch, batch);
    }

    public void Skip() => _stream.Skip();

    public byte[] SaveState() => StreamStateCodec.Encode(_stream.SaveState());

    /// <exception cref="TrainingException">The bytes are not this kind of stream's position, or the position is of other
    /// data (another number of examples, or as many with other content).</exception>
    public void RestoreState(ReadOnlySpan<byte> state)
    {
        SequenceClassificationStreamState decoded = StreamStateCodec.DecodeClassification(state);
        StreamStateCodec.Restore(() => _stream.RestoreState(decoded));
    }
}
