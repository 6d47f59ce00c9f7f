using System;
using BertGen.Runtime.Training;
using BertGen.Text;

namespace BertGen.Training;

/// <summary>A <see cref="PretrainingBatchStream"/> as the trainer's source of MLM + NSP micro-batches.</summary>
public sealed class PretrainingBatchSource : ITrainingBatchSource
{
    private readonly PretrainingBatchStream _stream;
    private readonly PretrainingBatch _scratch;

    public PretrainingBatchSource(PretrainingBatchStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _scratch = stream.CreateBatch();
    }

    public int BatchSize => _scratch.BatchSize;

    public int SequenceLength => _scratch.SequenceLength;

    public int MaxPredictions => _scratch.MaxPredictions;

    public int Epoch => _stream.Epoch;

    public TrainingBatch CreateBatch() => PretrainingBatchLayout.Create(BatchSize, SequenceLength, MaxPredictions);

    public void Next(TrainingBatch batch)
    {
        _stream.Next(_scratch);
        PretrainingBatchLayout.Copy(_scratch, batch);
    }

    public void Skip() => _stream.Skip();

    public byte[] SaveState() => StreamStateCodec.Encode(_stream.SaveState());

    public void RestoreState(ReadOnlySpan<byte> state) => _stream.RestoreState(StreamStateCodec.DecodePretraining(state));
}
