using System;
using BertGen.Runtime.Training;
using BertGen.Text;

namespace BertGen.Training;

/// <summary>A <see cref="PretrainingBatchStream"/> as the trainer's source of MLM + NSP micro-batches.</summary>
public sealed class PretrainingBatchSource : ITrainingBatchSource
{
    private readonly PretrainingBatchStream _stream;
    private readonly PretrainingBatch _scratch;
    private readonly bool _nextSentenceLabels;

    /// <param name="stream">The pretraining examples.</param>
    /// <param name="nextSentenceLabels">Whether the batches carry next-sentence labels: true for a model with the
    /// pretraining head, false for a masked-LM-only one (<c>model.Objective == TrainingObjective.Pretraining</c>).</param>
    public PretrainingBatchSource(PretrainingBatchStream stream, bool nextSentenceLabels = true)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _scratch = stream.CreateBatch();
        _nextSentenceLabels = nextSentenceLabels;
    }

    public int BatchSize => _scratch.BatchSize;

    public int SequenceLength => _scratch.SequenceLength;

    public int MaxPredictions => _scratch.MaxPredictions;

    public int Epoch => _stream.Epoch;

    public TrainingBatch CreateBatch() => PretrainingBatchLayout.Create(BatchSize, SequenceLength, MaxPredictions, _nextSentenceLabels);

    public void Next(TrainingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        // Before the stream moves: a batch that cannot take the instances lost them from the run.
        PretrainingBatchLayout.RequireHolds(_scratch, batch);
        _stream.Next(_scratch);
        PretrainingBatchLayout.Copy(_scratch, batch);
    }

    public void Skip() => _stream.Skip();

    public byte[] SaveState() => StreamStateCodec.Encode(_stream.SaveState());

    /// <exception cref="TrainingException">The bytes are not this kind of stream's position, or the position is of other
    /// data (another number of examples, or as many with other content).</exception>
    public void RestoreState(ReadOnlySpan<byte> state)
    {
        PretrainingStreamState decoded = StreamStateCodec.DecodePretraining(state);
        StreamStateCodec.Restore(() => _stream.RestoreState(decoded));
    }
}
