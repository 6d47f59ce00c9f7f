using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;

namespace BertGen.Text;

/// <summary>
/// Where a <see cref="PretrainingBatchStream"/> is: saved with a training checkpoint, it resumes the exact
/// same batches. <see cref="InstanceCount"/> and <see cref="ContentFingerprint"/> guard against restoring into a stream
/// over other data; a state saved before fingerprints were recorded has none and is checked by its count alone.
/// </summary>
public readonly record struct PretrainingStreamState(
    int Epoch,
    int BatchInEpoch,
    Xoshiro256State EpochStartRng,
    Xoshiro256State Rng,
    int InstanceCount,
    ulong? ContentFingerprint);

/// <summary>
/// Endless fixed-shape pretraining batches over a corpus. The instances (pairs, and with static masking
/// their masks) are made once from <see cref="PretrainingOptions.Seed"/>; each epoch visits them in a new
/// shuffled order, and with dynamic masking draws new masks as it batches them, from a generator keyed by
/// (seed, epoch, instance) — so an instance's mask does not depend on which batches were taken or skipped before
/// it (data-parallel processes skip each other's). The last partial batch of an epoch is dropped so every batch
/// has the same shape.
/// </summary>
public sealed class PretrainingBatchStream
{
    private readonly PretrainingInstanceBuilder _builder;
    private readonly PretrainingOptions _options;
    private readonly List<PretrainingInstance> _instances;
    private readonly int[] _order;
    private readonly Xoshiro256StarStar _rng;
    private readonly Xoshiro256StarStar _maskRng = new(0);
    private readonly string _source;
    private Xoshiro256State _epochStartRng;

    /// <summary>
    /// Builds the instances of <paramref name="corpus"/> (named <paramref name="source"/> in errors, e.g. its file, quoted):
    /// fewer than one batch of them is refused naming the corpus and the way out.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled before the instances were built.</exception>
    public PretrainingBatchStream(PretrainingCorpus corpus, BertVocabulary vocabulary, PretrainingOptions options, int batchSize, string source = "the corpus",
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _source = source;
        _builder = new PretrainingInstanceBuilder(corpus, vocabulary, options);
        _rng = new Xoshiro256StarStar(options.Seed);
        _instances = _builder.CreateInstances(_rng, mask: options.Masking == MaskingMode.Static, cancellation);
        BatchSize = batchSize;
        if (batchSize < 1)
        {
            throw new TextDataException($"Batch size {batchSize} is not a positive number.");
        }

        if (_instances.Count < batchSize)
        {
            throw new TextDataException(
                $"{source} gives {_instances.Count} instance(s) of up to {options.MaxSeqLength} tokens, fewer than one batch of {batchSize}: use a smaller batch or a larger corpus");
        }

        ContentFingerprint = Fingerprint(_instances, options, vocabulary, cancellation);
        _order = new int[_instances.Count];
        BeginEpoch(0);
    }

    // A fork: the same instances (shared, never written after they are built), its own order, generators and place.
    private PretrainingBatchStream(PretrainingBatchStream source)
    {
        _options = source._options;
        _builder = source._builder;
        _instances = source._instances;
        _source = source._source;
        ContentFingerprint = source.ContentFingerprint;
        _rng = new Xoshiro256StarStar(_options.Seed);
        BatchSize = source.BatchSize;
        _order = new int[_instances.Count];
        RestoreState(source.SaveState());
    }

    /// <summary>
    /// Another stream over this one's instances, without building them again, in this one's state: it gives the same
    /// batches this one would give next, and the two advance independently. Data-parallel replicas in one process each
    /// take a fork of one stream instead of each tokenising the corpus and building the instances.
    /// </summary>
    public PretrainingBatchStream Fork() => new(this);

    public int BatchSize { get; }
    public int InstanceCount => _instances.Count;
    public int BatchesPerEpoch => _instances.Count / BatchSize;
    public int Epoch { get; private set; }
    public int BatchInEpoch { get; private set; }

    /// <summary>
    /// A 64-bit digest of what the batches are made of: every instance (its tokens, segments, next-sentence label and,
    /// with static masking, its masks) and the settings that draw dynamic masks. Saved with the stream's position, it
    /// tells a resume over another corpus of as many instances from one over this corpus.
    /// </summary>
    public ulong ContentFingerprint { get; }

    /// <summary>All instances in creation order (masked only with static masking), for inspection and tests.</summary>
    public IReadOnlyList<PretrainingInstance> Instances => _instances;

    /// <summary>A batch of the right shape for this stream.</summary>
    public PretrainingBatch CreateBatch() => new(BatchSize, _options.MaxSeqLength, _options.MaxPredictionsPerSeq);

    /// <summary>Fills <paramref name="batch"/> with the next batch, moving to a new epoch when one runs out.</summary>
    public void Next(PretrainingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.BatchSize != BatchSize || batch.SequenceLength != _options.MaxSeqLength || batch.MaxPredictions != _options.MaxPredictionsPerSeq)
        {
            throw new TextDataException($"Batch shape B={batch.BatchSize}, S={batch.SequenceLength}, P={batch.MaxPredictions} differs from the stream's B={BatchSize}, S={_options.MaxSeqLength}, P={_options.MaxPredictionsPerSeq}.");
        }

        if (BatchInEpoch == BatchesPerEpoch)
        {
            BeginEpoch(Epoch + 1);
        }

        int first = BatchInEpoch * BatchSize;
        for (int row = 0; row < BatchSize; row++)
        {
            int index = _order[first + row];
            PretrainingInstance instance = _instances[index];
            if (_options.Masking == MaskingMode.Dynamic)
            {
                _maskRng.Reseed(MaskSeed(_options.Seed, Epoch, index));
                instance = _builder.Remask(instance, _maskRng);
            }

            batch.SetRow(row, instance);
        }

        BatchInEpoch++;
    }

    /// <summary>Moves past the next batch without building it: the stream then continues exactly as after <see cref="Next"/>.</summary>
    public void Skip()
    {
        if (BatchInEpoch == BatchesPerEpoch)
        {
            BeginEpoch(Epoch + 1);
        }

        BatchInEpoch++;
    }

    // SplitMix64's finaliser over each coordinate: a bijection with full avalanche, so neighbouring instances and
    // epochs get unrelated masks.
    private static ulong MaskSeed(ulong seed, int epoch, int instance)
    {
        ulong h = Mix(seed ^ 0xD1B54A32D192ED03UL);
        h = Mix(h ^ (uint)epoch);
        return Mix(h ^ ((ulong)(uint)instance << 32));
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong Fingerprint(List<PretrainingInstance> instances, PretrainingOptions options, BertVocabulary vocabulary, CancellationToken cancellation)
    {
        var fingerprint = new ContentFingerprintBuilder();
        foreach (PretrainingInstance instance in instances)
        {
            cancellation.ThrowIfCancellationRequested();
            fingerprint.Add(instance.InputIds);
            fingerprint.Add(instance.SegmentIds);
            fingerprint.Add(instance.IsRandomNext);
            fingerprint.Add(instance.MaskedLmPositions);
            fingerprint.Add(instance.MaskedLmLabels);
        }

        // Dynamic masks are drawn as the instances are batched, so what draws them is content too (a static mask is
        // in its instance already): the same instances masked with another rate, budget or seed are other batches.
        fingerprint.Add((int)options.Masking);
        fingerprint.Add(options.MaskedLmProb);
        fingerprint.Add(options.MaxPredictionsPerSeq);
        fingerprint.Add(options.WholeWordMask);
        fingerprint.Add(options.Seed);
        fingerprint.Add(vocabulary.Count);
        return fingerprint.Finish();
    }

    public PretrainingStreamState SaveState() => new(Epoch, BatchInEpoch, _epochStartRng, _rng.State, _instances.Count, ContentFingerprint);

    /// <summary>Continues from a saved state: the following batches equal those after the save.</summary>
    /// <exception cref="TextDataException">The state is another corpus's (or the same corpus's under other options):
    /// another number of instances or, with as many, other content.</exception>
    public void RestoreState(PretrainingStreamState state)
    {
        if (state.InstanceCount != _instances.Count)
        {
            throw OtherData(string.Create(CultureInfo.InvariantCulture, $"{_source} gives {_instances.Count:N0} instances, not the run's {state.InstanceCount:N0}"));
        }

        if (state.ContentFingerprint is ulong saved && saved != ContentFingerprint)
        {
            throw OtherData(string.Create(CultureInfo.InvariantCulture, $"{_source} gives the run's {_instances.Count:N0} instances, but with different content"));
        }

        if (state.Epoch < 0 || state.BatchInEpoch < 0 || state.BatchInEpoch > BatchesPerEpoch)
        {
            throw new TextDataException($"Saved stream state (epoch {state.Epoch}, batch {state.BatchInEpoch}) is out of range for {BatchesPerEpoch} batches per epoch.");
        }

        // Replay the epoch's shuffle from its starting state to rebuild the order, then jump to where the
        // stream was (dynamic masks drawn since the epoch began are in the saved current state).
        _rng.Restore(state.EpochStartRng);
        BeginEpoch(state.Epoch);
        _rng.Restore(state.Rng);
        BatchInEpoch = state.BatchInEpoch;
    }

    private static TextDataException OtherData(string difference) =>
        new($"the resumed run was trained on other data: {difference}; resume with the same corpus and options");

    private void BeginEpoch(int epoch)
    {
        _epochStartRng = _rng.State;
        _rng.Permutation(_order);
        Epoch = epoch;
        BatchInEpoch = 0;
    }
}
