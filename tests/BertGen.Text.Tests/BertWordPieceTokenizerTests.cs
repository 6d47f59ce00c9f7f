using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BertGen.Text;
using Xunit;
using OracleTokenizer = FastBertTokenizer.BertTokenizer;

namespace BertGen.Text.Tests;

public sealed class BertWordPieceTokenizerTests
{
    private static BertWordPieceTokenizer Tokenizer => TestData.Tokenizer;

    [Fact]
    public void BuiltInVocabulary_IsTheCommittedFileTokenForToken()
    {
        // What a package user tokenises with when they have no vocabulary file.
        BertVocabulary builtIn = BertVocabulary.BertBaseUncased;
        string[] file = File.ReadAllLines(TestData.PathOf("bert-base-uncased-vocab.txt"));
        Assert.Equal(file.Length, builtIn.Count);
        Assert.All(Enumerable.Range(0, file.Length), id => Assert.Equal(file[id], builtIn.TokenOf(id)));
        Assert.Same(builtIn, BertVocabulary.BertBaseUncased);

        // This repository's own sentence: [CLS] this is an example sentence [SEP], the published ids.
        Assert.Equal(new[] { 101, 2023, 2003, 2019, 2742, 6251, 102 }, BertWordPieceTokenizer.BertBaseUncased().Encode("This is an example sentence", 16).InputIds);
    }

    [Fact]
    public void Vocabulary_HasBertBaseUncasedSpecialIds()
    {
        BertVocabulary vocab = TestData.Vocabulary;
        Assert.Equal(30522, vocab.Count);
        Assert.Equal((0, 100, 101, 102, 103), (vocab.PadId, vocab.UnknownId, vocab.ClassificationId, vocab.SeparatorId, vocab.MaskId));
        Assert.True(vocab.IsContinuation(2102)); // "##t"
        Assert.False(vocab.IsContinuation(2123)); // "don"
    }

    [Fact]
    public void VocabularyFile_IsThePublishedBertBaseUncasedVocab()
    {
        // SHA-256 of bert-base-uncased's vocab.txt as Google and HuggingFace publish it (LF line endings).
        byte[] hash = System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(TestData.PathOf("bert-base-uncased-vocab.txt")));
        Assert.Equal("07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3", Convert.ToHexStringLower(hash));
    }

    [Fact]
    public void Encode_PublishedMiniLmExample_GivesPublishedIds()
    {
        // REFERENCE.md §5: the ids all-MiniLM-L6-v2's own tokenizer gives for this sentence.
        EncodedInput input = Tokenizer.Encode("This is an example sentence", 128);
        Assert.Equal(new[] { 101, 2023, 2003, 2019, 2742, 6251, 102 }, input.InputIds);
        Assert.All(input.SegmentIds, s => Assert.Equal(0, s));
        Assert.False(input.Truncated);
    }

    [Fact]
    public void Tokenize_StripsAccentsAndLowercases()
    {
        Assert.Equal(Tokenizer.Tokenize("cafe naive resume"), Tokenizer.Tokenize("Café NAÏVE résumé"));
        Assert.Equal(new[] { 7668, 15743, 13746 }, Tokenizer.Tokenize("Café NAÏVE résumé"));
    }

    [Fact]
    public void Tokenize_SplitsCjkIdeographsIntoSingleCharacters()
    {
        // 中 and 文 are in the vocabulary, 你 is not: written without spaces, each ideograph is still its own
        // word, so the unknown one becomes [UNK] alone instead of turning the whole run into [UNK].
        Assert.Equal(new[] { "中", "文", "[UNK]" }, Tokenizer.Decode(Tokenizer.Tokenize("中文你")));
    }

    [Fact]
    public void Tokenize_SplitsPunctuationIntoItsOwnTokens()
    {
        Assert.Equal(new[] { "hello", ",", "world", "!" }, Tokenizer.Decode(Tokenizer.Tokenize("Hello,world!")));
        Assert.Equal(new[] { "don", "'", "t" }, Tokenizer.Decode(Tokenizer.Tokenize("don't")));
    }

    [Fact]
    public void Tokenize_UnmatchableOrOverlongWord_IsUnknown()
    {
        Assert.Equal(new[] { 100 }, Tokenizer.Tokenize("☃"));
        // 200 characters is the longest word WordPiece splits; one more makes the whole word [UNK].
        Assert.NotEqual(new[] { 100 }, Tokenizer.Tokenize(new string('a', 200)));
        Assert.Equal(new[] { 100 }, Tokenizer.Tokenize(new string('a', 201)));
    }

    [Fact]
    public void Tokenize_UsesContinuationPiecesForUnknownWholeWords()
    {
        string[] pieces = Tokenizer.Decode(Tokenizer.Tokenize("unaffable"));
        Assert.Equal("unaffable", string.Concat(pieces.Select(p => p.Replace("##", "", StringComparison.Ordinal))));
        Assert.True(pieces.Length > 1);
        Assert.All(pieces.Skip(1), p => Assert.StartsWith("##", p, StringComparison.Ordinal));
    }

    [Fact]
    public void Encode_TruncatesToMaxLengthAndSaysSo()
    {
        EncodedInput input = Tokenizer.Encode("In the beginning God created the heaven and the earth.", 6);
        Assert.Equal(new[] { 101, 1999, 1996, 2927, 2643, 102 }, input.InputIds);
        Assert.True(input.Truncated);
        Assert.False(Tokenizer.Encode("In the beginning", 5).Truncated);
    }

    [Fact]
    public void EncodePair_LaysOutSegmentsAndTrimsTheLongerSideFromTheEnd()
    {
        int[] a = Tokenizer.Tokenize("one two three four five six");
        int[] b = Tokenizer.Tokenize("seven eight");
        Assert.Equal(6, a.Length);
        Assert.Equal(2, b.Length);

        // Budget 10 − 3 = 7: A loses its last token (6 > 2), then it fits.
        EncodedInput input = Tokenizer.EncodePair("one two three four five six", "seven eight", 10);
        int[] expected = new[] { 101 }.Concat(a.Take(5)).Append(102).Concat(b).Append(102).ToArray();
        Assert.Equal(expected, input.InputIds);
        Assert.Equal(new[] { 0, 0, 0, 0, 0, 0, 0, 1, 1, 1 }, input.SegmentIds);
        Assert.True(input.Truncated);

        // Equal lengths: B is trimmed first (Google's and HuggingFace's tie rule), then A.
        EncodedInput tie = Tokenizer.EncodePair("one two three", "four five six", 8);
        Assert.Equal(new[] { 101 }.Concat(a.Take(3)).Append(102).Concat(Tokenizer.Tokenize("four five")).Append(102), tie.InputIds);
    }

    [Fact]
    public void Left_truncation_keeps_each_texts_end_and_drops_from_the_longer_side_first()
    {
        int[] a = Tokenizer.Tokenize("one two three four five six");
        int[] b = Tokenizer.Tokenize("seven eight");

        // One text, 5 tokens: [CLS] + its last 3 WordPieces + [SEP].
        EncodedInput single = Tokenizer.Encode("one two three four five six", 5, TruncationSide.Left);
        Assert.Equal(new[] { 101 }.Concat(Tokenizer.Tokenize("four five six")).Append(102), single.InputIds);
        Assert.True(single.Truncated);
        Assert.Equal(Tokenizer.Encode("one two", 5).InputIds, Tokenizer.Encode("one two", 5, TruncationSide.Left).InputIds);

        // A pair, budget 9 − 3 = 6: A (6) loses two from its start, B keeps both (longest first, as on the right).
        EncodedInput pair = Tokenizer.EncodePair("one two three four five six", "seven eight", 9, TruncationSide.Left);
        Assert.Equal(new[] { 101 }.Concat(a.Skip(2)).Append(102).Concat(b).Append(102), pair.InputIds);
        Assert.Equal(new[] { 0, 0, 0, 0, 0, 0, 1, 1, 1 }, pair.SegmentIds);
        Assert.True(pair.Truncated);

        // Equal lengths: B is trimmed first, from its start.
        EncodedInput tie = Tokenizer.EncodePair("one two three", "four five six", 8, TruncationSide.Left);
        Assert.Equal(new[] { 101 }.Concat(a.Take(3)).Append(102).Concat(Tokenizer.Tokenize("five six")).Append(102), tie.InputIds);
    }

    [Fact]
    public void AnEncodedPairGoesToTheEmbedderWithItsSegments()
    {
        EncodedInput pair = Tokenizer.EncodePair("one two", "three", 16);
        BertGen.Runtime.Inference.TokenizedInput input = pair.ToTokenizedInput();
        Assert.Equal(pair.InputIds, input.InputIds);
        Assert.Equal(new[] { 0, 0, 0, 0, 1, 1 }, input.TokenTypeIds);
    }

    [Fact]
    public void Encode_AgreesWithFastBertTokenizerOnCorpusAndTrickyText()
    {
        var oracle = new OracleTokenizer();
        using (var vocab = new StreamReader(TestData.PathOf("bert-base-uncased-vocab.txt")))
        {
            oracle.LoadVocabulary(vocab, convertInputToLowercase: true);
        }

        // Every 100th verse of the KJV (312 lines), plus text that exercises accents, CJK, punctuation,
        // control characters, unknown symbols and odd whitespace.
        List<string> lines = TestData.SampleSentences(100);
        Assert.True(lines.Count > 300);
        lines.AddRange(new[]
        {
            "Crème brûlée à la française — naïve façade!",
            "東京は日本の首都です。中文测试",
            "Tab\tseparated\u00a0and\u2003spaced   text\u0007 with a bell",
            "(Parenthetical) [bracketed] {braced} \"quoted\" 'single' ... ?!",
            "Numbers 1,234.56 and 7th, 3rd; e-mail: someone@example.org",
            "☃ snowman, ≥ sign, 🙂 emoji",
            "ALL CAPS AND MiXeD cAsE",
            "a☃b x≥y hello🙂 1≥2 °c ™ a_b ©2020",
        });

        int mismatches = 0;
        string firstMismatch = "";
        foreach (string line in lines)
        {
            int[] ours = Tokenizer.Encode(line, 512).InputIds.ToArray();
            int[] theirs = oracle.Encode(line, 512).InputIds.ToArray().Select(x => (int)x).ToArray();
            if (!ours.SequenceEqual(theirs))
            {
                if (mismatches++ == 0)
                {
                    firstMismatch = $"{line}\n ours:   {string.Join(' ', ours)}\n oracle: {string.Join(' ', theirs)}";
                }
            }
        }

        Assert.True(mismatches == 0, $"{mismatches} of {lines.Count} lines differ; first: {firstMismatch}");
    }

    [Fact]
    public void Vocabulary_RejectsMalformedFiles()
    {
        Assert.Throws<TextDataException>(() => BertVocabulary.Parse("[PAD]\n[UNK]\n[CLS]\n[SEP]\n", "no-mask"));
        TextDataException duplicate = Assert.Throws<TextDataException>(
            () => BertVocabulary.Parse("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nthe\n", "dupes"));
        Assert.Contains("line 7", duplicate.Message, StringComparison.Ordinal);
        Assert.Throws<TextDataException>(() => BertVocabulary.Parse("[PAD]\n\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n", "blank"));
        Assert.Equal(5, BertVocabulary.Parse("[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\n[MASK]\r\n", "crlf").Count);
    }
    [Fact]
    public void Vocabulary_ALoneCarriageReturnEndsALineForTheVocabularyAndTheTokenizerAlike()
    {
        // Issue 15: BertVocabulary split on LF only while the WordPiece library also splits on a lone CR, so a CR
        // inside line 6 gave the tokenizer one more token than the vocabulary reported and shifted every later id
        // (the size check passed; MiniLM embeddings moved by up to 0.28). The ids here are the file's lines as
        // Python's universal newlines (and the library) count them.
        BertVocabulary vocabulary = BertVocabulary.Parse("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nrain\rfall\nsnow\n", "lone-cr");
        BertWordPieceTokenizer tokenizer = BertWordPieceTokenizer.Create(vocabulary);

        Assert.Equal(8, vocabulary.Count);
        Assert.Equal("snow", vocabulary.TokenOf(7));
        Assert.Equal([5, 6, 7], tokenizer.Tokenize("rain fall snow"));
    }

    [Fact]
    public void Vocabulary_ATokenRepeatedAcrossALoneCarriageReturnIsADuplicateNotAnInternalError()
    {
        // Issue 15: "fall" twice only for the library (after the CR) threw its own ArgumentException: "internal error".
        TextDataException error = Assert.Throws<TextDataException>(
            () => BertVocabulary.Parse("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nrain\rfall\nfall\n", "dupes"));

        Assert.Equal("Vocabulary 'dupes' line 8 repeats the token 'fall' of line 7.", error.Message);
    }

    [Fact]
    public void Vocabulary_InvalidUtf8AndFoldersAreNamed()
    {
        string folder = Path.Combine(Path.GetTempPath(), "bertgen-vocab-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string path = Path.Combine(folder, "vocab.txt");
            File.WriteAllBytes(path, [.. "[PAD]\r\n[UNK]\r\n[CLS]\r\n"u8, 0xE2, 0x82, .. "\r\n[SEP]\r\n[MASK]\r\n"u8]);

            Assert.Equal($"Vocabulary '{path}' line 4: invalid UTF-8 (byte 0xE2 at offset 21)", Assert.Throws<TextDataException>(() => BertVocabulary.Load(path)).Message);
            Assert.Equal($"vocabulary file '{folder}' is a folder, not a file", Assert.Throws<TextDataException>(() => BertVocabulary.Load(folder)).Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Vocabulary_EscapeCodesInATokenAreEscapedInMessages()
    {
        TextDataException error = Assert.Throws<TextDataException>(
            () => BertVocabulary.Parse("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n\u001b[2J\n\u001b[2J\n", "escapes"));

        Assert.Contains("'\\u001B[2J'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', error.Message);
    }

    [Fact]
    public void Vocabulary_ATokenListedWithALineBreakIsRefused()
    {
        // tokenizer.json lists tokens as JSON strings, which can hold a lone CR: the WordPiece library, reading the
        // vocabulary as lines, would split it and shift every later id (issue 15's lone-CR shift by another door).
        TextDataException error = Assert.Throws<TextDataException>(
            () => BertVocabulary.FromTokens(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "rain\rfall", "snow"], "tokenizer.json"));

        Assert.Equal("Vocabulary 'tokenizer.json' id 5 holds a line break inside the token 'rain\\rfall'.", error.Message);
    }
}
