using System;
using System.Linq;
using System.Text;
using BertGen.Text.Normalization;
using Xunit;

namespace BertGen.Text.Tests;

/// <summary>
/// WordPieces placed back on their text: each span, normalised by the basic tokeniser, must be exactly the piece
/// (without its <c>##</c>), spans must follow one another without overlap, and <c>[UNK]</c> has none.
/// </summary>
public sealed class TokenOffsetsTests
{
    [Theory]
    [InlineData("This is an example sentence")]
    [InlineData("Héllo, WÖRLD! ☃ unaffable 東京 tab\there, 3.14")]
    [InlineData("Crème brûlée à la française: naïve résumé (über)")]
    [InlineData("co\u00ADoperate a\u007Fb zero\u200Bwidth \uE000private İstanbul x☃y a😀b 東京タワー 𠀀𠀁")]
    public void Each_span_is_its_piece_in_order(string text)
    {
        BertWordPieceTokenizer tokenizer = TestData.Tokenizer;
        TokenSpan[] spans = tokenizer.TokenizeWithOffsets(text);
        byte[] utf8 = Encoding.UTF8.GetBytes(text);

        Assert.Equal(tokenizer.Tokenize(text), spans.Select(s => s.Id));
        int previousEnd = 0;
        foreach (TokenSpan span in spans)
        {
            if (span.Id == tokenizer.Vocabulary.UnknownId)
            {
                Assert.Null(span.Start);
                continue;
            }

            int start = Assert.NotNull(span.Start), end = Assert.NotNull(span.End);
            Assert.True(start >= previousEnd && end > start, $"span [{start}, {end}) after {previousEnd}");
            string piece = tokenizer.Vocabulary.TokenOf(span.Id);
            string expected = tokenizer.Vocabulary.IsContinuation(span.Id) ? piece[2..] : piece;
            Assert.Equal(expected, BertBasicTokenizer.ToSpaceSeparatedWords(Encoding.UTF8.GetString(utf8, start, end - start)));
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
        // (1 + 2 + 1 bytes), 'é' → e (2), 東 (3), 😀 → [UNK] (4).
        int last = Encoding.UTF8.GetByteCount(text) - Encoding.UTF8.GetByteCount(repeated);
        Assert.Equal(600_000, spans.Length);
        Assert.Equal(TestData.Tokenizer.Tokenize("ab"), new[] { spans[^4].Id });
        Assert.Equal((last, last + 4), (spans[^4].Start!.Value, spans[^4].End!.Value));
        Assert.Equal((last + 5, last + 7), (spans[^3].Start!.Value, spans[^3].End!.Value));
        Assert.Equal((last + 8, last + 11), (spans[^2].Start!.Value, spans[^2].End!.Value));
        Assert.Null(spans[^1].Start);
    }
}
