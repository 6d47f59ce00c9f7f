using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace BertGen.Fuzzing;

/// <summary>
/// The corpus and labelled-text formats read directly from their definitions, as the oracle for
/// <see cref="TextDataTarget"/>: the whole file decoded strictly as UTF-8 (a leading byte-order mark dropped), split at
/// LF, CRLF or a lone CR, and refused unless its last line ends with a line break (a file cut mid-line is damage).
/// Corpus: lines trimmed, blank lines between documents. Labelled text: <c>label TAB text [TAB text_b]</c> per line,
/// blank lines skipped, no blank label or text, at least one example. Written apart from BertGen.Text on purpose.
/// </summary>
public static class ReferenceTextData
{
    /// <summary>The lines of a plain text file, or null when it must be refused.</summary>
    public static List<string>? Lines(byte[] bytes)
    {
        int start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, start, bytes.Length - start);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        if (text.Length > 0 && text[^1] is not ('\n' or '\r'))
        {
            return null;
        }

        return [.. text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n').SkipLast(1)];
    }

    /// <summary>The corpus answer for a plain file's bytes, or null when it must be refused.</summary>
    public static string? Corpus(byte[] bytes) => Lines(bytes) is { } lines ? FormatCorpus(Documents(lines)) : null;

    /// <summary>The labelled-text answer for a plain file's bytes, or null when it must be refused.</summary>
    public static string? Labels(byte[] bytes)
    {
        if (Lines(bytes) is not { } lines)
        {
            return null;
        }

        var examples = new List<string[]>();
        foreach (string line in lines)
        {
            if (line.All(char.IsWhiteSpace))
            {
                continue; // a blank line (Unicode White_Space only) holds no example
            }

            string[] fields = line.Split('\t');
            if (fields.Length is < 2 or > 3 || fields.Any(string.IsNullOrWhiteSpace))
            {
                return null;
            }

            examples.Add(fields);
        }

        return examples.Count == 0 ? null : FormatLabels(examples);
    }

    /// <summary>A corpus as one comparable text: documents apart by U+001E, sentences by U+001F.</summary>
    public static string FormatCorpus(IEnumerable<IEnumerable<string>> documents) =>
        Digest.Of(string.Join('\u001e', documents.Select(d => string.Join('\u001f', d))));

    /// <summary>Examples as one comparable text: fields apart by U+001F, examples by U+001E.</summary>
    public static string FormatLabels(IEnumerable<string[]> examples) =>
        Digest.Of(string.Join('\u001e', examples.Select(e => string.Join('\u001f', e))));

    private static List<List<string>> Documents(List<string> lines)
    {
        var documents = new List<List<string>>();
        var current = new List<string>();
        foreach (string line in lines.Select(l => l.Trim()))
        {
            if (line.Length > 0)
            {
                current.Add(line);
            }
            else if (current.Count > 0)
            {
                documents.Add(current);
                current = [];
            }
        }

        if (current.Count > 0)
        {
            documents.Add(current);
        }

        return documents;
    }
}
