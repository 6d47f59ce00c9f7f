using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using BertGen.Text;
using Xunit;

namespace BertGen.Text.Tests;

/// <summary>
/// Special tokens written in a text, as HuggingFace's fast tokenizers read them (<see cref="AddedToken"/>): the ids are
/// checked against transformers.js (<c>Reference/added_tokens_expected.json</c>, made by
/// <c>Reference/added_tokens_reference.mjs</c> over all-MiniLM-L6-v2's vocabulary, which is bert-base-uncased's), the flags
/// against the cases of HuggingFace tokenizers' own tests (<c>added_vocabulary.rs</c>).
/// </summary>
public sealed class AddedTokenTests : IDisposable
{
    private static readonly BertVocabulary Vocabulary = BertVocabulary.BertBaseUncased;

    /// <summary>all-MiniLM-L6-v2's tokenizer.json: uncased, words up to 100 characters, the five BERT special tokens.</summary>
    private static readonly BertWordPieceTokenizer HuggingFace =
        BertWordPieceTokenizer.Create(Vocabulary, BertNormalization.Uncased, 100, AddedToken.BertSpecialTokens);

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"bertgen-added-tokens-{Guid.NewGuid():N}.json");

    public void Dispose() => File.Delete(_path);

    public static TheoryData<int> ReferenceCases() => [.. Enumerable.Range(0, Reference.Value.Length)];

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void Ids_are_transformers_js_ids(int index)
    {
        (string text, string? pair, int[] ids, int[] segments) = Reference.Value[index];

        EncodedInput encoded = pair is null ? HuggingFace.Encode(text, 512) : HuggingFace.EncodePair(text, pair, 512);

        Assert.Equal(ids, encoded.InputIds);
        Assert.Equal(segments, encoded.SegmentIds);
        Assert.False(encoded.Truncated);
    }

    [Fact]
    public void The_reference_covers_special_tokens_that_google_tokenisation_reads_as_text()
    {
        // Most of the reference's texts change if [SEP] & co are read as ordinary characters: the file tests the matching.
        BertWordPieceTokenizer google = BertWordPieceTokenizer.Create(Vocabulary, BertNormalization.Uncased, 100);
        int differ = Reference.Value.Count(c => !(c.Pair is null ? google.Encode(c.Text, 512) : google.EncodePair(c.Text, c.Pair, 512)).InputIds.SequenceEqual(c.Ids));
        Assert.True(differ >= 20, $"{differ} of {Reference.Value.Length}");
        Assert.Equal([7592, 1031, 19802, 1033], google.Tokenize("hello [SEP]"));
    }

    [Fact]
    public void A_special_token_in_a_text_is_one_piece_for_truncation()
    {
        // The reference ids untruncated, cut as HuggingFace's tokenizers cut: the text's pieces first, then [CLS] and [SEP]
        // around them (transformers.js 4.3.2 cuts after adding them, dropping the last [SEP], so it is not asked).
        int[] full = Reference.Value.Single(c => c.Text == "x [MASK] y [MASK] z").Ids;
        EncodedInput right = HuggingFace.Encode("x [MASK] y [MASK] z", 5);
        EncodedInput left = HuggingFace.Encode("x [MASK] y [MASK] z", 5, TruncationSide.Left);

        Assert.Equal([.. full[..4], 102], right.InputIds);
        Assert.Equal([101, .. full[^4..]], left.InputIds);
        Assert.True(right.Truncated && left.Truncated);
        Assert.Equal([101, 103, 102, 1062, 102], HuggingFace.EncodePair("[MASK] y", "z", 5).InputIds);
    }

    [Theory]
    [InlineData("[SEP]")]
    [InlineData("  [SEP]  ")]
    [InlineData("[PAD]")]
    public void A_text_of_only_a_special_token_is_not_blank(string text)
    {
        // HuggingFace encodes it as [CLS] [SEP] [SEP]: the text has a token.
        Assert.Null(BlankText.Describe(text, HuggingFace));
        Assert.Single(HuggingFace.Tokenize(text));
    }

    [Fact]
    public void A_special_token_spans_its_match_in_utf8_bytes()
    {
        // As HuggingFace's offsets (and TEI's /tokenize): the token covers the characters it matched, in the text as given;
        // the text between matches is placed as before ("x😀" is one word, all [UNK]).
        TokenSpan[] spans = HuggingFace.TokenizeWithOffsets("Café [SEP]x😀[MASK]");

        Assert.Equal(
            [new TokenSpan(7668, 0, 5), new TokenSpan(102, 6, 11), new TokenSpan(100, 11, 16), new TokenSpan(103, 16, 22)],
            spans);
    }

    /// <summary>added_vocabulary.rs's test_single_word_is_correct: a single-word token touching a word character is text.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Single_word_is_matched_only_between_non_word_characters(bool normalized)
    {
        (BertWordPieceTokenizer tokenizer, int mask) = WithAngleMask(new AddedToken("<mask>", Special: false, SingleWord: true, Normalized: normalized));
        string text = normalized ? "<MASK> My name <mask> A<mask> <mask>ony <mask>" : "<mask> My name <mask> A<mask> <mask>ony <mask>";

        int[] expected = [mask, .. Ordinary(tokenizer, " my name "), mask, .. Ordinary(tokenizer, " a<mask> <mask>ony "), mask];
        Assert.Equal(expected, tokenizer.Tokenize(text));

        // Punctuation and a dash are not word characters; a combining mark is (test_single_word_is_unicode_correct), but
        // the uncased normaliser strips it first, so a normalized token is matched after it.
        int[] afterMark = normalized ? [.. Ordinary(tokenizer, "- \u25CC"), mask] : Ordinary(tokenizer, "- \u25CC\u0330<mask>");
        Assert.Equal([mask, .. Ordinary(tokenizer, ", "), mask, .. afterMark], tokenizer.Tokenize("<mask>, <mask>- \u25CC\u0330<mask>"));
    }

    /// <summary>added_vocabulary.rs's test_lstrip_unicode_space: lstrip and rstrip take in any Unicode whitespace.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Lstrip_and_rstrip_take_in_the_whitespace_beside_the_token(bool normalized)
    {
        (BertWordPieceTokenizer tokenizer, int mask) = WithAngleMask(new AddedToken("<mask>", Special: false, SingleWord: true, LeftStrip: true, RightStrip: true, Normalized: normalized));
        const string Text = "Hi <mask> there\t<mask>\t<mask>\u2000";

        TokenSpan[] spans = tokenizer.TokenizeWithOffsets(Text);

        int hi = Vocabulary.TryGetId("hi", out int h) ? h : throw new InvalidOperationException();
        int there = Vocabulary.TryGetId("there", out int t) ? t : throw new InvalidOperationException();
        Assert.Equal(
            [new TokenSpan(hi, 0, 2), new TokenSpan(mask, 2, 10), new TokenSpan(there, 10, 15), new TokenSpan(mask, 15, 23), new TokenSpan(mask, 23, 32)],
            spans);
    }

    [Fact]
    public void Lstrip_does_not_reach_back_into_the_previous_match_and_only_its_token_strips()
    {
        (BertWordPieceTokenizer tokenizer, int mask) = WithAngleMask(new AddedToken("<mask>", Special: true, LeftStrip: true));

        Assert.Equal([new TokenSpan(102, 0, 5), new TokenSpan(mask, 5, 13), new TokenSpan(102, 13, 18)], tokenizer.TokenizeWithOffsets("[SEP]  <mask>[SEP]"));
        Assert.Equal([new TokenSpan(102, 0, 5), new TokenSpan(mask, 5, 11)], tokenizer.TokenizeWithOffsets("[SEP]<mask>"));
    }

    [Fact]
    public void A_normalized_token_is_matched_in_the_normalised_text_and_a_raw_one_as_written()
    {
        var normalized = BertWordPieceTokenizer.Create(Vocabulary, BertNormalization.Uncased, 100, [new AddedToken("[MASK]", Special: true, Normalized: true)]);
        // Its content normalised is "[mask]": any case, accents stripped, matches; the raw token only "[MASK]".
        Assert.Equal([1037, 103, 1038, 103, 103], normalized.Tokenize("a [mask] b [MÀSK][MASK]"));
        Assert.Equal([.. Ordinary(HuggingFace, "a [mask] b [MÀSK]"), 103], HuggingFace.Tokenize("a [mask] b [MÀSK][MASK]"));

        // Offsets go back to the raw text through the normalisation (the accent is two UTF-8 bytes).
        Assert.Equal([new TokenSpan(1037, 0, 1), new TokenSpan(103, 2, 9)], normalized.TokenizeWithOffsets("a [MÀSK]"));
    }

    [Fact]
    public void The_longest_token_at_the_leftmost_place_wins()
    {
        string[] tokens = [.. Enumerable.Range(0, Vocabulary.Count).Select(Vocabulary.TokenOf)];
        tokens[1] = "[SEP][SEP]";
        BertVocabulary vocabulary = BertVocabulary.FromTokens(tokens, "test");
        var tokenizer = BertWordPieceTokenizer.Create(vocabulary, BertNormalization.Uncased, 100, [.. AddedToken.BertSpecialTokens, new AddedToken("[SEP][SEP]", Special: false)]);

        Assert.Equal([1, 102], tokenizer.Tokenize("[SEP][SEP][SEP]"));
    }

    [Fact]
    public void Tokenizer_json_added_tokens_are_read_with_their_flags()
    {
        WriteTokenizer("""
            [{"id": 4, "content": "[MASK]", "single_word": false, "lstrip": true, "rstrip": false, "normalized": false, "special": true},
             {"id": 3, "content": "[SEP]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
             {"id": 9, "content": "", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}]
            """);

        BertWordPieceTokenizer tokenizer = HuggingFaceTokenizerFile.Load(_path);

        Assert.Equal([new AddedToken("[MASK]", true, LeftStrip: true), new AddedToken("[SEP]", true)], tokenizer.AddedTokens);
        Assert.Equal([new TokenSpan(5, 0, 5), new TokenSpan(4, 5, 12), new TokenSpan(3, 12, 17)], tokenizer.TokenizeWithOffsets("hello [MASK][SEP]"));
    }

    [Theory]
    [InlineData("""[{"content": "[SEP]", "single_word": false, "lstrip": false, "rstrip": false, "special": true}]""", "added_tokens[0].normalized must be true or false.")]
    [InlineData("""[{"content": "[SEP]", "single_word": false, "lstrip": "no", "rstrip": false, "normalized": false, "special": true}]""", "added_tokens[0].lstrip must be true or false.")]
    [InlineData("""[{"id": 5, "single_word": false}]""", "added_tokens[0] has no \"content\" string.")]
    [InlineData("""{"[SEP]": 3}""", "\"added_tokens\" must be an array.")]
    [InlineData("""[{"id": 8, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}]""",
        "added_tokens[0] '<s>' is not in model.vocab (BertGen reads only added tokens that are vocabulary entries).")]
    public void Malformed_added_tokens_are_one_line_naming_the_entry(string addedTokens, string message)
    {
        WriteTokenizer(addedTokens);

        TextDataException error = Assert.Throws<TextDataException>(() => HuggingFaceTokenizerFile.Load(_path));
        Assert.Equal($"Tokenizer file '{_path}': {message}", error.Message);
    }

    private void WriteTokenizer(string addedTokens) => File.WriteAllText(_path, $$"""
        {"added_tokens": {{addedTokens}},
         "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true},
         "pre_tokenizer": {"type": "BertPreTokenizer"},
         "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
         "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
                   "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4, "hello": 5} } }
        """);

    // bert-base-uncased with "<mask>" in place of [unused0] (id 1), and the BERT special tokens besides the one given.
    private static (BertWordPieceTokenizer Tokenizer, int Mask) WithAngleMask(AddedToken mask)
    {
        string[] tokens = [.. Enumerable.Range(0, Vocabulary.Count).Select(Vocabulary.TokenOf)];
        tokens[1] = "<mask>";
        BertVocabulary vocabulary = BertVocabulary.FromTokens(tokens, "bert-base-uncased with <mask>");
        return (BertWordPieceTokenizer.Create(vocabulary, BertNormalization.Uncased, 100, [.. AddedToken.BertSpecialTokens, mask]), 1);
    }

    // The pieces of a stretch of text with no added token in it.
    private static int[] Ordinary(BertWordPieceTokenizer tokenizer, string text) =>
        BertWordPieceTokenizer.Create(tokenizer.Vocabulary, tokenizer.Normalization, 100).Tokenize(text);

    private static readonly Lazy<(string Text, string? Pair, int[] Ids, int[] Segments)[]> Reference = new(() =>
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(TestData.PathOf("added_tokens_expected.json")));
        return [.. document.RootElement.GetProperty("cases").EnumerateArray().Select(c => (
            c.GetProperty("text").GetString()!,
            c.TryGetProperty("text_pair", out JsonElement pair) ? pair.GetString() : null,
            c.GetProperty("input_ids").EnumerateArray().Select(v => v.GetInt32()).ToArray(),
            c.GetProperty("token_type_ids").EnumerateArray().Select(v => v.GetInt32()).ToArray()))];
    });
}
