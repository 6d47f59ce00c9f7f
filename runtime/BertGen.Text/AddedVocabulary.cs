using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using BertGen.Runtime;
using BertGen.Text.Normalization;

namespace BertGen.Text;

/// <summary>
/// A stretch of a text, <c>[Start, End)</c> in UTF-16 units: an added token's match (<see cref="Id"/> set, its stripped
/// whitespace included) or ordinary text between matches (null), which the BERT pipeline tokenises.
/// </summary>
internal readonly record struct TextSegment(int Start, int End, int? Id);

/// <summary>
/// Finds a tokenizer's <see cref="AddedToken"/>s in a text as HuggingFace tokenizers' <c>AddedVocabulary</c>
/// (<c>added_vocabulary.rs</c>, <c>extract_and_normalize</c>) does: first the tokens not <c>normalized</c>, in the raw
/// text; then, in each stretch between those matches, the <c>normalized</c> ones in that stretch's normalised text. In
/// each pass the leftmost match wins, the longest content at that place (Aho-Corasick's leftmost-longest), matches do
/// not overlap and the search goes on after a match's content; a <c>single_word</c> match with a word character (regex
/// <c>\w</c>) touching it is dropped (the search still goes on after it); <c>lstrip</c> and <c>rstrip</c> then widen a
/// match over the whitespace beside it (not back into the previous match).
/// </summary>
internal sealed class AddedVocabulary
{
    private readonly Pattern[] _raw;
    private readonly Pattern[] _normalized;
    private readonly BertNormalization _normalization;

    private readonly record struct Pattern(string Text, int Id, AddedToken Token);

    public AddedVocabulary(IReadOnlyList<AddedToken> tokens, BertVocabulary vocabulary, BertNormalization normalization)
    {
        _normalization = normalization;
        var raw = new Dictionary<string, Pattern>(StringComparer.Ordinal);
        var normalized = new Dictionary<string, Pattern>(StringComparer.Ordinal);
        foreach (AddedToken token in tokens)
        {
            ArgumentNullException.ThrowIfNull(token, nameof(tokens));

            // BertGen's models have one embedding per vocabulary entry: a token HuggingFace would give a new id past the
            // vocabulary has no row to look up.
            if (!vocabulary.TryGetId(token.Content, out int id))
            {
                throw new TextDataException($"The added token {MessageText.Quote(token.Content)} is not in the vocabulary; BertGen reads only added tokens that are vocabulary entries.");
            }

            // A later token with the same content replaces an earlier one, as in HuggingFace's map by content.
            raw.Remove(token.Content);
            normalized.Remove(token.Content);
            if (token.Normalized)
            {
                string pattern = BertBasicTokenizer.Normalize(token.Content, normalization, sources: null);
                if (pattern.Length > 0)
                {
                    normalized[token.Content] = new Pattern(pattern, id, token);
                }
            }
            else
            {
                raw[token.Content] = new Pattern(token.Content, id, token);
            }
        }

        // Longest first, so the first pattern found at a place is the longest there.
        _raw = [.. raw.Values.OrderByDescending(p => p.Text.Length)];
        _normalized = [.. normalized.Values.OrderByDescending(p => p.Text.Length)];
    }

    /// <summary>The stretches of <paramref name="text"/>, in order, covering it.</summary>
    public List<TextSegment> Split(string text)
    {
        var segments = new List<TextSegment>();
        foreach (TextSegment segment in Matches(text, 0, text.Length, _raw))
        {
            if (segment.Id is not null || _normalized.Length == 0)
            {
                segments.Add(segment);
                continue;
            }

            // The normalised tokens are looked for in this stretch's normalised text, and their matches put back on the
            // raw text: the stretches between them normalise to the same text on their own.
            var sources = new List<int>(segment.End - segment.Start + 8);
            string piece = text[segment.Start..segment.End];
            string normal = BertBasicTokenizer.Normalize(piece, _normalization, sources);
            int at = segment.Start;
            foreach (TextSegment found in Matches(normal, 0, normal.Length, _normalized))
            {
                if (found.Id is null || RawSpan(sources, piece, found) is not (int from, int to))
                {
                    continue;
                }

                if (segment.Start + from > at)
                {
                    segments.Add(new TextSegment(at, segment.Start + from, null));
                }

                segments.Add(new TextSegment(segment.Start + from, segment.Start + to, found.Id));
                at = segment.Start + to;
            }

            if (at < segment.End)
            {
                segments.Add(new TextSegment(at, segment.End, null));
            }
        }

        return segments;
    }

    // The raw stretch a match in the normalised text came from: from its first character with a source to the end of its
    // last (a space put around an ideograph has none); null if none has.
    private static (int From, int To)? RawSpan(List<int> sources, string piece, TextSegment found)
    {
        int first = -1, last = -1;
        for (int k = found.Start; k < found.End; k++)
        {
            if (sources[k] >= 0)
            {
                first = first < 0 ? sources[k] : first;
                last = sources[k];
            }
        }

        return first < 0 ? null : (first, last + (char.IsHighSurrogate(piece[last]) && last + 1 < piece.Length ? 2 : 1));
    }

    // find_matches over sentence[from..to): matches and the stretches between them, covering it.
    private static List<TextSegment> Matches(string sentence, int from, int to, Pattern[] patterns)
    {
        var splits = new List<TextSegment>();
        int startOffset = from;
        for (int position = from; position < to;)
        {
            if (NextMatch(sentence, position, to, patterns) is not (int matchStart, Pattern pattern))
            {
                break;
            }

            int start = matchStart, stop = matchStart + pattern.Text.Length;
            position = stop;
            AddedToken token = pattern.Token;
            if (token.SingleWord && ((start > from && EndsWithWordCharacter(sentence, from, start)) || (stop < to && StartsWithWordCharacter(sentence, stop, to))))
            {
                continue;
            }

            if (token.LeftStrip)
            {
                while (start > startOffset && char.IsWhiteSpace(sentence[start - 1]))
                {
                    start--;
                }
            }

            if (token.RightStrip)
            {
                while (stop < to && char.IsWhiteSpace(sentence[stop]))
                {
                    stop++;
                }

                // What the strip took in is not searched again (only a content starting with whitespace could match there).
                position = stop;
            }

            if (startOffset < start)
            {
                splits.Add(new TextSegment(startOffset, start, null));
            }

            splits.Add(new TextSegment(start, stop, pattern.Id));
            startOffset = stop;
        }

        if (startOffset < to || splits.Count == 0)
        {
            splits.Add(new TextSegment(startOffset, to, null));
        }

        return splits;
    }

    // The leftmost place from position on where a pattern matches, and the longest pattern there.
    private static (int Start, Pattern Pattern)? NextMatch(string sentence, int position, int to, Pattern[] patterns)
    {
        for (int i = position; i < to; i++)
        {
            foreach (Pattern pattern in patterns)
            {
                if (pattern.Text[0] == sentence[i] && i + pattern.Text.Length <= to && string.CompareOrdinal(sentence, i, pattern.Text, 0, pattern.Text.Length) == 0)
                {
                    return (i, pattern);
                }
            }
        }

        return null;
    }

    private static bool EndsWithWordCharacter(string sentence, int from, int end)
    {
        int at = end - 1;
        if (at > from && char.IsLowSurrogate(sentence[at]) && char.IsHighSurrogate(sentence[at - 1]))
        {
            at--;
        }

        return Rune.TryGetRuneAt(sentence, at, out Rune rune) && IsWordCharacter(rune);
    }

    private static bool StartsWithWordCharacter(string sentence, int start, int to) =>
        Rune.TryGetRuneAt(sentence, start, out Rune rune) && IsWordCharacter(rune);

    // Rust regex's Unicode \w: Alphabetic, marks, decimal digits, connector punctuation and the joiners. Alphabetic is
    // read as the letter categories and Nl; the few Other_Alphabetic symbols outside the marks (circled letters) are not.
    private static bool IsWordCharacter(Rune rune) =>
        rune.Value is 0x200C or 0x200D
        || Rune.GetUnicodeCategory(rune) is <= UnicodeCategory.EnclosingMark or UnicodeCategory.DecimalDigitNumber
            or UnicodeCategory.LetterNumber or UnicodeCategory.ConnectorPunctuation;
}
