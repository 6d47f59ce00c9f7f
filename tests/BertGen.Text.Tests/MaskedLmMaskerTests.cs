using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Text;
using Xunit;

namespace BertGen.Text.Tests;

public sealed class MaskedLmMaskerTests
{
    [Theory]
    // Python 3's round() is round-half-to-even on the double product: 10×0.15 is 1.5 → 2, 30×0.15 is 4.5 → 4.
    [InlineData(128, 19)] // round(19.2)
    [InlineData(10, 2)]
    [InlineData(30, 4)]
    [InlineData(3, 1)] // round(0.45) = 0, then at least one prediction
    [InlineData(200, 20)] // capped by max_predictions_per_seq
    public void PredictionCount_FollowsGoogleFormula(int length, int expected)
    {
        Assert.Equal(expected, MaskedLmMasker.PredictionCount(length, 0.15, 20));
    }

    [Fact]
    public void WholeWordMasking_MasksEveryPieceOfAChosenWordAndNeverSplitsOne()
    {
        BertVocabulary vocab = TestData.Vocabulary;
        BertWordPieceTokenizer tokenizer = TestData.Tokenizer;
        var masker = new MaskedLmMasker(vocab, new PretrainingOptions { WholeWordMask = true, MaxPredictionsPerSeq = 20 });
        int[] a = tokenizer.Tokenize("the unaffable quizzically jabberwocky outgrabe, the mimsy borogoves");
        int[] b = tokenizer.Tokenize("and the mome raths outgrabe beneath tumtum trees");
        Assert.Contains(a, vocab.IsContinuation);
        int[] original = [vocab.ClassificationId, .. a, vocab.SeparatorId, .. b, vocab.SeparatorId];

        var rng = new Xoshiro256StarStar(5);
        int wholeWordsOfSeveralPieces = 0;
        for (int trial = 0; trial < 300; trial++)
        {
            int[] tokens = (int[])original.Clone();
            (int[] positions, int[] labels) = masker.Mask(tokens, rng);
            var chosen = new HashSet<int>(positions);
            Assert.InRange(positions.Length, 1, MaskedLmMasker.PredictionCount(tokens.Length, 0.15, 20));
            for (int i = 0; i < original.Length; i++)
            {
                bool continuation = vocab.IsContinuation(original[i]);
                // A continuation piece is masked exactly when the piece before it is.
                if (continuation && i > 0 && original[i - 1] != vocab.SeparatorId)
                {
                    Assert.Equal(chosen.Contains(i - 1), chosen.Contains(i));
                    if (chosen.Contains(i))
                    {
                        wholeWordsOfSeveralPieces++;
                    }
                }

                if (!chosen.Contains(i))
                {
                    Assert.Equal(original[i], tokens[i]);
                }
            }

            Assert.Equal(positions.Select(p => original[p]), labels);
        }

        // The sentence has several multi-piece words; some of them must have been chosen.
        Assert.True(wholeWordsOfSeveralPieces > 0);
    }

    [Fact]
    public void Masking_NeverTouchesSpecialTokens_AndCountsMatchTheFormula()
    {
        BertVocabulary vocab = TestData.Vocabulary;
        var masker = new MaskedLmMasker(vocab, new PretrainingOptions());
        var rng = new Xoshiro256StarStar(9);
        for (int length = 5; length <= 128; length++)
        {
            int[] tokens = new int[length];
            tokens[0] = vocab.ClassificationId;
            tokens[length - 1] = vocab.SeparatorId;
            tokens[length / 2] = vocab.SeparatorId;
            for (int i = 1; i < length - 1; i++)
            {
                if (i != length / 2)
                {
                    tokens[i] = 2000 + i;
                }
            }

            (int[] positions, _) = masker.Mask(tokens, rng);
            // Without whole-word masking every candidate is one token, so the count is exactly n
            // (length − 3 candidates always ≥ n for these lengths).
            Assert.Equal(MaskedLmMasker.PredictionCount(length, 0.15, 20), positions.Length);
            Assert.DoesNotContain(0, positions);
            Assert.DoesNotContain(length - 1, positions);
            Assert.DoesNotContain(length / 2, positions);
            Assert.Equal(positions.OrderBy(p => p).Distinct(), positions);
        }
    }
}
