using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using BertGen.Text;
using Xunit;

namespace BertGen.Text.Tests;

public sealed class PretrainingBatchStreamTests
{
    private const int B = 8;

    /// <summary>The six shortest books: epochs of a few dozen batches, so tests cross epoch boundaries.</summary>
    private static readonly Lazy<PretrainingCorpus> SmallCorpus = new(() =>
    {
        PretrainingCorpus all = TestData.Corpus;
        int[] shortest = Enumerable.Range(0, all.DocumentCount).OrderBy(d => all.Document(d).Count).Take(6).ToArray();
        return PretrainingCorpus.FromTokenIds(shortest.Select(d => all.Document(d)).ToArray());
    });

    private static PretrainingBatchStream SmallStream(MaskingMode masking, ulong seed = 12345) =>
        new(SmallCorpus.Value, TestData.Vocabulary, new PretrainingOptions { DupeFactor = 2, Masking = masking, Seed = seed }, B);

    private static List<PretrainingBatch> Take(PretrainingBatchStream stream, int count)
    {
        var batches = new List<PretrainingBatch>();
        for (int i = 0; i < count; i++)
        {
            PretrainingBatch batch = stream.CreateBatch();
            stream.Next(batch);
            batches.Add(batch);
        }

        return batches;
    }

    private static void AssertSameBatches(List<PretrainingBatch> expected, List<PretrainingBatch> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].InputIds, actual[i].InputIds);
            Assert.Equal(expected[i].InputMask, actual[i].InputMask);
            Assert.Equal(expected[i].SegmentIds, actual[i].SegmentIds);
            Assert.Equal(expected[i].MaskedLmPositions, actual[i].MaskedLmPositions);
            Assert.Equal(expected[i].MaskedLmIds, actual[i].MaskedLmIds);
            Assert.Equal(expected[i].MaskedLmWeights, actual[i].MaskedLmWeights);
            Assert.Equal(expected[i].NextSentenceLabels, actual[i].NextSentenceLabels);
        }
    }

    [Fact]
    public void Batches_AreFixedShapeAndPaddedConsistently()
    {
        BertVocabulary vocab = TestData.Vocabulary;
        PretrainingBatchStream stream = SmallStream(MaskingMode.Static);
        Assert.Equal(stream.InstanceCount / B, stream.BatchesPerEpoch);
        foreach (PretrainingBatch batch in Take(stream, stream.BatchesPerEpoch))
        {
            Assert.Equal((B * 128, B * 20, B), (batch.InputIds.Length, batch.MaskedLmIds.Length, batch.NextSentenceLabels.Length));
            for (int row = 0; row < B; row++)
            {
                int[] mask = batch.InputMask.AsSpan(row * 128, 128).ToArray();
                int length = mask.Sum();
                // Mask is a prefix of ones; padding is [PAD] = 0 with segment 0.
                Assert.Equal(Enumerable.Repeat(1, length).Concat(Enumerable.Repeat(0, 128 - length)), mask);
                Assert.Equal(vocab.ClassificationId, batch.InputIds[row * 128]);
                for (int t = length; t < 128; t++)
                {
                    Assert.Equal(0, batch.InputIds[row * 128 + t]);
                    Assert.Equal(0, batch.SegmentIds[row * 128 + t]);
                }

                float[] weights = batch.MaskedLmWeights.AsSpan(row * 20, 20).ToArray();
                int predictions = (int)weights.Sum();
                Assert.Equal(MaskedLmMasker.PredictionCount(length, 0.15, 20), predictions);
                Assert.Equal(Enumerable.Repeat(1f, predictions).Concat(Enumerable.Repeat(0f, 20 - predictions)), weights);
                for (int p = 0; p < 20; p++)
                {
                    int position = batch.MaskedLmPositions[row * 20 + p];
                    if (p < predictions)
                    {
                        Assert.InRange(position, 1, length - 2);
                        Assert.NotEqual(vocab.SeparatorId, batch.MaskedLmIds[row * 20 + p]);
                    }
                    else
                    {
                        Assert.Equal((0, 0), (position, batch.MaskedLmIds[row * 20 + p]));
                    }
                }

                Assert.InRange(batch.NextSentenceLabels[row], 0, 1);
            }
        }
    }

    [Fact]
    public void SameSeed_SameBatches_OtherSeed_OtherBatches()
    {
        foreach (MaskingMode masking in new[] { MaskingMode.Static, MaskingMode.Dynamic })
        {
            AssertSameBatches(Take(SmallStream(masking), 5), Take(SmallStream(masking), 5));
            Assert.NotEqual(Take(SmallStream(masking), 1)[0].InputIds, Take(SmallStream(masking, seed: 1), 1)[0].InputIds);
        }
    }

    [Theory]
    [InlineData(MaskingMode.Static)]
    [InlineData(MaskingMode.Dynamic)]
    public void SavedState_ResumesTheExactSameBatches_AcrossEpochBoundaries(MaskingMode masking)
    {
        PretrainingBatchStream original = SmallStream(masking);
        int perEpoch = original.BatchesPerEpoch;
        Take(original, perEpoch + perEpoch / 2); // into the middle of epoch 1
        PretrainingStreamState saved = original.SaveState();
        Assert.Equal((1, perEpoch / 2), (saved.Epoch, saved.BatchInEpoch));
        List<PretrainingBatch> expected = Take(original, perEpoch + 3); // crosses into epoch 2 and 3

        PretrainingBatchStream resumed = SmallStream(masking);
        Take(resumed, 2); // wherever it was, restoring must put it at the saved point
        resumed.RestoreState(saved);
        AssertSameBatches(expected, Take(resumed, perEpoch + 3));

        // A state from a stream over other data is refused rather than silently misapplied.
        var other = new PretrainingBatchStream(SmallCorpus.Value, TestData.Vocabulary, new PretrainingOptions { DupeFactor = 1, Masking = masking }, B);
        Assert.Throws<TextDataException>(() => other.RestoreState(saved));
    }

    [Theory]
    [InlineData(MaskingMode.Static)]
    [InlineData(MaskingMode.Dynamic)]
    public void SavedState_IsRefusedByAStreamOverAsManyInstancesOfOtherText(MaskingMode masking)
    {
        // "the" and "and" swapped throughout: sentences of the same lengths give the same pairs and as many instances,
        // with other words in them. Checked by its count alone, the state let a run go on training on this text.
        Assert.True(TestData.Vocabulary.TryGetId("the", out int the));
        Assert.True(TestData.Vocabulary.TryGetId("and", out int and));
        PretrainingCorpus corpus = SmallCorpus.Value;
        PretrainingCorpus swapped = PretrainingCorpus.FromTokenIds(Enumerable.Range(0, corpus.DocumentCount)
            .Select(d => (IReadOnlyList<int[]>)corpus.Document(d).Select(s => s.Select(t => t == the ? and : t == and ? the : t).ToArray()).ToArray())
            .ToArray());
        PretrainingBatchStream original = SmallStream(masking);
        Take(original, 3);
        PretrainingStreamState saved = original.SaveState();
        var other = new PretrainingBatchStream(swapped, TestData.Vocabulary, new PretrainingOptions { DupeFactor = 2, Masking = masking }, B, "'swapped.txt'");
        Assert.Equal(original.InstanceCount, other.InstanceCount);

        TextDataException refused = Assert.Throws<TextDataException>(() => other.RestoreState(saved));
        string count = original.InstanceCount.ToString("N0", CultureInfo.InvariantCulture);
        Assert.Equal($"the resumed run was trained on other data: 'swapped.txt' gives the run's {count} instances, but with different content; resume with the same corpus and options",
            refused.Message);

        // A state saved before fingerprints were recorded has none: checked by its count alone, as it always was.
        other.RestoreState(saved with { ContentFingerprint = null });
        Assert.Equal(3, other.BatchInEpoch);
    }

    [Theory]
    [InlineData(MaskingMode.Static)]
    [InlineData(MaskingMode.Dynamic)]
    public void Fork_GivesTheBatchesABuiltStreamWould_AndAdvancesOnItsOwn(MaskingMode masking)
    {
        // Replicas in one process fork one stream instead of each building it: a fork made at the start must give
        // what a stream built from the same seed gives, across epochs, whatever the original does meanwhile.
        PretrainingBatchStream original = SmallStream(masking);
        PretrainingBatchStream fork = original.Fork();
        Assert.Same(original.Instances, fork.Instances); // shared, not rebuilt
        Assert.Equal(original.ContentFingerprint, fork.ContentFingerprint);
        int twoEpochs = 2 * original.BatchesPerEpoch + 1;
        Take(original, twoEpochs);
        AssertSameBatches(Take(SmallStream(masking), twoEpochs), Take(fork, twoEpochs));

        // A fork made later starts where its source is.
        PretrainingBatchStream later = original.Fork();
        AssertSameBatches(Take(original, 5), Take(later, 5));
    }

    [Fact]
    public void EachEpoch_VisitsInstancesInANewOrder()
    {
        PretrainingBatchStream stream = SmallStream(MaskingMode.Static);
        List<PretrainingBatch> epoch0 = Take(stream, stream.BatchesPerEpoch);
        List<PretrainingBatch> epoch1 = Take(stream, stream.BatchesPerEpoch);
        Assert.Equal(1, stream.Epoch);
        Assert.NotEqual(epoch0[0].InputIds, epoch1[0].InputIds);

        // Static masks: the rows of both epochs come from the same fixed, masked instances.
        var instances = new HashSet<string>(stream.Instances.Select(i => string.Join(',', i.InputIds)));
        foreach (PretrainingBatch batch in epoch0.Concat(epoch1))
        {
            for (int row = 0; row < B; row++)
            {
                int length = batch.InputMask.AsSpan(row * 128, 128).ToArray().Sum();
                Assert.Contains(string.Join(',', batch.InputIds.AsSpan(row * 128, length).ToArray()), instances);
            }
        }
    }

    [Theory]
    [InlineData(MaskingMode.Static)]
    [InlineData(MaskingMode.Dynamic)]
    public void SkippingBatches_LeavesTheOthersExactlyAsTaken_AcrossEpochs(MaskingMode masking)
    {
        // Data-parallel ranks share one stream: rank r takes every N-th batch and skips the rest. What a rank takes must
        // not depend on what it skipped (dynamic masks are drawn per instance and epoch, not from a running generator).
        PretrainingBatchStream whole = SmallStream(masking);
        int count = (2 * whole.BatchesPerEpoch) + 3;
        List<PretrainingBatch> all = Take(whole, count);
        for (int ranks = 2; ranks <= 3; ranks++)
        {
            for (int rank = 0; rank < ranks; rank++)
            {
                PretrainingBatchStream strided = SmallStream(masking);
                var taken = new List<PretrainingBatch>();
                for (int i = 0; i < count; i++)
                {
                    if (i % ranks == rank)
                    {
                        PretrainingBatch batch = strided.CreateBatch();
                        strided.Next(batch);
                        taken.Add(batch);
                    }
                    else
                    {
                        strided.Skip();
                    }
                }

                AssertSameBatches(all.Where((_, i) => i % ranks == rank).ToList(), taken);
                Assert.Equal(whole.SaveState(), strided.SaveState());
            }
        }
    }

    [Fact]
    public void DynamicMasking_RedrawsMasksForTheSameTextEachEpoch()
    {
        PretrainingBatchStream stream = SmallStream(MaskingMode.Dynamic);
        Assert.All(stream.Instances, i => Assert.Empty(i.MaskedLmPositions));
        var firstMasks = new Dictionary<string, string>();
        int compared = 0, differing = 0;
        for (int epoch = 0; epoch < 2; epoch++)
        {
            foreach (PretrainingBatch batch in Take(stream, stream.BatchesPerEpoch))
            {
                for (int row = 0; row < B; row++)
                {
                    int length = batch.InputMask.AsSpan(row * 128, 128).ToArray().Sum();
                    int[] tokens = batch.InputIds.AsSpan(row * 128, length).ToArray();
                    int predictions = (int)batch.MaskedLmWeights.AsSpan(row * 20, 20).ToArray().Sum();
                    int[] positions = batch.MaskedLmPositions.AsSpan(row * 20, predictions).ToArray();
                    for (int p = 0; p < predictions; p++)
                    {
                        tokens[positions[p]] = batch.MaskedLmIds[row * 20 + p];
                    }

                    string text = string.Join(',', tokens);
                    string maskKey = string.Join(',', positions);
                    if (epoch == 0)
                    {
                        firstMasks[text] = maskKey;
                    }
                    else if (firstMasks.TryGetValue(text, out string? earlier))
                    {
                        compared++;
                        differing += earlier == maskKey ? 0 : 1;
                    }
                }
            }
        }

        // Two independent draws of ~19 positions out of ~120 coincide with negligible probability.
        Assert.True(compared > 50, $"{compared} rows seen in both epochs");
        Assert.Equal(compared, differing);
    }

    [Fact]
    public void HeldOutSplit_IsDisjointDeterministicAndUsable()
    {
        PretrainingCorpus corpus = TestData.Corpus;
        (PretrainingCorpus training, PretrainingCorpus heldOut) = corpus.SplitHeldOut(6, seed: 2024);
        Assert.Equal((60, 6), (training.DocumentCount, heldOut.DocumentCount));
        Assert.Equal(corpus.TokenCount, training.TokenCount + heldOut.TokenCount);
        var trainingFirstSentences = new HashSet<string>(Enumerable.Range(0, 60).Select(d => string.Join(',', training.Document(d)[0])));
        Assert.All(Enumerable.Range(0, 6), d => Assert.DoesNotContain(string.Join(',', heldOut.Document(d)[0]), trainingFirstSentences));

        (_, PretrainingCorpus again) = corpus.SplitHeldOut(6, seed: 2024);
        Assert.Equal(heldOut.TokenCount, again.TokenCount);
        (_, PretrainingCorpus other) = corpus.SplitHeldOut(6, seed: 2025);
        Assert.NotEqual(string.Join(',', heldOut.Document(0)[0]), string.Join(',', other.Document(0)[0]));

        var evaluation = new PretrainingBatchStream(heldOut, TestData.Vocabulary, new PretrainingOptions { DupeFactor = 1 }, 16);
        Assert.True(evaluation.BatchesPerEpoch > 0);
        Assert.Throws<TextDataException>(() => corpus.SplitHeldOut(65, seed: 1));
    }

    [Theory]
    [InlineData(66, 0.1, 7)]  // the KJV's 66 books: 6.6 rounds to 7
    [InlineData(9, 0.1, 2)]   // 0.9 rounds to 1, raised to the 2 a side needs; 7 left to train on
    [InlineData(4, 0.1, 2)]
    [InlineData(4, 0.5, 2)]
    [InlineData(20, 0.5, 10)]
    [InlineData(21, 0.5, 11)] // 10.5 rounds up, still leaving 10
    [InlineData(5, 0.5, 3)]   // 2.5 rounds up to 3, leaving the 2 training needs
    public void HeldOutShare_IsWholeDocumentsWithTwoOnEachSide(int documents, double share, int expected)
    {
        PretrainingCorpus corpus = Documents(documents, sentencesEach: 3);
        Assert.Equal(expected, corpus.HeldOutDocumentsFor(share));
    }

    [Fact]
    public void HeldOutShare_RefusesWhatCannotBeSplit()
    {
        Assert.Contains("at least 4 documents", Assert.Throws<TextDataException>(() => Documents(3, 5).HeldOutDocumentsFor(0.1)).Message, StringComparison.Ordinal);
        Assert.Throws<TextDataException>(() => Documents(10, 1).HeldOutDocumentsFor(0));
        Assert.Throws<TextDataException>(() => Documents(10, 1).HeldOutDocumentsFor(0.6));
        Assert.Throws<TextDataException>(() => Documents(10, 1).HeldOutDocumentsFor(double.NaN));
    }

    [Fact]
    public void CutDocuments_KeepsEverySentenceInOrderInRunsOfConsecutiveSentences()
    {
        // Documents of 10 and 3 sentences, cut into 4: runs of 2, 3, 2, 3 and (fewer sentences than pieces) 1, 1, 1.
        PretrainingCorpus corpus = PretrainingCorpus.FromTokenIds([Sentences(0, 10), Sentences(100, 3)]);

        PretrainingCorpus cut = corpus.CutDocuments(4);

        Assert.Equal([2, 3, 2, 3, 1, 1, 1], Enumerable.Range(0, cut.DocumentCount).Select(d => cut.Document(d).Count));
        int[] first = Enumerable.Range(0, cut.DocumentCount).SelectMany(d => cut.Document(d)).Select(s => s[0]).ToArray();
        Assert.Equal([.. Enumerable.Range(1, 10), 101, 102, 103], first);
        Assert.Equal(corpus.TokenCount, cut.TokenCount);
    }

    private static PretrainingCorpus Documents(int documents, int sentencesEach) =>
        PretrainingCorpus.FromTokenIds(Enumerable.Range(0, documents).Select(d => Sentences(d * 1000, sentencesEach)).ToList());

    /// <summary><paramref name="count"/> one-token sentences whose ids count up from <paramref name="first"/>.</summary>
    private static IReadOnlyList<int[]> Sentences(int first, int count) => Enumerable.Range(first, count).Select(id => new[] { id + 1 }).ToList();

    [Fact]
    public void Stream_RejectsABatchOfAnotherShape()
    {
        PretrainingBatchStream stream = SmallStream(MaskingMode.Static);
        Assert.Throws<TextDataException>(() => stream.Next(new PretrainingBatch(B, 64, 20)));
        Assert.Throws<TextDataException>(() => new PretrainingBatchStream(SmallCorpus.Value, TestData.Vocabulary, new PretrainingOptions(), 1_000_000));
    }
}
