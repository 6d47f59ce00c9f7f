using System;
using System.IO;
using System.Linq;
using BertGen.Text;
using Xunit;

namespace BertGen.Cli.Tests;

/// <summary>
/// Empty and blank texts. An empty or blank text argument was dropped without a word, so <c>embed "" a</c> printed one
/// vector for two arguments and <c>similarity "" a b</c> numbered "a" as text 1: now a usage error naming the argument.
/// Blank lines of a file or standard input stay skipped (a blank line is layout), and every number a message or the
/// similarity table shows for such a text is its line, not its place among the kept texts.
/// </summary>
public sealed class BlankTextTests
{
    [Theory]
    [InlineData("text 1 is empty", "embed", "", "a")]
    [InlineData("text 3 is only whitespace", "embed", "a", "b", " \t ")]
    [InlineData("text 2 is empty", "embed", "--tokens", "a", "")]
    [InlineData("text 2 is empty", "embed", "--", "-5 degrees tonight", "")]
    [InlineData("text 1 is empty", "similarity", "", "a", "b")]
    [InlineData("text 2 is only whitespace", "similarity", "a", "\u00A0", "b")]
    [InlineData("text 2 is only invisible characters the tokenizer drops (control or format characters)", "embed", "a", "\u200B\u200B \u0007")]
    [InlineData("text 2 has nothing the tokenizer keeps (only accents, control or format characters)", "embed", "a", "\u0301")]
    [InlineData("text 1 has nothing the tokenizer keeps (only accents, control or format characters)", "similarity", "\u0301\u0300", "a", "b")]
    [InlineData("text 2 has nothing the tokenizer keeps (only accents, control or format characters)", "embed", "--tokens", "a", " \u0301\u200B ")]
    public void ABlankTextArgumentIsAUsageErrorNamingIt(string expected, params string[] args)
    {
        Assert.Equal($"bertgen: error: {expected}", Cli.Run(args).AssertOneLineError(2));
    }

    [Fact]
    public void MessagesNameAFilesTextByItsLine()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("texts.txt");
        string longText = string.Join(' ', Enumerable.Repeat("word", 300));
        File.WriteAllText(path, "The cat sat on the mat.\n\n \u200B \n" + longText + "\nA dog ran in the park.\n");

        CliResult fromFile = Cli.Run("embed", "--quiet", "--file", path);
        Assert.Equal(["The cat sat on the mat.", longText, "A dog ran in the park."], Embeddings.Parse(fromFile).Select(e => e.Text));
        Assert.Equal(
            $"bertgen: warning: line 4 of '{path}' is longer than 256 tokens, all-MiniLM-L6-v2's limit, as sentence-transformers truncates it; truncated (--chunk embeds all of it)",
            Assert.Single(fromFile.ErrorLines));

        CliResult fromStandardInput = Cli.RunWithInput(File.ReadAllText(path), "embed", "--quiet");
        Assert.StartsWith("bertgen: warning: line 4 of standard input is longer than 256 tokens", Assert.Single(fromStandardInput.ErrorLines), StringComparison.Ordinal);
    }

    /// <summary>
    /// The uncased tokenizer strips accents (NFD, then drops the combining marks), so a line of only accents was embedded as
    /// <c>[CLS] [SEP]</c>: it is skipped as a blank line is, and a file of nothing else is empty input.
    /// </summary>
    [Fact]
    public void ALineTheTokenizerKeepsNothingOfIsSkippedAsABlankLineIs()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("texts.txt");
        File.WriteAllText(path, "The cat sat on the mat.\n\u0301\u0300\n\u0301 \u200B\nA dog ran in the park.\n");

        CliResult similarity = Cli.Run("similarity", "--quiet", "--format", "csv", "--file", path);
        Assert.True(similarity.ExitCode == 0, similarity.Error);
        Assert.Equal(["text", "The cat sat on the mat.", "A dog ran in the park."], similarity.OutputLines[0].Split(','));
        Assert.Equal(3, similarity.OutputLines.Length);

        string accents = folder.File("accents.txt");
        File.WriteAllText(accents, "\u0301\n\n\u0300\u0301\n");
        Assert.Equal($"bertgen: error: empty input: no text in '{accents}'", Cli.Run("embed", "--file", accents).AssertOneLineError(1));
        Assert.Equal("bertgen: error: empty input: no text in standard input", Cli.RunWithInput("\u0301\n", "embed").AssertOneLineError(1));
    }

    [Fact]
    public void TheSimilarityTableNumbersAFilesTextsByTheirLines()
    {
        string[] texts = ["A man is eating food.", "A man is eating pasta.", "The sky is blue."];
        using var folder = new TemporaryFolder();
        string path = folder.File("texts.txt");
        File.WriteAllText(path, texts[0] + "\n\n" + texts[1] + "\n \n" + texts[2] + "\n");

        // Written to a pipe, the table is Markdown: | # | text | 1 | 3 | 5 | and one row per text.
        string[][] fromFile = Rows(Cli.Run("similarity", "--quiet", "--file", path));
        string[][] fromArguments = Rows(Cli.Run(["similarity", "--quiet", .. texts]));

        Assert.Equal(["#", "text", "1", "3", "5"], fromFile[0]);
        Assert.Equal(["#", "text", "1", "2", "3"], fromArguments[0]);
        string[][] fileRows = fromFile[2..], argumentRows = fromArguments[2..];
        Assert.Equal(["1", "3", "5"], fileRows.Select(r => r[0]));
        Assert.Equal(texts, fileRows.Select(r => r[1]));

        // Only the numbers differ: the same texts, the same similarities.
        Assert.Equal(argumentRows.Select(r => r[1..]), fileRows.Select(r => r[1..]));
    }

    private static string[][] Rows(CliResult result)
    {
        Assert.True(result.ExitCode == 0, result.Error);
        return result.OutputLines.Select(l => l.Trim('|').Split('|').Select(c => c.Trim()).ToArray()).ToArray();
    }
}

/// <summary>The same for the commands that read a checkpoint: <c>fill-mask</c> and <c>classify</c>.</summary>
[Collection(TrainingRunsCollection.Name)]
public sealed class BlankTextCheckpointTests(TrainingRunsFixture runs)
{
    [Fact]
    public void FillMaskAndClassifyRefuseABlankTextArgument()
    {
        Assert.Equal("bertgen: error: text 2 is empty", Cli.Run("fill-mask", "-c", runs.PretrainRun, "a [MASK]", "").AssertOneLineError(2));
        Assert.Equal("bertgen: error: text 1 is only whitespace", Cli.Run("classify", "-c", runs.FinetuneRun, "  ", "Jesus wept.").AssertOneLineError(2));

        // Only accents: the uncased tokenizer keeps nothing of them (fill-mask said "has no [MASK]", classify classified [CLS] [SEP]).
        const string NothingKept = "has nothing the tokenizer keeps (only accents, control or format characters)";
        Assert.Equal($"bertgen: error: text 1 {NothingKept}", Cli.Run("fill-mask", "-c", runs.PretrainRun, "\u0301", "a [MASK]").AssertOneLineError(2));
        Assert.Equal($"bertgen: error: text 2 {NothingKept}", Cli.Run("classify", "-c", runs.FinetuneRun, "Jesus wept.", "\u0300\u0301").AssertOneLineError(2));
    }

    [Fact]
    public void FillMaskAndClassifyNameAFilesTextByItsLine()
    {
        string masks = runs.File("masks.txt");
        File.WriteAllText(masks, "and god said let there be [MASK].\n\nnothing to fill here\n");
        Assert.Equal($"bertgen: error: line 3 of '{masks}' has no [MASK]: write [MASK] where a token should be predicted",
            Cli.Run("fill-mask", "-c", runs.PretrainRun, "--file", masks).AssertOneLineError(1));

        // The shipped classifiers are compiled for 64 tokens. Line 2, only accents, is skipped as a blank line.
        string verses = runs.File("verses.txt");
        File.WriteAllText(verses, "Jesus wept.\n\u0301\u0300\n" + string.Join(' ', Enumerable.Repeat("and", 80)) + "\n");
        CliResult classify = Cli.Run("classify", "--quiet", "-c", runs.FinetuneRun, "--file", verses);
        Assert.Equal(2, classify.OutputLines.Length);
        Assert.Equal($"bertgen: warning: line 3 of '{verses}' is longer than 64 tokens, the compiled sequence; truncated", Assert.Single(classify.ErrorLines));
    }
}
