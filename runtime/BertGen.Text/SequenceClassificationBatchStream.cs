using System;
using System.Collections.Generic;
using System.Globalization;

namespace BertGen.Text;

/// <summary>
/// Where a <see cref="SequenceClassificationBatchStream"/> is, for exact resume. <see cref="ExampleCount"/> and
/// <see cref="ContentFingerprint"/> guard against restoring into a stream over other examples; a state saved before
/// fingerprints were recorded has none and is checked by its count alone.
/// </summary>
public readonly record struct SequenceClassificationStreamState(int Epoch, int BatchInEpoch, Xoshiro256State EpochStartRng, int ExampleCount, ulong? ContentFingerprint);

/// <summary>
/// Endless training batches: each epoch visits the examples in a new seeded shuffled order; the last
/// partial batch of an epoch is dropped so every batch has the same shape.
/// </summary>
public sealed class SequenceClassificationBatchStream
{
    private readonly SequenceClassificationDataset _dataset;
    private readonly Xoshiro256StarStar _rng;
    private readonly int[] _order;
    private readonly string _source;
    private Xoshiro256State _epochStartRng;

    /// <summary>
    /// Batches of <paramref name="batchSize"/> from <paramref name="dataset"/> (named <paramref name="source"/> in errors,
    /// e.g. its file, quoted), in an order drawn from <paramref name="seed"/>.
    /// </summary>
    public SequenceClassificationBatchStream(SequenceClassificationDataset dataset, int batchSize, ulong seed, string source = "the data set")
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (batchSize < 1)
        {
            throw new TextDataException($"a batch holds at least 1 example; got a batch size of {batchSize}");
        }

        if (batchSize > dataset.Count)
        {
            throw new TextDataException($"the data set has {dataset.Count} example(s), fewer than one batch of {batchSize}: use a smaller batch or more examples");
        }

        _dataset = dataset;
        _source = source;
        ContentFingerprint = Fingerprint(dataset);
        BatchSize = batchSize;
        _rng = new Xoshiro256StarStar(seed);
        _order = new int[dataset.Count];
        BeginEpoch(0);
    }

    // A fork: the same examples (shared, never written after they are tokenised), its own order, generator and place.
    private SequenceClassificationBatchStream(SequenceClassificationBatchStream source)
    {
        _dataset = source._dataset;
        _source = source._source;
        ContentFingerprint = source.ContentFingerprint;
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

    /// <summary>The data set's label names: label i of every batch is <c>LabelNames[i]</c>.</summary>
    public IReadOnlyList<string> LabelNames => _dataset.LabelNames;
    public int BatchesPerEpoch => _dataset.Count / BatchSize;
    public int Epoch { get; private set; }
    public int BatchInEpoch { get; private set; }

    /// <summary>
    /// A 64-bit digest of what the batches are made of (every example's tokens, segments and label, in file order).
    /// Saved with the stream's position, it tells a resume over another file of as many examples from one over this file.
    /// </summary>
    public ulong ContentFingerprint { get; }

    public SequenceClassificationBatch CreateBatch() => _dataset.CreateBatch(BatchSize);

    public void Next(SequenceClassificationBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.BatchSize != BatchSize)
        {
            throw new TextDataException($"Batch size {batch.BatchSize} differs from the stream's {BatchSize}.");
        }

        // Here, not when the rows are filled: at an epoch's end the stream had begun the next one by then.
        if (batch.SequenceLength != _dataset.SequenceLength)
        {
            throw new TextDataException($"Batch sequence length {batch.SequenceLength} differs from the dataset's {_dataset.SequenceLength}.");
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

    private static ulong Fingerprint(SequenceClassificationDataset dataset)
    {
        var fingerprint = new ContentFingerprintBuilder();
        fingerprint.Add(dataset.SequenceLength);
        for (int i = 0; i < dataset.Count; i++)
        {
            EncodedInput input = dataset.Input(i);
            fingerprint.Add(input.InputIds);
            fingerprint.Add(input.SegmentIds);
            fingerprint.Add(dataset.Label(i));
        }

        return fingerprint.Finish();
    }

    public SequenceClassificationStreamState SaveState() => new(Epoch, BatchInEpoch, _epochStartRng, _dataset.Count, ContentFingerprint);

    /// <summary>Continues from a saved state: the following batches equal those after the save.</summary>
    /// <exception cref="TextDataException">The state is other examples' (another number of them or, with as many, other
    /// content), or out of range.</exception>
    public void RestoreState(SequenceClassificationStreamState state)
    {
        if (state.ExampleCount != _dataset.Count)
        {
            throw OtherData(string.Create(CultureInfo.InvariantCulture, $"{_source} holds {_dataset.Count:N0} examples, not the run's {state.ExampleCount:N0}"));
        }

        if (state.ContentFingerprint is ulong saved && saved != ContentFingerprint)
        {
            throw OtherData(string.Create(CultureInfo.InvariantCulture, $"{_source} holds the run's {_dataset.Count:N0} examples, but with different content"));
        }

        if (state.BatchInEpoch < 0 || state.BatchInEpoch > BatchesPerEpoch || state.Epoch < 0)
        {
            throw new TextDataException($"Saved stream state (epoch {state.Epoch}, batch {state.BatchInEpoch}) is out of range for {BatchesPerEpoch} batches per epoch.");
        }

        // The shuffle is the only use of the generator, so replaying it from the epoch's start restores everything.
        _rng.Restore(state.EpochStartRng);
        BeginEpoch(state.Epoch);
        BatchInEpoch = state.BatchInEpoch;
    }

    private static TextDataException OtherData(string difference) =>
        new($"the resumed run was trained on other data: {difference}; resume with the same training file and options");

    private void BeginEpoch(int epoch)
    {
        _epochStartRng = _rng.State;
        _rng.Permutation(_order);
        Epoch = epoch;
        BatchInEpoch = 0;
    }
}
