using System;
using BertGen.Runtime;
using BertGen.Runtime.Training;

namespace BertGen.Training.Runtime.Tests;

/// <summary>
/// Random token sequences whose class is the most frequent residue of their ids modulo the class count (ties to the
/// smallest): learnable by a bag-of-embeddings model. Rows are drawn one after another from one generator, so two
/// micro-batches of 8 hold exactly the rows of one batch of 16.
/// </summary>
internal static class SyntheticClassificationData
{
    public const int Vocab = 40;
    public const int Classes = 3;
    public const int Sequence = 12;

    public static TrainingBatch CreateBatch(int batchSize) => new()
    {
        InputIds = new int[batchSize * Sequence],
        AttentionMask = new int[batchSize * Sequence],
        TokenTypeIds = new int[batchSize * Sequence],
        ClassLabels = new int[batchSize],
    };

    public static void FillRow(ref SeededRandom random, TrainingBatch batch, int row)
    {
        Span<int> ids = batch.InputIds.AsSpan(row * Sequence, Sequence);
        Span<int> mask = batch.AttentionMask.AsSpan(row * Sequence, Sequence);
        ids.Clear();
        mask.Clear();
        int length = 2 + random.NextInt(Sequence - 1);
        Span<int> votes = stackalloc int[Classes];
        for (int t = 0; t < length; t++)
        {
            ids[t] = 1 + random.NextInt(Vocab - 1);
            mask[t] = 1;
            votes[ids[t] % Classes]++;
        }

        int label = 0;
        for (int c = 1; c < Classes; c++)
        {
            label = votes[c] > votes[label] ? c : label;
        }

        batch.ClassLabels[row] = label;
    }
}

/// <summary>An endless training stream of <see cref="SyntheticClassificationData"/> with a 40-byte saved state.</summary>
internal sealed class SyntheticClassificationSource : ITrainingBatchSource
{
    private const int RowsPerEpoch = 64;
    private SeededRandom _random;
    private long _rows;

    public SyntheticClassificationSource(int batchSize, ulong seed)
    {
        BatchSize = batchSize;
        _random = new SeededRandom(seed);
    }

    public int BatchSize { get; }

    public int SequenceLength => SyntheticClassificationData.Sequence;

    public int Epoch => (int)(_rows / RowsPerEpoch);

    public TrainingBatch CreateBatch() => SyntheticClassificationData.CreateBatch(BatchSize);

    public void Next(TrainingBatch batch)
    {
        for (int row = 0; row < BatchSize; row++)
        {
            SyntheticClassificationData.FillRow(ref _random, batch, row);
        }

        _rows += BatchSize;
    }

    public byte[] SaveState()
    {
        (ulong s0, ulong s1, ulong s2, ulong s3) = _random.State;
        var bytes = new byte[40];
        BitConverter.TryWriteBytes(bytes.AsSpan(0), s0);
        BitConverter.TryWriteBytes(bytes.AsSpan(8), s1);
        BitConverter.TryWriteBytes(bytes.AsSpan(16), s2);
        BitConverter.TryWriteBytes(bytes.AsSpan(24), s3);
        BitConverter.TryWriteBytes(bytes.AsSpan(32), _rows);
        return bytes;
    }

    public void RestoreState(ReadOnlySpan<byte> state)
    {
        if (state.Length != 40)
        {
            throw new ArgumentException($"a synthetic source state is 40 bytes, not {state.Length}");
        }

        _random = SeededRandom.FromState((BitConverter.ToUInt64(state), BitConverter.ToUInt64(state[8..]), BitConverter.ToUInt64(state[16..]), BitConverter.ToUInt64(state[24..])));
        _rows = BitConverter.ToInt64(state[32..]);
    }
}

/// <summary>A fixed held-out set of <see cref="SyntheticClassificationData"/>; the last batch is padded with label −100 rows.</summary>
internal sealed class SyntheticEvaluationSource : IEvaluationBatchSource
{
    private readonly TrainingBatch[] _batches;

    public SyntheticEvaluationSource(int batchSize, int examples, ulong seed)
    {
        BatchSize = batchSize;
        var random = new SeededRandom(seed);
        _batches = new TrainingBatch[(examples + batchSize - 1) / batchSize];
        for (int b = 0; b < _batches.Length; b++)
        {
            _batches[b] = SyntheticClassificationData.CreateBatch(batchSize);
            for (int row = 0; row < batchSize; row++)
            {
                if (b * batchSize + row < examples)
                {
                    SyntheticClassificationData.FillRow(ref random, _batches[b], row);
                }
                else
                {
                    _batches[b].ClassLabels[row] = -100;
                }
            }
        }
    }

    public int BatchSize { get; }

    public int SequenceLength => SyntheticClassificationData.Sequence;

    public int BatchCount => _batches.Length;

    public TrainingBatch CreateBatch() => SyntheticClassificationData.CreateBatch(BatchSize);

    public void Fill(int index, TrainingBatch batch)
    {
        _batches[index].InputIds.CopyTo(batch.InputIds, 0);
        _batches[index].AttentionMask.CopyTo(batch.AttentionMask, 0);
        _batches[index].TokenTypeIds.CopyTo(batch.TokenTypeIds, 0);
        _batches[index].ClassLabels.CopyTo(batch.ClassLabels, 0);
    }
}
