using System;
using System.Linq;
using System.Text.Json;
using BertGen.Runtime.Inference;
using Xunit;

namespace BertGen.Cli.Tests.Serving;

/// <summary>
/// Long texts in the CLI: <c>--chunk</c> against the windows embedded one by one (each word of these texts is one
/// WordPiece, so a window of WordPieces is a text of words), <c>--tokens</c> against the plain embedding it pools into.
/// </summary>
public sealed class ChunkAndTokensTests
{
    [Fact]
    public void Chunk_is_the_length_weighted_mean_of_the_overlapping_windows()
    {
        string[] words = ServeTexts.OfLength(600, 3).Split(' ');
        string text = string.Join(' ', words);
        Assert.Equal(600, ServeTexts.Tokenizer.Tokenize(text).Length);

        CliResult chunked = Cli.Run("embed", "--quiet", "--chunk", text);
        CliResult truncated = Cli.Run("embed", "--quiet", text);

        // Windows of 254 WordPieces every 254 − 32 = 222: [0, 254), [222, 476), [444, 600).
        (int Start, int End)[] windows = [(0, 254), (222, 476), (444, 600)];
        CliResult raw = Cli.Run(["embed", "--quiet", "--no-normalize", .. windows.Select(w => string.Join(' ', words[w.Start..w.End]))]);
        float[][] pooled = Embeddings.Parse(raw).Select(p => p.Embedding).ToArray();
        var expected = new float[384];
        for (int j = 0; j < expected.Length; j++)
        {
            expected[j] = (float)(windows.Select((w, i) => (double)(w.End - w.Start) * pooled[i][j]).Sum() / 600);
        }

        Pooling.NormalizeL2(expected);
        Assert.True(Embeddings.MaxDifference(Assert.Single(Embeddings.Parse(chunked)).Embedding, expected) <= 1e-6);
        Assert.Equal("", chunked.Error);
        Assert.Equal("bertgen: warning: text 1 is longer than 256 tokens, all-MiniLM-L6-v2's limit, as sentence-transformers truncates it; truncated (--chunk embeds all of it)",
            Assert.Single(truncated.ErrorLines));
    }

    [Fact]
    public void Tokens_gives_every_tokens_vector_whose_mean_is_the_embedding()
    {
        CliResult tokens = Cli.Run("embed", "--quiet", "--tokens", "This is an example sentence");
        CliResult pooled = Cli.Run("embed", "--quiet", "--no-normalize", "This is an example sentence");

        using JsonDocument line = JsonDocument.Parse(Assert.Single(tokens.OutputLines));
        Assert.Equal(["[CLS]", "this", "is", "an", "example", "sentence", "[SEP]"], line.RootElement.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()));
        float[][] states = line.RootElement.GetProperty("embeddings").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
        float[] mean = Enumerable.Range(0, 384).Select(j => (float)states.Average(s => (double)s[j])).ToArray();
        Assert.True(Embeddings.MaxDifference(mean, Assert.Single(Embeddings.Parse(pooled)).Embedding) <= 1e-6);
        Assert.Contains("does not go with --chunk", Cli.Run("embed", "--tokens", "--chunk", "x").AssertOneLineError(2), StringComparison.Ordinal);
    }
}
