using System;
using System.Collections.Generic;
using System.Text;

namespace BertGen.Fuzzing;

/// <summary>
/// The vocabulary format read directly from its definition, as the oracle for <see cref="VocabularyTarget"/>: strict
/// UTF-8 (a leading byte-order mark dropped), one token per line where LF, CRLF and a lone CR end a line (Python's
/// universal newlines, which HuggingFace's <c>load_vocab</c> reads with), one final line break optional; every token
/// non-empty without surrounding whitespace, none twice, the five special tokens present. Ids are line numbers.
/// WordPiece is Google's greedy longest match with <c>##</c> continuations, a word with an unmatched rest being [UNK].
/// Written apart from BertGen.Text on purpose: whole-text string operations, no shared code.
/// </summary>
public static class ReferenceVocabulary
{
    private static readonly string[] Specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

    /// <summary>The answer a correct reader gives for <paramref name="bytes"/>, or null when it must refuse them.</summary>
    public static string? Answer(byte[] bytes, string sampleText)
    {
        string text;
        try
        {
            int start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, start, bytes.Length - start);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        var lines = new List<string>();
        var line = new StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] is '\r' or '\n')
            {
                lines.Add(line.ToString());
                line.Clear();
                if (text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }
            }
            else
            {
                line.Append(text[i]);
            }
        }

        if (line.Length > 0)
        {
            lines.Add(line.ToString());
        }

        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string token in lines)
        {
            if (token.Length == 0 || char.IsWhiteSpace(token[0]) || char.IsWhiteSpace(token[^1]) || !ids.TryAdd(token, ids.Count))
            {
                return null;
            }
        }

        if (lines.Count == 0 || Array.Exists(Specials, s => !ids.ContainsKey(s)))
        {
            return null;
        }

        var result = new List<int>();
        foreach (string word in sampleText.Split(' '))
        {
            result.AddRange(WordPiece(word, ids));
        }

        return Format(lines.Count, result);
    }

    /// <summary>The answer's text: the vocabulary size and the sample's ids.</summary>
    public static string Format(int count, IEnumerable<int> ids) => $"{count} tokens: {string.Join(' ', ids)}";

    private static List<int> WordPiece(string word, Dictionary<string, int> ids)
    {
        var pieces = new List<int>();
        int start = 0;
        while (start < word.Length)
        {
            int end = word.Length;
            int found = -1;
            while (start < end)
            {
                string piece = (start > 0 ? "##" : "") + word[start..end];
                if (ids.TryGetValue(piece, out int id))
                {
                    found = id;
                    break;
                }

                end--;
            }

            if (found < 0)
            {
                return [ids["[UNK]"]];
            }

            pieces.Add(found);
            start = end;
        }

        return pieces;
    }
}
