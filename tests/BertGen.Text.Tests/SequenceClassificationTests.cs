using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BertGen.Text;
using Xunit;

namespace BertGen.Text.Tests;

public sealed class SequenceClassificationTests
{
    private static readonly string[] Testaments = ["OT", "NT"];

    private static readonly Lazy<List<LabelledText>> Dev = new(() => LabelledTextReader.ReadFile(TestData.PathOf("kjv-testament-dev.tsv.gz")));

    [Fact]
    public void TestamentFiles_HaveTheDocumentedSizesAndClassRatio()
    {
        // models/corpus/README.md: train 28,684 rows (21,240 OT), dev 2,418 rows (1,905 OT); together every verse.
        List<LabelledText> train = LabelledTextReader.ReadFile(TestData.PathOf("kjv-testament-train.tsv.gz"));
        Assert.Equal((28684, 21240), (train.Count, train.Count(e => e.Label == "OT")));
        Assert.Equal((2418, 1905), (Dev.Value.Count, Dev.Value.Count(e => e.Label == "OT")));
        Assert.Equal(TestData.Corpus.SentenceCount, train.Count + Dev.Value.Count);
        Assert.All(train.Concat(Dev.Value), e => Assert.Contains(e.Label, Testaments));

        // No verse text is in both splits, except verses that occur verbatim more than once in the Bible.
        var trainTexts = new HashSet<string>(train.Select(e => e.Text));
        int shared = Dev.Value.Count(e => trainTexts.Contains(e.Text));
        Assert.True(shared < 60, $"{shared} dev verses also occur in train");
    }

    [Fact]
    public void EvaluationBatches_CoverEveryExampleOnceInOrder_WithWeightedPadding()
    {
        List<LabelledText> dev = Dev.Value;
        SequenceClassificationDataset data = SequenceClassificationDataset.Create(dev, TestData.Tokenizer, Testaments, 64);
        SequenceClassificationBatch batch = data.CreateBatch(32);
        int batches = data.EvaluationBatchCount(32);
        Assert.Equal((dev.Count + 31) / 32, batches);
        int seen = 0;
        for (int i = 0; i < batches; i++)
        {
            data.FillEvaluationBatch(batch, i);
            for (int row = 0; row < 32; row++)
            {
                if (row < batch.RealCount)
                {
                    LabelledText example = dev[seen];
                    EncodedInput expected = TestData.Tokenizer.Encode(example.Text, 64);
                    Assert.Equal(expected.InputIds, batch.InputIds.AsSpan(row * 64, expected.InputIds.Count).ToArray());
                    Assert.Equal(expected.InputIds.Count, batch.InputMask.AsSpan(row * 64, 64).ToArray().Sum());
                    Assert.Equal(Array.IndexOf(Testaments, example.Label), batch.Labels[row]);
                    Assert.Equal(1f, batch.ExampleWeights[row]);
                    seen++;
                }
                else
                {
                    Assert.Equal(0f, batch.ExampleWeights[row]);
                    Assert.All(batch.InputMask.AsSpan(row * 64, 64).ToArray(), m => Assert.Equal(0, m));
                }
            }
        }

        Assert.Equal(dev.Count, seen);
        Assert.Equal(dev.Count % 32, batch.RealCount);
    }

    [Fact]
    public void TrainingStream_DropsThePartialBatch_ShufflesPerEpoch_AndResumesExactly()
    {
        SequenceClassificationDataset data = SequenceClassificationDataset.Create(Dev.Value, TestData.Tokenizer, Testaments, 32);
        var stream = new SequenceClassificationBatchStream(data, 100, seed: 3);
        Assert.Equal(Dev.Value.Count / 100, stream.BatchesPerEpoch);

        // One epoch sees distinct examples, all but the dropped remainder.
        var labelsOfEpoch = new List<int>();
        SequenceClassificationBatch batch = stream.CreateBatch();
        var firstRows = new List<int[]>();
        for (int i = 0; i < stream.BatchesPerEpoch; i++)
        {
            stream.Next(batch);
            labelsOfEpoch.AddRange(batch.Labels);
            firstRows.Add(batch.InputIds.AsSpan(0, 32).ToArray());
            Assert.Equal(100, batch.RealCount);
        }

        Assert.Equal(stream.BatchesPerEpoch * 100, labelsOfEpoch.Count);
        // OT share of a random 2,400 of 2,418 dev verses stays near 1905/2418 = 0.788 (it can differ by at most 18/2400).
        Assert.InRange(labelsOfEpoch.Count(l => l == 0) / (double)labelsOfEpoch.Count, 0.780, 0.796);

        SequenceClassificationStreamState saved = stream.SaveState();
        var expected = new List<int[]>();
        for (int i = 0; i < 30; i++)
        {
            stream.Next(batch);
            expected.Add(batch.InputIds.ToArray());
        }

        Assert.NotEqual(firstRows[0], expected[0].AsSpan(0, 32).ToArray()); // epoch 1 order differs from epoch 0

        var resumed = new SequenceClassificationBatchStream(data, 100, seed: 3);
        resumed.RestoreState(saved);
        foreach (int[] e in expected)
        {
            resumed.Next(batch);
            Assert.Equal(e, batch.InputIds);
        }
    }

    [Fact]
    public void SavedState_IsRefusedByAStreamOverOtherExamples_EvenAsMany()
    {
        List<LabelledText> examples = Dev.Value.Take(60).ToList();
        var stream = new SequenceClassificationBatchStream(Create(examples), 8, seed: 5);
        Take(stream, 3);
        SequenceClassificationStreamState saved = stream.SaveState();

        // One label flipped, or one text replaced: as many examples, other batches. Checked by its count alone, the
        // state let a run go on training on them.
        List<LabelledText> relabelled = [.. examples];
        relabelled[7] = relabelled[7] with { Label = relabelled[7].Label == "OT" ? "NT" : "OT" };
        List<LabelledText> rewritten = [.. examples];
        rewritten[7] = rewritten[7] with { Text = "Jesus wept." };
        foreach (List<LabelledText> other in new[] { relabelled, rewritten })
        {
            var refused = Assert.Throws<TextDataException>(() => new SequenceClassificationBatchStream(Create(other), 8, seed: 5, "'other.tsv'").RestoreState(saved));
            Assert.Equal("the resumed run was trained on other data: 'other.tsv' holds the run's 60 examples, but with different content; resume with the same training file and options",
                refused.Message);
        }

        Assert.Equal("the resumed run was trained on other data: 'other.tsv' holds 59 examples, not the run's 60; resume with the same training file and options",
            Assert.Throws<TextDataException>(() => new SequenceClassificationBatchStream(Create(examples.Take(59).ToList()), 8, seed: 5, "'other.tsv'").RestoreState(saved)).Message);

        // The same examples read again restore (a fork keeps its source's fingerprint); a state saved before fingerprints
        // were recorded has none and is checked by its count alone, as it always was.
        var again = new SequenceClassificationBatchStream(Create(examples), 8, seed: 5);
        again.RestoreState(saved);
        Assert.Equal(stream.ContentFingerprint, again.Fork().ContentFingerprint);
        var relabelledStream = new SequenceClassificationBatchStream(Create(relabelled), 8, seed: 5);
        relabelledStream.RestoreState(saved with { ContentFingerprint = null });
        Assert.Equal(3, relabelledStream.BatchInEpoch);

        static SequenceClassificationDataset Create(List<LabelledText> examples) =>
            SequenceClassificationDataset.Create(examples, TestData.Tokenizer, Testaments, 32);
    }

    [Fact]
    public void Fork_GivesTheBatchesABuiltStreamWould_AndAdvancesOnItsOwn()
    {
        // Replicas in one process fork one stream instead of each tokenising the file: a fork made at the start must
        // give what a stream built with the same seed gives, across epochs, whatever the original does meanwhile.
        SequenceClassificationDataset data = SequenceClassificationDataset.Create(Dev.Value.Take(60).ToList(), TestData.Tokenizer, Testaments, 32);
        var original = new SequenceClassificationBatchStream(data, 8, seed: 5);
        SequenceClassificationBatchStream fork = original.Fork();
        int twoEpochs = 2 * original.BatchesPerEpoch + 1;
        Take(original, twoEpochs);
        AssertSameBatches(Take(new SequenceClassificationBatchStream(data, 8, seed: 5), twoEpochs), Take(fork, twoEpochs));

        // A fork made later starts where its source is, in the middle of an epoch.
        SequenceClassificationBatchStream later = original.Fork();
        AssertSameBatches(Take(original, 5), Take(later, 5));
    }

    private static List<SequenceClassificationBatch> Take(SequenceClassificationBatchStream stream, int count)
    {
        var batches = new List<SequenceClassificationBatch>();
        for (int i = 0; i < count; i++)
        {
            SequenceClassificationBatch batch = stream.CreateBatch();
            stream.Next(batch);
            batches.Add(batch);
        }

        return batches;
    }

    private static void AssertSameBatches(List<SequenceClassificationBatch> expected, List<SequenceClassificationBatch> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].InputIds, actual[i].InputIds);
            Assert.Equal(expected[i].InputMask, actual[i].InputMask);
            Assert.Equal(expected[i].SegmentIds, actual[i].SegmentIds);
            Assert.Equal(expected[i].Labels, actual[i].Labels);
        }
    }

    [Fact]
    public void PairsAndTruncation_AreEncodedAndCounted()
    {
        var examples = new List<LabelledText>
        {
            new("yes", "In the beginning God created the heaven and the earth.", "And the earth was without form."),
            new("no", "Jesus wept."),
        };
        SequenceClassificationDataset data = SequenceClassificationDataset.Create(examples, TestData.Tokenizer, ["no", "yes"], 12);
        Assert.Equal(1, data.TruncatedCount);
        Assert.Equal(1, data.Label(0));
        Assert.Contains(1, data.Input(0).SegmentIds);
        Assert.Equal(12, data.Input(0).InputIds.Count);
    }

    [Fact]
    public void BadLabelledText_IsRejectedWithItsLine()
    {
        TextDataException noTab = Assert.Throws<TextDataException>(() => LabelledTextReader.Read(new StringReader("OT\tfine\nno tab here\n"), "bad.tsv"));
        Assert.Contains("bad.tsv line 2", noTab.Message, StringComparison.Ordinal);
        Assert.Throws<TextDataException>(() => LabelledTextReader.Read(new StringReader("\ttext\n"), "empty-label.tsv"));
        Assert.Throws<TextDataException>(() => LabelledTextReader.Read(new StringReader("OT\t \n"), "blank-text.tsv"));

        // A label of only whitespace (spaces, a no-break space) was taken as a class named "  "; it names the file and line as an empty one does.
        TextDataException spaces = Assert.Throws<TextDataException>(() => LabelledTextReader.Read(new StringReader("OT\tone\n  \ttwo\n"), "blank-label.tsv"));
        Assert.Equal("blank-label.tsv line 2: the label or a text is empty or only whitespace.", spaces.Message);
        Assert.Throws<TextDataException>(() => LabelledTextReader.Read(new StringReader("\u00a0\ttext\tpair\n"), "no-break-space.tsv"));
        TextDataException onlyBlank = Assert.Throws<TextDataException>(() => LabelledTextReader.Read(new StringReader("\n \n"), "blank.tsv"));
        Assert.Equal("blank.tsv has no examples.", onlyBlank.Message);

        // Blank lines hold no example and are skipped (an editor's newline at the end, a gap between blocks); the lines
        // after them keep their numbers.
        List<LabelledText> gaps = LabelledTextReader.Read(new StringReader("OT\tone\n\nNT\ttwo\n \t \nXX\tthree\n\n"), "gaps.tsv");
        Assert.Equal(["one", "two", "three"], gaps.Select(e => e.Text));
        TextDataException third = Assert.Throws<TextDataException>(() => SequenceClassificationDataset.Create(gaps, TestData.Tokenizer, Testaments, 16));
        Assert.StartsWith("gaps.tsv line 5 has label 'XX'", third.Message, StringComparison.Ordinal);
        Assert.Throws<TextDataException>(() => SequenceClassificationDataset.Create(
            [new LabelledText("XX", "text")], TestData.Tokenizer, Testaments, 16));
        List<LabelledText> unknownOnLine3 = LabelledTextReader.Read(new StringReader("OT\tone\nNT\ttwo\nXX\tthree\n"), "labels.tsv");
        TextDataException unknown = Assert.Throws<TextDataException>(() => SequenceClassificationDataset.Create(unknownOnLine3, TestData.Tokenizer, Testaments, 16));
        Assert.StartsWith("labels.tsv line 3 has label 'XX'", unknown.Message, StringComparison.Ordinal);
        Assert.Throws<TextDataException>(() => SequenceClassificationDataset.Create(
            [new LabelledText("OT", "text")], TestData.Tokenizer, ["OT", "OT"], 16));
    }

    [Fact]
    public void ABatchLargerThanTheDataSetSaysHowToFitIt()
    {
        SequenceClassificationDataset two = SequenceClassificationDataset.Create(
            [new LabelledText("OT", "one"), new LabelledText("NT", "two")], TestData.Tokenizer, Testaments, 16);
        TextDataException tooLarge = Assert.Throws<TextDataException>(() => new SequenceClassificationBatchStream(two, 16, seed: 1));
        Assert.Equal("the data set has 2 example(s), fewer than one batch of 16: use a smaller batch or more examples", tooLarge.Message);
        TextDataException empty = Assert.Throws<TextDataException>(() => new SequenceClassificationBatchStream(two, 0, seed: 1));
        Assert.Equal("a batch holds at least 1 example; got a batch size of 0", empty.Message);
    }
}
