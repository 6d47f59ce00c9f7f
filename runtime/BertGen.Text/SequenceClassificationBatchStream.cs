using System;

namespace BertGen.Text;

/// <summary>Where a <see cref="SequenceClassificationBatchStream"/> is, for exact resume.</summary>
public readonly record struct SequenceClassificationStreamState(int Epoch, int BatchInEpoch, Xoshiro256State EpochStartRng, int ExampleCount);

/// <summary>
/// Endless training batches: each epoch visits the examples in a new seeded shuffled order; the last
/// partial batch of an epoch is dropped so every batch has the same shape.
/// </summary>
public sealed class SequenceClassificationBatchStream
{
    private readonly SequenceClassificationDataset _dataset;
    private readonly Xoshiro256StarStar _rng;
    private readonly int[] _order;
    private Xoshiro256State _epochStartRng;

    public SequenceClassificationBatchStream(SequenceClassificationDataset dataset, int batchSize, ulong seed)
    {
        if (batchSize < 1)
        {
            throw new TextDataException($"a batch holds at least 1 example; got a batch size of {batchSize}");
        }

        if (batchSize > dataset.Count)
        {
            throw new TextDataException($"the data set has {dataset.Count} example(s), fewer than one batch of {batchSize}: use a smaller batch or more examples");
        }

        _dataset = dataset;
        BatchSize = batchSize;
        _rng = new Xoshiro256StarStar(seed);
        _order = new int[dataset.Count];
        BeginEpoch(0);
    }

    // A fork: the same examples (shared, never written after they are tokenised), its own order, generator and place.
    private SequenceClassificationBatchStream(SequenceClassificationBatchStream source)
    {
        _dataset = source._dataset;
        BatchSize = source.BatchSize;
        _rng = new Xoshiro256StarStar(source._epochStartRng);
        _order = new int[_dataset.Count];
        RestoreState(source.SaveState());
    }

    /// <summary>
    /// Another stream over this one's examples, without tokenising them again, in this one's state: it gives the same
    /// batches this one would give next, and the two advance independently. Data-parallel replicas in one process each
    /// take a fork of one stream instead of each reading and tokenising the labelled file.
    /// </summary>
    public SequenceClassificationBatchStream Fork() => new(this);

    public int BatchSize { get; }
    public int BatchesPerEpoch => _dataset.Count / BatchSize;
    public int Epoch { get; private set; }
    public int BatchInEpoch { get; private set; }

    public SequenceClassificationBatch CreateBatch() => _dataset.CreateBatch(BatchSize);

    public void Next(SequenceClassificationBatch batch)
    {
        if (batch.BatchSize != BatchSize)
        {
            throw new TextDataException($"Batch size {batch.BatchSize} differs from the stream's {BatchSize}.");
        }

        if (BatchInEpoch == BatchesPerEpoch)
        {
            BeginEpoch(Epoch + 1);
        }

        _dataset.FillRows(batch, _order.AsSpan(BatchInEpoch * BatchSize, BatchSize));
        BatchInEpoch++;
    }

    /// <summary>Moves past the next batch without filling one: the stream then continues exactly as after <see cref="Next"/>.</summary>
    public void Skip()
    {
        if (BatchInEpoch == BatchesPerEpoch)
        {
            BeginEpoch(Epoch + 1);
        }

        BatchInEpoch++;
    }

    public SequenceClassificationStreamState SaveState() => new(Epoch, BatchInEpoch, _epochStartRng, _dataset.Count);

    public void RestoreState(SequenceClassificationStreamState state)
    {
        if (state.ExampleCount != _dataset.Count || state.BatchInEpoch < 0 || state.BatchInEpoch > BatchesPerEpoch || state.Epoch < 0)
        {
            throw new TextDataException($"Saved stream state (epoch {state.Epoch}, batch {state.BatchInEpoch}, {state.ExampleCount} examples) does not fit this stream ({_dataset.Count} examples, {BatchesPerEpoch} batches per epoch).");
        }

        // The shuffle is the only use of the generator, so replaying it from the epoch's start restores everything.
        _rng.Restore(state.EpochStartRng);
        BeginEpoch(state.Epoch);
        BatchInEpoch = state.BatchInEpoch;
    }

    private void BeginEpoch(int epoch)
    {
        _epochStartRng = _rng.State;
        _rng.Permutation(_order);
        Epoch = epoch;
        BatchInEpoch = 0;
    }
}
