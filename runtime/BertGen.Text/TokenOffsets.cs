using System;
using System.Collections.Generic;
using System.Text;
using BertGen.Text.Normalization;

namespace BertGen.Text;

/// <summary>One WordPiece of a text and the span of the original text it came from, in UTF-8 bytes (as TEI's <c>/tokenize</c> gives them); null where it could not be placed.</summary>
public readonly record struct TokenSpan(int Id, int? Start, int? End);

/// <summary>
/// Places WordPieces back on the text they came from. Basic tokenisation lowercases, strips accents and drops
/// characters, so a piece is found by walking a normalised copy of the text whose every character remembers where it
/// came from, each piece searched from where the one before ended. <c>[UNK]</c> (whose text is the whole unknown word)
/// and a piece the walk cannot find get null spans; the pieces after them are still placed.
/// </summary>
internal static class TokenOffsets
{
    public static TokenSpan[] Align(string text, IReadOnlyList<int> ids, BertVocabulary vocabulary, BertNormalization normalization)
    {
        // The normalised copy, character by character, with each character's source span in UTF-16 units.
        var normalized = new StringBuilder(text.Length);
        var sourceStart = new List<int>(text.Length);
        var sourceEnd = new List<int>(text.Length);
        var folded = new StringBuilder(4);
        for (int i = 0; i < text.Length;)
        {
            Rune.DecodeFromUtf16(text.AsSpan(i), out Rune rune, out int consumed);
            folded.Clear();
            string lowered = normalization.Lowercase ? rune.ToString().ToLowerInvariant() : rune.ToString();
            foreach (Rune piece in lowered.EnumerateRunes())
            {
                if (normalization.StripAccents)
                {
                    AccentFolding.AppendFolded(piece, folded);
                }
                else
                {
                    folded.Append(piece.ToString());
                }
            }

            for (int k = 0; k < folded.Length; k++)
            {
                normalized.Append(folded[k]);
                sourceStart.Add(i);
                sourceEnd.Add(i + consumed);
            }

            i += consumed;
        }

        string haystack = normalized.ToString();
        int[] utf8Offsets = Utf8Offsets(text);
        var spans = new TokenSpan[ids.Count];
        int cursor = 0;
        for (int t = 0; t < ids.Count; t++)
        {
            int id = ids[t];
            string token = vocabulary.TokenOf(id);
            string needle = vocabulary.IsContinuation(id) ? token[BertVocabulary.ContinuationPrefix.Length..] : token;
            int at = id == vocabulary.UnknownId ? -1 : haystack.IndexOf(needle, cursor, StringComparison.Ordinal);
            if (at < 0)
            {
                spans[t] = new TokenSpan(id, null, null);
                continue;
            }

            cursor = at + needle.Length;
            spans[t] = new TokenSpan(id, utf8Offsets[sourceStart[at]], utf8Offsets[sourceEnd[cursor - 1]]);
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
