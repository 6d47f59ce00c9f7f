using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using BertGen.Text;
using Xunit;

namespace BertGen.Text.Tests;

/// <summary>
/// <see cref="BlankText"/> against the tokenizer it stands for: its fast paths (whitespace is blank; a letter, digit,
/// punctuation mark or symbol in any script is not) must agree with the tokenizer, and the tokenizer, not a character
/// class, decides the rest.
/// </summary>
public sealed class BlankTextTests
{
    private static readonly BertWordPieceTokenizer Uncased = BertWordPieceTokenizer.BertBaseUncased();

    [Theory]
    [InlineData(true, true, true, true)] // uncased BERT: lower-cases, strips accents, cleans
    [InlineData(false, false, true, true)] // cased BERT: keeps accents
    [InlineData(true, true, true, false)] // does not clean: keeps control and format characters as [UNK]
    [InlineData(false, false, false, false)] // no normalisation at all
    public void EveryCodePointIsBlankExactlyWhenTheTokenizerKeepsNothingOfIt(bool lowercase, bool stripAccents, bool chinese, bool clean)
    {
        // The fast paths (whitespace: blank; a letter, digit, punctuation mark or symbol: not) must hold under every
        // normalisation, since they answer without asking the tokenizer.
        var tokenizer = BertWordPieceTokenizer.Create(Uncased.Vocabulary, new BertNormalization(lowercase, stripAccents, chinese, clean), 100);
        var disagreements = new List<string>();
        for (int cp = 0; cp <= 0x10FFFF; cp++)
        {
            if (cp is >= 0xD800 and <= 0xDFFF)
            {
                continue;
            }

            string text = char.ConvertFromUtf32(cp);
            bool keepsNothing = tokenizer.Tokenize(text).Length == 0;
            if ((BlankText.Describe(text, tokenizer) is not null) != keepsNothing)
            {
                disagreements.Add(string.Create(CultureInfo.InvariantCulture, $"U+{cp:X4} ({Rune.GetUnicodeCategory(new Rune(cp))}): tokenizer keeps {(keepsNothing ? "nothing" : "something")}"));
            }
        }

        Assert.Empty(disagreements.Take(20));
    }

    [Fact]
    public void TheTokenizerDecidesNotTheCharacter()
    {
        // Accents: stripped by an uncased tokenizer, kept by a cased one.
        var cased = BertWordPieceTokenizer.Create(Uncased.Vocabulary, new BertNormalization(false, false, true, true), 100);
        Assert.Equal("has nothing the tokenizer keeps (only accents, control or format characters)", BlankText.Describe("\u0301\u0300", Uncased));
        Assert.Null(BlankText.Describe("\u0301\u0300", cased));

        // A zero-width space: dropped when the text is cleaned, kept (as [UNK]) by a tokenizer that does not clean it.
        var uncleaned = BertWordPieceTokenizer.Create(Uncased.Vocabulary, new BertNormalization(true, true, true, false), 100);
        Assert.Equal("is only invisible characters the tokenizer drops (control or format characters)", BlankText.Describe("\u200B \u0007", Uncased));
        Assert.Null(BlankText.Describe("\u200B \u0007", uncleaned));

        Assert.Equal("is empty", BlankText.Describe("", cased));
        Assert.Equal("is only whitespace", BlankText.Describe("\u00A0\t\u2028", uncleaned));
        Assert.Null(BlankText.Describe("e\u0301", Uncased));
    }
}

/// <summary>
/// A labelled example whose text the tokenizer keeps nothing of trains as <c>[CLS] [SEP]</c>: evidence of nothing, labelled
/// as if it were something. The CLI refused it in <c>finetune</c>, but a library user building a
/// <see cref="SequenceClassificationDataset"/> (or running <c>SequenceClassificationJob</c>) trained on it without a word.
/// </summary>
public sealed class BlankExampleTests
{
    private static readonly string[] Labels = ["neg", "pos"];
    private static readonly BertWordPieceTokenizer Uncased = BertWordPieceTokenizer.BertBaseUncased();

    [Theory]
    [InlineData("pos\tgood\nneg\t\u0301\u0300\n", "train.tsv line 2: the text has nothing the tokenizer keeps (only accents, control or format characters)")]
    [InlineData("pos\tgood\nneg\tbad\t\u200B\n", "train.tsv line 2: the second text is only invisible characters the tokenizer drops (control or format characters)")]
    [InlineData("pos\t\u0301\tgood\n", "train.tsv line 1: the first text has nothing the tokenizer keeps (only accents, control or format characters)")]
    public void ADatasetRefusesAnExampleTheTokenizerKeepsNothingOfNamingItsLine(string tsv, string expected)
    {
        List<LabelledText> examples = LabelledTextReader.Read(new StringReader(tsv), "train.tsv");
        var e = Assert.Throws<TextDataException>(() => SequenceClassificationDataset.Create(examples, Uncased, Labels, 32));
        Assert.Equal(expected, e.Message);
    }

    [Fact]
    public void ExamplesBuiltInCodeAreNamedByTheirIndex()
    {
        LabelledText[] examples = [new("pos", "good"), new("neg", ""), new("neg", " \u00A0 ")];
        Assert.Equal("Example 1: the text is empty",
            Assert.Throws<TextDataException>(() => SequenceClassificationDataset.Create(examples, Uncased, Labels, 32)).Message);
        Assert.Equal("Example 0: the second text is only whitespace",
            Assert.Throws<TextDataException>(() => SequenceClassificationDataset.Create([new LabelledText("pos", "good", "\t")], Uncased, Labels, 32)).Message);
    }

    [Fact]
    public void TheDatasetsTokenizerDecides()
    {
        // Accents alone are nothing to an uncased tokenizer, which strips them, and a word to a cased one.
        LabelledText[] accents = [new("pos", "\u0301\u0300")];
        Assert.Throws<TextDataException>(() => SequenceClassificationDataset.Create(accents, Uncased, Labels, 32));
        var cased = BertWordPieceTokenizer.Create(Uncased.Vocabulary, new BertNormalization(false, false, true, true), 100);
        SequenceClassificationDataset data = SequenceClassificationDataset.Create(accents, cased, Labels, 32);
        Assert.Equal(3, data.Input(0).InputIds.Count);
        Assert.Null(BlankText.DescribeExample(accents[0], cased));
    }
}
