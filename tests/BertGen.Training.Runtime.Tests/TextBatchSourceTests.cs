using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using BertGen.Runtime;
using BertGen.Runtime.Training;
using BertGen.Text;
using BertGen.Training;
using Xunit;

namespace BertGen.Training.Runtime.Tests;

/// <summary>The adapters from BertGen.Text's streams: same batches as the streams, exact resume through bytes.</summary>
public sealed class TextBatchSourceTests
{
    private const int Words = 2000;

    private static readonly BertVocabulary Vocabulary = BertVocabulary.Parse(
        "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n" + string.Join("\n", Enumerable.Range(0, Words).Select(i => "w" + i)) + "\n",
        "synthetic");

    private static readonly PretrainingOptions Options = new()
    {
        MaxSeqLength = 32,
        MaxPredictionsPerSeq = 5,
        DupeFactor = 1,
        Masking = MaskingMode.Dynamic,
        Seed = 77,
    };

    private static PretrainingCorpus Corpus()
    {
        var random = new SeededRandom(3);
        var documents = new List<IReadOnlyList<int[]>>();
        for (int d = 0; d < 30; d++)
        {
            var sentences = new List<int[]>();
            for (int s = 0, n = 4 + random.NextInt(6); s < n; s++)
            {
                sentences.Add(Enumerable.Range(0, 3 + random.NextInt(12)).Select(_ => 5 + random.NextInt(Words)).ToArray());
            }

            documents.Add(sentences);
        }

        return PretrainingCorpus.FromTokenIds(documents);
    }

    [Fact]
    public void AMaskedLmOnlySourceCarriesNoNextSentenceLabels()
    {
        // A model with only the masked-LM head refuses labels it would ignore, so its sources leave them out.
        PretrainingCorpus corpus = Corpus();
        var stream = new PretrainingBatchStream(corpus, Vocabulary, Options, 4);
        var source = new PretrainingBatchSource(new PretrainingBatchStream(corpus, Vocabulary, Options, 4), nextSentenceLabels: false);
        TrainingBatch batch = source.CreateBatch();
        PretrainingBatch expected = stream.CreateBatch();
        stream.Next(expected);
        source.Next(batch);

        Assert.Empty(batch.NextSentenceLabels);
        Assert.Equal(expected.MaskedLmIds, batch.MaskedLmIds);
        var evaluation = new PretrainingEvaluationSource(new PretrainingBatchStream(corpus, Vocabulary, Options, 4), 2, nextSentenceLabels: false);
        TrainingBatch held = evaluation.CreateBatch();
        evaluation.Fill(1, held);
        Assert.Empty(held.NextSentenceLabels);
        Assert.Equal(4 * Options.MaxPredictionsPerSeq, held.MaskedLmPositions.Length);
    }

    [Fact]
    public void PretrainingSourceGivesTheStreamsBatchesAndResumesFromBytes()
    {
        PretrainingCorpus corpus = Corpus();
        var stream = new PretrainingBatchStream(corpus, Vocabulary, Options, 4);
        var source = new PretrainingBatchSource(new PretrainingBatchStream(corpus, Vocabulary, Options, 4));
        TrainingBatch batch = source.CreateBatch();
        PretrainingBatch expected = stream.CreateBatch();
        byte[]? saved = null;
        var afterSave = new List<TrainingBatch>();
        for (int i = 0; i < 3 * stream.BatchesPerEpoch / 2; i++)
        {
            if (i == stream.BatchesPerEpoch - 2)
            {
                saved = source.SaveState();
            }

            stream.Next(expected);
            source.Next(batch);
            Assert.Equal(expected.InputIds, batch.InputIds);
            Assert.Equal(expected.InputMask, batch.AttentionMask);
            Assert.Equal(expected.SegmentIds, batch.TokenTypeIds);
            Assert.Equal(expected.MaskedLmPositions, batch.MaskedLmPositions);
            Assert.Equal(expected.MaskedLmIds, batch.MaskedLmIds);
            Assert.Equal(expected.MaskedLmWeights, batch.MaskedLmWeights);
            Assert.Equal(expected.NextSentenceLabels, batch.NextSentenceLabels);
            if (saved is not null)
            {
                afterSave.Add(Clone(batch));
            }
        }

        // A fresh source restored from the bytes continues with the same batches, across the epoch boundary
        // (new shuffle) and with dynamic masks drawn from the restored generator.
        var resumed = new PretrainingBatchSource(new PretrainingBatchStream(corpus, Vocabulary, Options, 4));
        resumed.RestoreState(saved);
        foreach (TrainingBatch want in afterSave)
        {
            resumed.Next(batch);
            Assert.Equal(want.InputIds, batch.InputIds);
            Assert.Equal(want.MaskedLmIds, batch.MaskedLmIds);
            Assert.Equal(want.NextSentenceLabels, batch.NextSentenceLabels);
        }

        Assert.Equal(1, resumed.Epoch);
    }

    [Fact]
    public void AnotherKindOfStateIsRefused()
    {
        var source = new PretrainingBatchSource(new PretrainingBatchStream(Corpus(), Vocabulary, Options, 4));
        var classification = new SequenceClassificationBatchSource(new SequenceClassificationBatchStream(Dataset(10), 4, 1));
        TrainingException error = Assert.Throws<TrainingException>(() => source.RestoreState(classification.SaveState()));
        Assert.Contains("not a pretraining stream", error.Message, StringComparison.Ordinal);
        Assert.Throws<TrainingException>(() => classification.RestoreState(source.SaveState()));
        Assert.Throws<TrainingException>(() => source.RestoreState(source.SaveState().AsSpan(0, 20)));
    }

    [Fact]
    public void SavedBytesAreRefusedByOtherDataOfAsManyInstances_AndVersion1BytesStillRestore()
    {
        PretrainingCorpus corpus = Corpus();
        var stream = new PretrainingBatchStream(corpus, Vocabulary, Options, 4);
        var source = new PretrainingBatchSource(stream);
        TrainingBatch batch = source.CreateBatch();
        source.Next(batch);
        source.Next(batch);
        byte[] saved = source.SaveState();

        // Every word one further along the vocabulary: sentences of the same lengths, so as many instances, of other words.
        PretrainingCorpus shifted = PretrainingCorpus.FromTokenIds(Enumerable.Range(0, corpus.DocumentCount)
            .Select(d => (IReadOnlyList<int[]>)corpus.Document(d).Select(s => s.Select(t => 5 + ((t - 5 + 1) % Words)).ToArray()).ToArray())
            .ToArray());
        var otherStream = new PretrainingBatchStream(shifted, Vocabulary, Options, 4);
        Assert.Equal(stream.InstanceCount, otherStream.InstanceCount);
        var other = new PretrainingBatchSource(otherStream);
        TrainingException refused = Assert.Throws<TrainingException>(() => other.RestoreState(saved));
        Assert.Contains("gives the run's", refused.Message, StringComparison.Ordinal);
        Assert.Contains("instances, but with different content", refused.Message, StringComparison.Ordinal);

        // A checkpoint written before fingerprints holds version 1 of the bytes: it still restores, checked by its count
        // alone (so the other corpus takes it too, as it always did), and continues with the same batches.
        byte[] version1 = Version1(stream.SaveState());
        var resumed = new PretrainingBatchSource(new PretrainingBatchStream(corpus, Vocabulary, Options, 4));
        resumed.RestoreState(version1);
        other.RestoreState(version1);
        TrainingBatch expected = source.CreateBatch();
        source.Next(expected);
        resumed.Next(batch);
        Assert.Equal(expected.InputIds, batch.InputIds);
        Assert.Equal(expected.MaskedLmIds, batch.MaskedLmIds);

        // The same for a classification stream's bytes.
        var examples = new SequenceClassificationBatchStream(Dataset(10), 4, 1);
        SequenceClassificationBatch rows = examples.CreateBatch();
        examples.Next(rows);
        var classification = new SequenceClassificationBatchSource(new SequenceClassificationBatchStream(Dataset(10), 4, 1));
        classification.RestoreState(Version1(examples.SaveState()));
        examples.Next(rows);
        TrainingBatch resumedRows = classification.CreateBatch();
        classification.Next(resumedRows);
        Assert.Equal(rows.InputIds, resumedRows.InputIds);
        Assert.Equal(rows.Labels, resumedRows.ClassLabels);
    }

    // A pretraining stream's position as checkpoints wrote it before fingerprints: "BGPS", version 1, epoch, batch, the
    // epoch's starting and the current generator state, the instance count.
    private static byte[] Version1(PretrainingStreamState state)
    {
        var bytes = new List<byte>();
        Header(bytes, 0x53504742, state.Epoch, state.BatchInEpoch, state.EpochStartRng);
        Rng(bytes, state.Rng);
        Int(bytes, state.InstanceCount);
        return bytes.ToArray();
    }

    // A classification stream's version 1: "BGSC", version 1, epoch, batch, the epoch's starting generator state, the example count.
    private static byte[] Version1(SequenceClassificationStreamState state)
    {
        var bytes = new List<byte>();
        Header(bytes, 0x43534742, state.Epoch, state.BatchInEpoch, state.EpochStartRng);
        Int(bytes, state.ExampleCount);
        return bytes.ToArray();
    }

    private static void Header(List<byte> bytes, uint tag, int epoch, int batchInEpoch, Xoshiro256State epochStart)
    {
        Int(bytes, unchecked((int)tag));
        Int(bytes, 1);
        Int(bytes, epoch);
        Int(bytes, batchInEpoch);
        Rng(bytes, epochStart);
    }

    private static void Rng(List<byte> bytes, Xoshiro256State state)
    {
        foreach (ulong word in new[] { state.S0, state.S1, state.S2, state.S3 })
        {
            var eight = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(eight, word);
            bytes.AddRange(eight);
        }
    }

    private static void Int(List<byte> bytes, int value)
    {
        var four = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(four, value);
        bytes.AddRange(four);
    }

    [Fact]
    public void ClassificationSourcesMatchTheDatasetAndIgnorePaddingRows()
    {
        SequenceClassificationDataset dataset = Dataset(10);
        var evaluation = new SequenceClassificationEvaluationSource(dataset, 4);
        Assert.Equal(3, evaluation.BatchCount);
        TrainingBatch batch = evaluation.CreateBatch();
        evaluation.Fill(2, batch);
        Assert.Equal(new[] { dataset.Label(8), dataset.Label(9), -100, -100 }, batch.ClassLabels);
        Assert.Equal(dataset.Input(8).InputIds, batch.InputIds.Take(dataset.Input(8).InputIds.Count));
        Assert.All(batch.AttentionMask.Skip(2 * dataset.SequenceLength), m => Assert.Equal(0, m));

        var stream = new SequenceClassificationBatchStream(dataset, 4, 9);
        var source = new SequenceClassificationBatchSource(new SequenceClassificationBatchStream(dataset, 4, 9));
        SequenceClassificationBatch expected = stream.CreateBatch();
        TrainingBatch training = source.CreateBatch();
        for (int i = 0; i < 5; i++)
        {
            stream.Next(expected);
            source.Next(training);
            Assert.Equal(expected.Labels, training.ClassLabels);
            Assert.Equal(expected.InputIds, training.InputIds);
            Assert.Equal(expected.SegmentIds, training.TokenTypeIds);
        }
    }

    private static SequenceClassificationDataset Dataset(int count)
    {
        var examples = Enumerable.Range(0, count)
            .Select(i => new LabelledText(i % 3 == 0 ? "yes" : "no", string.Join(" ", Enumerable.Range(i, 3 + i % 4).Select(w => "w" + w)), i % 2 == 0 ? "w7 w8" : null))
            .ToList();
        return SequenceClassificationDataset.Create(examples, BertWordPieceTokenizer.Create(Vocabulary), new[] { "no", "yes" }, 16);
    }

    private static TrainingBatch Clone(TrainingBatch b) => new()
    {
        InputIds = (int[])b.InputIds.Clone(),
        AttentionMask = (int[])b.AttentionMask.Clone(),
        TokenTypeIds = (int[])b.TokenTypeIds.Clone(),
        MaskedLmIds = (int[])b.MaskedLmIds.Clone(),
        NextSentenceLabels = (int[])b.NextSentenceLabels.Clone(),
    };
}
