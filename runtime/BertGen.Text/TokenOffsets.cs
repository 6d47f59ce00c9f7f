using System;
using System.Collections.Generic;
using BertGen.Text.Normalization;

namespace BertGen.Text;

/// <summary>One WordPiece of a text and the span of the original text it came from, in UTF-8 bytes (as TEI's <c>/tokenize</c> gives them); null where it could not be placed.</summary>
public readonly record struct TokenSpan(int Id, int? Start, int? End);

/// <summary>
/// Places WordPieces back on the text they came from. Basic tokenisation (<see cref="BertBasicTokenizer"/>) drops,
/// lowercases and folds characters, and records where each character of its words came from; the pieces of a word tile
/// it (WordPiece's greedy longest match), so each piece is the next stretch of its word, as long as the piece without
/// its <c>##</c>, and its span runs from the source of its first character to the end of the source of its last.
/// <c>[UNK]</c> (which stands for a whole word) gets a null span, as does a piece that does not match its stretch of the
/// word (WordPiece's own whitespace split cuts a word at U+2028 and U+2029, which BERT's whitespace is not). Nothing is
/// searched for: placing the pieces of a text is one pass over it (a search from each piece to the text's end, for a
/// piece next to a soft hyphen the old walk could not find, made /tokenize quadratic).
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
            end = words.IndexOf(' ', start);
            end = end < 0 ? words.Length : end;
            for (int at = start; at < end && t < ids.Count; t++)
            {
                int id = ids[t];
                if (id == vocabulary.UnknownId)
                {
                    spans[t] = new TokenSpan(id, null, null);
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

                int first = sources[at], last = sources[at + length - 1];
                int lastEnd = last + (char.IsHighSurrogate(text[last]) && last + 1 < text.Length && char.IsLowSurrogate(text[last + 1]) ? 2 : 1);
                spans[t] = new TokenSpan(id, utf8Offsets[first], utf8Offsets[lastEnd]);
                at += length;
            }
        }

        // Pieces past the words (none, from the same text's tokenisation) are unplaced.
        for (; t < ids.Count; t++)
        {
            spans[t] = new TokenSpan(ids[t], null, null);
        }

        return spans;
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
