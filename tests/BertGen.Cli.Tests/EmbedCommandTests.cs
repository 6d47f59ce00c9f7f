using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace BertGen.Cli.Tests;

/// <summary><c>bertgen embed</c> against all-MiniLM-L6-v2's published output and against itself across input paths.</summary>
public sealed class EmbedCommandTests
{
    // The published values are rounded to 4 decimals; the compiled float32 kernels agree with the double
    // reference to ~1e-6, so 5e-4 only absorbs the rounding and would still catch a wrong pooling or layer.
    private const double PublishedTolerance = 5e-4;

    [Fact]
    public void ExampleSentenceMatchesThePublishedEmbedding()
    {
        CliResult result = Cli.Run("embed", "This is an example sentence");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("", result.Error);
        (string text, float[] embedding) = Assert.Single(Embeddings.Parse(result));
        Assert.Equal("This is an example sentence", text);
        Assert.Equal(384, embedding.Length);
        double[] published = [0.0677, 0.0635, 0.0487, 0.0793, 0.0374];
        for (int i = 0; i < published.Length; i++)
        {
            Assert.True(Math.Abs(embedding[i] - published[i]) <= PublishedTolerance, $"value {i}: {embedding[i]} vs published {published[i]}");
        }

        Assert.Equal(1.0, Embeddings.Norm(embedding), 5);
    }

    [Fact]
    public void ArgumentsFileAndStandardInputGiveTheSameEmbeddingsInOrder()
    {
        string[] texts = ["The cat sat on the mat.", "Ein Hund läuft im Park – schnell!", "日本語のテキスト"];
        using var folder = new TemporaryFolder();
        string file = folder.File("texts.txt");

        // CRLF, a blank line and a byte-order mark are all tolerated.
        File.WriteAllText(file, "\uFEFF" + texts[0] + "\r\n\r\n" + texts[1] + "\n" + texts[2]);

        List<(string Text, float[] Embedding)> fromArguments = Embeddings.Parse(Cli.Run(["embed", .. texts]));
        List<(string Text, float[] Embedding)> fromFile = Embeddings.Parse(Cli.Run("embed", "--file", file));
        List<(string Text, float[] Embedding)> fromStdin = Embeddings.Parse(Cli.RunWithInput(string.Join("\n", texts) + "\n", "embed"));

        foreach (List<(string Text, float[] Embedding)> run in new[] { fromArguments, fromFile, fromStdin })
        {
            Assert.Equal(texts, run.Select(r => r.Text));
            for (int i = 0; i < texts.Length; i++)
            {
                Assert.Equal(0.0, Embeddings.MaxDifference(fromArguments[i].Embedding, run[i].Embedding), 6);
            }
        }

        // Different texts, different vectors: the rows are not one row repeated.
        Assert.True(Embeddings.Cosine(fromArguments[0].Embedding, fromArguments[1].Embedding) < 0.9);
    }

    [Fact]
    public void BatchedEmbeddingsEqualOneAtATime()
    {
        // 40 texts: more than one chunk and more than one 8-row batch, with a short last batch padded by masked rows.
        string[] texts = Enumerable.Range(0, 40).Select(i => $"Sentence number {i} talks about {(i % 3 == 0 ? "cats" : "the weather")}.").ToArray();
        List<(string Text, float[] Embedding)> all = Embeddings.Parse(Cli.RunWithInput(string.Join("\n", texts), "embed"));
        Assert.Equal(texts.Length, all.Count);
        foreach (int i in new[] { 0, 17, 39 })
        {
            (string _, float[] alone) = Assert.Single(Embeddings.Parse(Cli.Run("embed", texts[i])));
            Assert.Equal(texts[i], all[i].Text);
            Assert.True(Embeddings.MaxDifference(alone, all[i].Embedding) < 1e-5, $"text {i} differs between batch 8 and batch 1");
        }
    }

    [Fact]
    public void PlainProgressIsOneLinePerTenthAndQuietSilencesIt()
    {
        string input = string.Join("\n", Enumerable.Range(0, 100).Select(i => $"short text {i}"));
        CliResult result = Cli.RunWithInput(input, "embed");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(100, result.OutputLines.Length);
        string[] progress = result.ErrorLines;
        Assert.InRange(progress.Length, 3, 10);
        Assert.All(progress, line => Assert.Matches(@"^bertgen: embedding: \d+/100$", line));
        Assert.Equal("bertgen: embedding: 100/100", progress[^1]);

        CliResult quiet = Cli.RunWithInput(input, "embed", "--quiet");
        Assert.Equal("", quiet.Error);
        Assert.Equal(result.Output, quiet.Output);
    }

    [Fact]
    public void LiveProgressOnATerminalLeavesTheOutputAlone()
    {
        byte[] input = System.Text.Encoding.UTF8.GetBytes(string.Join("\n", Enumerable.Range(0, 70).Select(i => $"line {i}")));
        CliResult live = Cli.RunWithInput(input, errorIsTerminal: true, "embed");
        CliResult plain = Cli.RunWithInput(input, "embed", "--quiet");

        Assert.True(live.ExitCode == 0, live.Error);
        Assert.Equal(plain.Output, live.Output);
        Assert.DoesNotContain("bertgen: embedding:", live.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void NoNormalizeKeepsTheDirectionButNotTheUnitLength()
    {
        float[] normalized = Assert.Single(Embeddings.Parse(Cli.Run("embed", "A man is riding a horse."))).Embedding;
        float[] raw = Assert.Single(Embeddings.Parse(Cli.Run("embed", "--no-normalize", "A man is riding a horse."))).Embedding;

        Assert.True(Math.Abs(Embeddings.Norm(raw) - 1.0) > 0.01, $"raw norm {Embeddings.Norm(raw)}");
        Assert.Equal(1.0, Embeddings.Cosine(raw, normalized), 5);
    }

    [Fact]
    public void ClsPoolingAndArcticXsAreDifferentEmbeddings()
    {
        const string text = "Snowflake is a data cloud.";
        float[] mean = Assert.Single(Embeddings.Parse(Cli.Run("embed", text))).Embedding;
        float[] cls = Assert.Single(Embeddings.Parse(Cli.Run("embed", "--pooling", "cls", text))).Embedding;
        CliResult arcticRun = Cli.Run("embed", "--model", "arctic-xs", text);
        Assert.True(arcticRun.ExitCode == 0, arcticRun.Error);
        float[] arctic = Assert.Single(Embeddings.Parse(arcticRun)).Embedding;

        Assert.True(Embeddings.Cosine(mean, cls) < 0.99, "cls pooling gave the mean");
        Assert.True(Embeddings.Cosine(cls, arctic) < 0.9, "arctic-xs gave MiniLM's vector");
        Assert.Equal(1.0, Embeddings.Norm(arctic), 5);

        // arctic-xs uses CLS pooling by default: asking for it explicitly changes nothing.
        float[] arcticCls = Assert.Single(Embeddings.Parse(Cli.Run("embed", "--model", "arctic-xs", "--pooling", "cls", text))).Embedding;
        Assert.Equal(0.0, Embeddings.MaxDifference(arctic, arcticCls), 6);
    }

    [Fact]
    public void LongTextIsTruncatedWhereSentenceTransformersTruncatesWithAWarning()
    {
        // Each of these words is one WordPiece, so 254 of them fill [CLS] … [SEP] at all-MiniLM-L6-v2's limit of 256.
        string[] words = Enumerable.Range(0, 300).Select(i => new[] { "the", "cat", "sat", "on", "a", "mat" }[i % 6]).ToArray();
        CliResult longRun = Cli.Run("embed", string.Join(' ', words));
        CliResult prefixRun = Cli.Run("embed", string.Join(' ', words.Take(254)));

        Assert.Equal(0, longRun.ExitCode);
        string warning = Assert.Single(longRun.ErrorLines);
        Assert.StartsWith("bertgen: warning: text 1 is longer than 256 tokens, all-MiniLM-L6-v2's limit", warning, StringComparison.Ordinal);
        Assert.Equal("", prefixRun.Error);
        float[] truncated = Assert.Single(Embeddings.Parse(longRun)).Embedding;
        float[] prefix = Assert.Single(Embeddings.Parse(prefixRun)).Embedding;
        Assert.True(Embeddings.MaxDifference(truncated, prefix) < 1e-6);
    }

    [Fact]
    public void AWordPastHuggingFacesHundredCharactersIsUnknownForTheBundledModels()
    {
        // all-MiniLM-L6-v2's tokenizer.json (and BertTokenizerFast's default) splits words of up to 100 characters and reads a
        // longer one as [UNK]; Google's limit, 200, split words of 101-200 characters into pieces sentence-transformers never sees.
        string hundred = new('a', 100), longer = new('a', 101);
        foreach (string model in new[] { "minilm", "arctic-xs" })
        {
            CliResult result = Cli.Run("embed", "--quiet", "--tokens", "--model", model, hundred, longer);
            Assert.True(result.ExitCode == 0, result.Error);
            string[][] tokens = result.OutputLines.Select(line =>
            {
                using var json = System.Text.Json.JsonDocument.Parse(line);
                return json.RootElement.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!).ToArray();
            }).ToArray();
            Assert.DoesNotContain("[UNK]", tokens[0]);
            Assert.Equal(["[CLS]", "[UNK]", "[SEP]"], tokens[1]);
        }
    }

    [Fact]
    public void AccentsAreStrippedWithoutIcu()
    {
        // The CLI runs globalization-invariant (as its AOT build does); uncased BERT must still fold accents.
        float[] plain = Assert.Single(Embeddings.Parse(Cli.Run("embed", "creme brulee at the cafe"))).Embedding;
        float[] accented = Assert.Single(Embeddings.Parse(Cli.Run("embed", "Crème Brûlée at the CAFÉ"))).Embedding;
        Assert.True(Embeddings.MaxDifference(plain, accented) < 1e-6);
    }

    [Fact]
    public void ThreadCountDoesNotChangeTheResult()
    {
        float[] one = Assert.Single(Embeddings.Parse(Cli.Run("embed", "--threads", "1", "Parallel kernels split rows, not sums."))).Embedding;
        float[] two = Assert.Single(Embeddings.Parse(Cli.Run("embed", "--threads", "2", "Parallel kernels split rows, not sums."))).Embedding;
        Assert.Equal(0.0, Embeddings.MaxDifference(one, two), 7);
    }
}
