using System;
using System.Collections.Generic;
using BertGen.Testing;
using Xunit;

namespace BertGen.Runtime.Tests;

/// <summary>all-MiniLM-L6-v2's published output, an oracle independent of both our code and ONNX Runtime.</summary>
[Collection(MiniLmCollection.Name)]
public sealed class SentenceEmbeddingTests
{
    private readonly MiniLmFixture _fixture;

    public SentenceEmbeddingTests(MiniLmFixture fixture) => _fixture = fixture;

    [Fact]
    public void TokenizerGivesThePublishedIds()
    {
        IReadOnlyList<int> ids = _fixture.Tokenizer.EncodeToIds("This is an example sentence");
        Assert.Equal([101, 2023, 2003, 2019, 2742, 6251, 102], ids);
    }

    [Fact]
    public void UncasedTokenizerStripsAccentsAndSplitsCjk()
    {
        Assert.Equal(_fixture.Tokenizer.EncodeToIds("creme brulee cafe"), _fixture.Tokenizer.EncodeToIds("Crème Brûlée CAFÉ"));

        // Every CJK ideograph is its own word: 7 ideographs + [CLS] + [SEP].
        Assert.Equal(9, _fixture.Tokenizer.EncodeToIds("我爱北京天安门").Count);
    }

    [Fact]
    public void MeanPooledNormalisedEmbeddingMatchesThePublishedValues()
    {
        long[] ids = [101, 2023, 2003, 2019, 2742, 6251, 102];
        var mask = new long[ids.Length];
        Array.Fill(mask, 1L);
        ReferenceBertOutput output = _fixture.Reference.Forward(1, ids.Length, ids, mask, new long[ids.Length]);

        int h = output.Hidden;
        var embedding = new double[h];
        for (int t = 0; t < ids.Length; t++)
        {
            for (int i = 0; i < h; i++)
            {
                embedding[i] += output.LastHiddenState[(t * h) + i] / ids.Length;
            }
        }

        double norm = 0;
        foreach (double v in embedding)
        {
            norm += v * v;
        }

        norm = Math.Sqrt(norm);

        // The published values are rounded to 4 decimals, so they bound the truth to ±5e-5.
        double[] published = [0.0677, 0.0635, 0.0487, 0.0793, 0.0374];
        for (int i = 0; i < published.Length; i++)
        {
            Assert.InRange(embedding[i] / norm, published[i] - 5e-5, published[i] + 5e-5);
        }
    }
}
