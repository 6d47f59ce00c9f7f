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
            spans[t] = new TokenSpan(id, Utf8Offset(text, sourceStart[at]), Utf8Offset(text, sourceEnd[cursor - 1]));
        }

        return spans;
    }

    private static int Utf8Offset(string text, int utf16Index) => Encoding.UTF8.GetByteCount(text.AsSpan(0, utf16Index));
}
