using System;
using System.Linq;
using System.Text;
using BertGen.Text.Normalization;
using Xunit;

namespace BertGen.Text.Tests;

/// <summary>
/// WordPieces placed back on their text: each span, normalised by the basic tokeniser, must be exactly the piece
/// (without its <c>##</c>), spans must follow one another without overlap, and <c>[UNK]</c> spans the word it stands for.
/// </summary>
public sealed class TokenOffsetsTests
{
    [Theory]
    [InlineData("This is an example sentence")]
    [InlineData("Héllo, WÖRLD! ☃ unaffable 東京 tab\there, 3.14")]
    [InlineData("Crème brûlée à la française: naïve résumé (über)")]
    [InlineData("co\u00ADoperate a\u007Fb zero\u200Bwidth \uE000private İstanbul x☃y a😀b 東京タワー 𠀀𠀁")]
    [InlineData("line\u2028separated paragraph\u2029separated 😀\u2028x")]
    public void Each_span_is_its_piece_in_order(string text)
    {
        BertWordPieceTokenizer tokenizer = TestData.Tokenizer;
        TokenSpan[] spans = tokenizer.TokenizeWithOffsets(text);
        byte[] utf8 = Encoding.UTF8.GetBytes(text);

        Assert.Equal(tokenizer.Tokenize(text), spans.Select(s => s.Id));
        int previousEnd = 0;
        foreach (TokenSpan span in spans)
        {
            int start = Assert.NotNull(span.Start), end = Assert.NotNull(span.End);
            Assert.True(start >= previousEnd && end > start, $"span [{start}, {end}) after {previousEnd}");
            string source = Encoding.UTF8.GetString(utf8, start, end - start);
            if (span.Id == tokenizer.Vocabulary.UnknownId)
            {
                // The whole word [UNK] replaced, as HuggingFace's tokenizers (and so TEI) place it: one word, which is all unknown.
                Assert.Equal([tokenizer.Vocabulary.UnknownId], tokenizer.Tokenize(source));
                Assert.DoesNotContain(' ', BertBasicTokenizer.ToSpaceSeparatedWords(source));
            }
            else
            {
                string piece = tokenizer.Vocabulary.TokenOf(span.Id);
                string expected = tokenizer.Vocabulary.IsContinuation(span.Id) ? piece[2..] : piece;
                Assert.Equal(expected, BertBasicTokenizer.ToSpaceSeparatedWords(source));
            }

            previousEnd = end;
        }
    }

    /// <summary>
    /// A capital sigma ending a word lowercases to final sigma ς (Python's str.lower, which BERT uses), so the piece is ς
    /// while the character alone lowercases to σ: the piece was searched for as σ's text and left unplaced.
    /// </summary>
    [Fact]
    public void A_final_sigma_is_placed_on_its_word()
    {
        TokenSpan[] spans = TestData.Tokenizer.TokenizeWithOffsets("ΟΔΟΣ");

        Assert.All(spans, s => Assert.NotNull(s.Start));
        Assert.Equal(0, spans[0].Start);
        Assert.Equal(8, spans[^1].End);
        Assert.Equal("ς", TestData.Tokenizer.Vocabulary.TokenOf(spans[^1].Id)[^1..]);
    }

    /// <summary>
    /// Each piece's UTF-8 offset was counted from the text's start, and a piece the walk could not find (one next to a
    /// character the tokenizer drops, such as a soft hyphen) was searched for to the text's end: a text of n pieces cost
    /// n²/2 either way (/tokenize of one 1.8 MB text of 900,000 one-letter words took 47 s on the request's thread). In one
    /// pass it is well under a second; 10 s allows for a loaded machine and still fails the quadratic walks by far.
    /// </summary>
    [Fact]
    public void A_text_of_many_pieces_is_placed_in_linear_time_with_offsets_past_multibyte_and_dropped_characters()
    {
        const string repeated = "a\u00ADb é 東 😀 ";
        string text = string.Concat(Enumerable.Repeat(repeated, 150_000));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        TokenSpan[] spans = TestData.Tokenizer.TokenizeWithOffsets(text);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{spans.Length} pieces took {clock.Elapsed.TotalSeconds:F1} s");

        // The last repetition's pieces, at the byte offsets Encoding.UTF8 gives them: "ab" around the dropped soft hyphen
        // (1 + 2 + 1 bytes), 'é' → e (2), 東 (3), 😀 → [UNK] (4, the word it stands for).
        int last = Encoding.UTF8.GetByteCount(text) - Encoding.UTF8.GetByteCount(repeated);
        Assert.Equal(600_000, spans.Length);
        Assert.Equal(TestData.Tokenizer.Tokenize("ab"), new[] { spans[^4].Id });
        Assert.Equal((last, last + 4), (spans[^4].Start!.Value, spans[^4].End!.Value));
        Assert.Equal((last + 5, last + 7), (spans[^3].Start!.Value, spans[^3].End!.Value));
        Assert.Equal((last + 8, last + 11), (spans[^2].Start!.Value, spans[^2].End!.Value));
        Assert.Equal((last + 12, last + 16), (spans[^1].Start!.Value, spans[^1].End!.Value));
    }

    /// <summary>
    /// <c>[UNK]</c> stands for a whole word and had no span, so /tokenize could not say which part of the text was unknown;
    /// HuggingFace's tokenizers (TEI's /tokenize) give it the word's. The word is the basic tokeniser's: punctuation is its own
    /// word, and a dropped character (a zero-width space) inside the word is inside its span.
    /// </summary>
    [Theory]
    [InlineData("I ❤ you", 2, 5)]
    [InlineData("say 😀!", 4, 8)]
    [InlineData("x\u200B☃y z", 0, 8)]
    public void Unknown_spans_the_word_it_stands_for(string text, int start, int end)
    {
        TokenSpan unknown = Assert.Single(TestData.Tokenizer.TokenizeWithOffsets(text), s => s.Id == TestData.Vocabulary.UnknownId);

        Assert.Equal((start, end), (unknown.Start, unknown.End));
    }

    /// <summary>
    /// BERT's whitespace is Unicode's space separators (Zs) and tab, newline, return, so "line\u2028break" is one word of its
    /// basic tokenisation; WordPiece's own split (Microsoft.ML.Tokenizers' whitespace pre-tokeniser, .NET's \s) then cuts
    /// it at U+2028 and U+2029. The pieces after such a cut were matched against the rest of the uncut word and left
    /// without offsets.
    /// </summary>
    [Fact]
    public void Pieces_either_side_of_a_line_or_paragraph_separator_are_placed()
    {
        TokenSpan[] spans = TestData.Tokenizer.TokenizeWithOffsets("line\u2028break para\u2029graph");

        Assert.Equal(TestData.Tokenizer.Tokenize("line break para graph"), spans.Select(s => s.Id));
        Assert.Equal([(0, 4), (7, 12), (13, 17), (20, 25)], spans.Select(s => (s.Start!.Value, s.End!.Value)));
    }
}
