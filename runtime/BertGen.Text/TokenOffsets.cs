using System;
using System.Collections.Generic;
using BertGen.Text.Normalization;

namespace BertGen.Text;

/// <summary>One WordPiece of a text and the span of the original text it came from, in UTF-8 bytes (as TEI's <c>/tokenize</c> gives them); null where it could not be placed.</summary>
public readonly record struct TokenSpan(int Id, int? Start, int? End);

/// <summary>
/// Places WordPieces back on the text they came from. Basic tokenisation (<see cref="BertBasicTokenizer"/>) drops,
/// lowercases and folds characters, and records where each character of its words came from; WordPiece's own
/// whitespace split (Microsoft.ML.Tokenizers' pre-tokeniser, .NET's <c>\s</c>) then cuts those words again at the
/// whitespace BERT's is not (U+2028 and U+2029; and \v, \f, U+0085 when the text is not cleaned). The pieces of each
/// such word tile it (WordPiece's greedy longest match), so each piece is the next stretch of its word, as long as the
/// piece without its <c>##</c>, and its span runs from the source of its first character to the end of the source of its
/// last; <c>[UNK]</c> stands for the whole word and spans all of it, as in HuggingFace's tokenizers (TEI's
/// <c>/tokenize</c>). A piece that does not match its stretch (none, for pieces of the same text's tokenisation) gets a
/// null span. Nothing is searched for: placing the pieces of a text is one pass over it (a search from each piece to the
/// text's end, for a piece next to a soft hyphen the old walk could not find, made /tokenize quadratic).
/// </summary>
internal static class TokenOffsets
{
    public static TokenSpan[] Align(string text, IReadOnlyList<int> ids, BertVocabulary vocabulary, BertNormalization normalization)
    {
        var sources = new List<int>(text.Length + 16);
        string words = BertBasicTokenizer.ToSpaceSeparatedWords(text, normalization, sources);
        int[] utf8Offsets = Utf8Offsets(text);
        var spans = new TokenSpan[ids.Count];
        int t = 0;
        for (int start = 0, end; start < words.Length && t < ids.Count; start = end + 1)
        {
            end = start;
            while (end < words.Length && !char.IsWhiteSpace(words[end]))
            {
                end++;
            }

            for (int at = start; at < end && t < ids.Count; t++)
            {
                int id = ids[t];
                if (id == vocabulary.UnknownId)
                {
                    spans[t] = Span(id, start, end);
                    at = end;
                    continue;
                }

                string token = vocabulary.TokenOf(id);
                int skip = vocabulary.IsContinuation(id) ? BertVocabulary.ContinuationPrefix.Length : 0;
                int length = token.Length - skip;
                if (length <= 0 || at + length > end || string.CompareOrdinal(words, at, token, skip, length) != 0)
                {
                    spans[t] = new TokenSpan(id, null, null);
                    at += Math.Max(length, 1);
                    continue;
                }

                spans[t] = Span(id, at, at + length);
                at += length;
            }
        }

        // Pieces past the words (none, from the same text's tokenisation) are unplaced.
        for (; t < ids.Count; t++)
        {
            spans[t] = new TokenSpan(ids[t], null, null);
        }

        return spans;

        // The text under words[from..to): from the source of its first character to the end of the source of its last.
        TokenSpan Span(int id, int from, int to)
        {
            int first = sources[from], last = sources[to - 1];
            int lastEnd = last + (char.IsHighSurrogate(text[last]) && last + 1 < text.Length && char.IsLowSurrogate(text[last + 1]) ? 2 : 1);
            return new TokenSpan(id, utf8Offsets[first], utf8Offsets[lastEnd]);
        }
    }

    /// <summary>
    /// The UTF-8 byte offset of every UTF-16 index of <paramref name="text"/> (and of its end), in one pass: counting each
    /// piece's bytes from the text's start made a text of n pieces cost n²/2 (/tokenize of 900,000 one-letter words took 47 s).
    /// </summary>
    private static int[] Utf8Offsets(string text)
    {
        var offsets = new int[text.Length + 1];
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            // A surrogate pair is one 4-byte character: 2 bytes for each half (an unpaired half is U+FFFD's 3 bytes, as Encoding.UTF8 writes it).
            offsets[i + 1] = offsets[i] + (c < 0x80 ? 1 : c < 0x800 ? 2 : char.IsSurrogate(c) && IsPaired(text, i) ? 2 : 3);
        }

        return offsets;
    }

    private static bool IsPaired(string text, int i) =>
        char.IsHighSurrogate(text[i]) ? i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) : i > 0 && char.IsHighSurrogate(text[i - 1]);
}
