using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Text;
using Xunit;

namespace BertGen.Text.Tests;

/// <summary>Invariants of Google-style pretraining instances built from the whole KJV corpus.</summary>
public sealed class PretrainingInstanceTests
{
    private static readonly Lazy<List<PretrainingInstance>> DefaultInstances = new(() =>
        new PretrainingInstanceBuilder(TestData.Corpus, TestData.Vocabulary, new PretrainingOptions { DupeFactor = 2 })
            .CreateInstances(new Xoshiro256StarStar(12345), mask: true));

    private static readonly Lazy<CorpusIndex> Index = new(() => new CorpusIndex(TestData.Corpus));

    /// <summary>The instance's tokens with the original ids put back at the masked positions.</summary>
    private static int[] Unmasked(PretrainingInstance instance)
    {
        int[] tokens = instance.InputIds.ToArray();
        for (int i = 0; i < instance.MaskedLmPositions.Count; i++)
        {
            tokens[instance.MaskedLmPositions[i]] = instance.MaskedLmLabels[i];
        }

        return tokens;
    }

    [Fact]
    public void Corpus_HasTheDocumentedCounts()
    {
        // models/corpus/README.md: 66 books, 31,102 verses, 1,005,183 WordPieces.
        Assert.Equal(66, TestData.Corpus.DocumentCount);
        Assert.Equal(31102, TestData.Corpus.SentenceCount);
        Assert.Equal(1005183, TestData.Corpus.TokenCount);
    }

    [Fact]
    public void Instances_HaveBertLayoutSegmentsAndFormulaMaskCounts()
    {
        BertVocabulary vocab = TestData.Vocabulary;
        List<PretrainingInstance> instances = DefaultInstances.Value;
        Assert.True(instances.Count > 10000, $"{instances.Count} instances");
        foreach (PretrainingInstance instance in instances)
        {
            int[] tokens = Unmasked(instance);
            int length = tokens.Length;
            Assert.InRange(length, 5, 128);
            Assert.Equal(length, instance.SegmentIds.Count);
            Assert.Equal(vocab.ClassificationId, tokens[0]);
            Assert.Equal(vocab.SeparatorId, tokens[^1]);
            int[] separators = Enumerable.Range(0, length).Where(i => tokens[i] == vocab.SeparatorId).ToArray();
            Assert.Equal(2, separators.Length);
            Assert.DoesNotContain(vocab.ClassificationId, tokens.Skip(1));
            int firstSep = separators[0];
            Assert.InRange(firstSep, 2, length - 3); // A and B each at least one token
            for (int i = 0; i < length; i++)
            {
                Assert.Equal(i <= firstSep ? 0 : 1, instance.SegmentIds[i]);
            }

            IReadOnlyList<int> positions = instance.MaskedLmPositions;
            Assert.Equal(MaskedLmMasker.PredictionCount(length, 0.15, 20), positions.Count);
            Assert.Equal(positions.Count, instance.MaskedLmLabels.Count);
            for (int p = 0; p < positions.Count; p++)
            {
                Assert.InRange(positions[p], 1, length - 2);
                Assert.NotEqual(firstSep, positions[p]);
                if (p > 0)
                {
                    Assert.True(positions[p] > positions[p - 1], "positions ascending and distinct");
                }
            }

            // Outside the masked positions the input is the unmasked text itself.
            var masked = new HashSet<int>(positions);
            for (int i = 0; i < length; i++)
            {
                if (!masked.Contains(i))
                {
                    Assert.Equal(tokens[i], instance.InputIds[i]);
                }
            }
        }
    }

    [Fact]
    public void SegmentsAreRealCorpusText_AndActualNextFollowsAInTheSameBook()
    {
        // Putting the labels back must give A and B as contiguous runs of some book's token stream (so the
        // labels are the true tokens and truncation only trimmed ends); an actual-next B must come after A in
        // the same book, a random-next B from a different one.
        BertVocabulary vocab = TestData.Vocabulary;
        CorpusIndex index = Index.Value;
        List<PretrainingInstance> instances = DefaultInstances.Value;
        for (int n = 0; n < instances.Count; n += 7)
        {
            PretrainingInstance instance = instances[n];
            int[] tokens = Unmasked(instance);
            int firstSep = Array.IndexOf(tokens, vocab.SeparatorId);
            int[] a = tokens[1..firstSep];
            int[] b = tokens[(firstSep + 1)..^1];
            var inA = index.Find(a);
            var inB = index.Find(b);
            Assert.NotEmpty(inA);
            Assert.NotEmpty(inB);
            if (instance.IsRandomNext)
            {
                Assert.Contains(inA, x => inB.Any(y => y.Document != x.Document));
            }
            else
            {
                Assert.Contains(inA, x => inB.Any(y => y.Document == x.Document && y.Offset >= x.Offset + a.Length));
            }
        }
    }

    [Fact]
    public void Replacements_Are80PercentMask10PercentKept10PercentRandom()
    {
        // Each chosen token is [MASK] w.p. 0.8, itself w.p. 0.1 + 0.1/V (a random id can equal it), another
        // id otherwise (a random id equal to [MASK], 0.1/V, is counted as [MASK]; V = 30,522 makes these
        // corrections < 4e-6). With N ≈ 3e5 predictions σ ≤ sqrt(0.16/N) ≈ 7e-4: 5σ bands below.
        BertVocabulary vocab = TestData.Vocabulary;
        long total = 0, mask = 0, kept = 0, random = 0;
        double randomIdSum = 0;
        foreach (PretrainingInstance instance in DefaultInstances.Value)
        {
            for (int p = 0; p < instance.MaskedLmPositions.Count; p++)
            {
                int id = instance.InputIds[instance.MaskedLmPositions[p]];
                total++;
                if (id == vocab.MaskId)
                {
                    mask++;
                }
                else if (id == instance.MaskedLmLabels[p])
                {
                    kept++;
                }
                else
                {
                    random++;
                    randomIdSum += id;
                }
            }
        }

        Assert.True(total > 200000, $"{total} predictions");
        double Band(double q) => 5 * Math.Sqrt(q * (1 - q) / total);
        Assert.InRange(mask / (double)total, 0.8 - Band(0.8), 0.8 + Band(0.8));
        Assert.InRange(kept / (double)total, 0.1 - Band(0.1), 0.1 + Band(0.1));
        Assert.InRange(random / (double)total, 0.1 - Band(0.1), 0.1 + Band(0.1));
        // Random ids are uniform over the vocabulary: mean (V−1)/2, σ of the mean = V/sqrt(12·random).
        double meanSigma = vocab.Count / Math.Sqrt(12.0 * random);
        Assert.InRange(randomIdSum / random, (vocab.Count - 1) / 2.0 - 5 * meanSigma, (vocab.Count - 1) / 2.0 + 5 * meanSigma);
    }

    [Fact]
    public void RandomNext_IsHalfOfThePairs()
    {
        // With short_seq_prob 0 the target is 125 tokens and every verse is shorter (checked below), so a
        // chunk of a single sentence (which is always random-next) can only be a book's last chunk: at most
        // one per book per pass. So P(random) lies in [0.5, 0.5 + 0.5·books·passes/instances]; we allow
        // 5 binomial σ on top.
        int longest = Enumerable.Range(0, TestData.Corpus.DocumentCount)
            .SelectMany(d => TestData.Corpus.Document(d)).Max(s => s.Length);
        Assert.True(longest < 125, $"longest verse has {longest} WordPieces");
        var options = new PretrainingOptions { DupeFactor = 2, ShortSeqProb = 0 };
        List<PretrainingInstance> instances = new PretrainingInstanceBuilder(TestData.Corpus, TestData.Vocabulary, options)
            .CreateInstances(new Xoshiro256StarStar(99), mask: false);
        int n = instances.Count;
        double fraction = instances.Count(i => i.IsRandomNext) / (double)n;
        double sigma = Math.Sqrt(0.25 / n);
        double singleChunkBound = 0.5 * TestData.Corpus.DocumentCount * options.DupeFactor / n;
        Assert.InRange(fraction, 0.5 - 5 * sigma, 0.5 + singleChunkBound + 5 * sigma);
        Assert.All(instances, i => Assert.Empty(i.MaskedLmPositions));
    }

    [Fact]
    public void ShortSeqProb_ProducesSomeShortTargets()
    {
        // With short_seq_prob 0 nearly all instances fill most of the 125-token budget; with 1.0 every
        // document draws a target in [2, 125], so many instances are short.
        static double ShortFraction(double p) =>
            new PretrainingInstanceBuilder(TestData.Corpus, TestData.Vocabulary, new PretrainingOptions { DupeFactor = 1, ShortSeqProb = p })
                .CreateInstances(new Xoshiro256StarStar(4), mask: false)
                .Average(i => i.InputIds.Count < 64 ? 1.0 : 0.0);

        Assert.True(ShortFraction(0) < 0.05);
        Assert.True(ShortFraction(1) > 0.2);
    }

    [Fact]
    public void WholeWordMasking_OnTheCorpus_MasksWholeWordsWithinTheBudget()
    {
        BertVocabulary vocab = TestData.Vocabulary;
        var options = new PretrainingOptions { DupeFactor = 1, WholeWordMask = true };
        List<PretrainingInstance> instances = new PretrainingInstanceBuilder(TestData.Corpus, vocab, options)
            .CreateInstances(new Xoshiro256StarStar(8), mask: true);
        int multiPieceWordsMasked = 0;
        foreach (PretrainingInstance instance in instances)
        {
            int[] tokens = Unmasked(instance);
            var masked = new HashSet<int>(instance.MaskedLmPositions);
            Assert.InRange(masked.Count, 1, MaskedLmMasker.PredictionCount(tokens.Length, 0.15, 20));
            for (int i = 2; i < tokens.Length - 1; i++)
            {
                if (vocab.IsContinuation(tokens[i]) && tokens[i - 1] != vocab.SeparatorId)
                {
                    Assert.Equal(masked.Contains(i - 1), masked.Contains(i));
                    if (masked.Contains(i))
                    {
                        multiPieceWordsMasked++;
                    }
                }
            }
        }

        Assert.True(multiPieceWordsMasked > 100, $"{multiPieceWordsMasked} continuation pieces masked");
    }

    [Fact]
    public void Builder_RejectsACorpusWithoutASecondDocument()
    {
        PretrainingCorpus single = PretrainingCorpus.FromTokenIds(new[] { new[] { new[] { 2000, 2001 }, new[] { 2002 } } });
        Assert.Throws<TextDataException>(() => new PretrainingInstanceBuilder(single, TestData.Vocabulary, new PretrainingOptions()));
        Assert.Throws<TextDataException>(() => new PretrainingOptions { MaskedLmProb = 1.5 }.Validate());
        Assert.Throws<TextDataException>(() => new PretrainingOptions { MaxSeqLength = 4 }.Validate());
    }
}
