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
}
