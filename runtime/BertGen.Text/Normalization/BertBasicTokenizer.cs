using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace BertGen.Text.Normalization;

/// <summary>
/// BERT's BasicTokenizer for uncased models (google-research/bert <c>tokenization.py</c>, HuggingFace
/// <c>BasicTokenizer</c>): drop NUL, U+FFFD and control/format/unassigned characters, turn whitespace into
/// spaces, put spaces around CJK ideographs, split on whitespace, lowercase, strip accents, split off
/// punctuation. Written out here rather than taken from Microsoft.ML.Tokenizers 2.0.1, whose BertTokenizer
/// drops symbol words such as "☃" or emoji (BERT keeps them and maps them to [UNK] or a vocabulary symbol),
/// deletes tabs instead of treating them as spaces (joining the words around them), and strips accents only
/// when ICU is loaded (not in globalization-invariant or trimmed apps).
/// </summary>
internal static class BertBasicTokenizer
{
    /// <summary>The words of <paramref name="text"/>, separated by single spaces (no leading or trailing space).</summary>
    public static string ToSpaceSeparatedWords(string text) => ToSpaceSeparatedWords(text, BertNormalization.Uncased);

    /// <summary>The words of <paramref name="text"/> under <paramref name="normalization"/>, separated by single spaces.</summary>
    public static string ToSpaceSeparatedWords(string text, BertNormalization normalization) => ToSpaceSeparatedWords(text, normalization, sources: null);

    /// <summary>
    /// <see cref="ToSpaceSeparatedWords(string, BertNormalization)"/>, adding to <paramref name="sources"/> (when given) the
    /// UTF-16 index in <paramref name="text"/> of the character each output character came from (−1 for the spaces
    /// between words), so that pieces of the words can be placed back on the text (<see cref="TokenOffsets"/>).
    /// </summary>
    public static string ToSpaceSeparatedWords(string text, BertNormalization normalization, List<int>? sources)
    {
        // Step 1: clean and space out CJK ideographs (Google's _clean_text and _tokenize_chinese_chars).
        List<int>? cleanedSources = sources is null ? null : new List<int>(text.Length + 8);
        string cleanedText = Clean(text, normalization, cleanedSources);

        // Step 2: per whitespace word, lowercase, strip accents, then split punctuation into its own words.
        var output = new StringBuilder(cleanedText.Length + 16);
        var folded = new StringBuilder(32);
        List<int>? wordSources = sources is null ? null : new List<int>(32);
        List<int>? foldedSources = sources is null ? null : new List<int>(32);
        for (int start = 0, end; start < cleanedText.Length; start = end)
        {
            end = cleanedText.IndexOf(' ', start);
            end = end < 0 ? cleanedText.Length : end;
            if (end == start)
            {
                end++;
                continue;
            }

            LowercaseAndFold(cleanedText, start, end, cleanedSources, normalization, folded, foldedSources, wordSources);

            bool inWord = false;
            int position = 0;
            foreach (Rune rune in folded.ToString().EnumerateRunes())
            {
                int source = foldedSources?[position] ?? -1;
                position += rune.Utf16SequenceLength;
                if (IsPunctuation(rune))
                {
                    Separate(output, sources);
                    AppendRune(output, rune, sources, source);
                    inWord = false;
                    continue;
                }

                if (!inWord)
                {
                    Separate(output, sources);
                    inWord = true;
                }

                AppendRune(output, rune, sources, source);
            }
        }

        return output.ToString();
    }

    /// <summary>
    /// <paramref name="text"/> as HuggingFace's <c>BertNormalizer</c> leaves it, before any split: cleaned, CJK ideographs
    /// spaced out, lowercased and accents stripped word by word, whitespace kept as single spaces. <paramref name="sources"/>
    /// (when given) gets the UTF-16 index in <paramref name="text"/> of the character each output character came from (−1
    /// for a space put around an ideograph). Added tokens marked <c>normalized</c> are matched in this text
    /// (<see cref="AddedVocabulary"/>).
    /// </summary>
    public static string Normalize(string text, BertNormalization normalization, List<int>? sources)
    {
        List<int>? cleanedSources = sources is null ? null : new List<int>(text.Length + 8);
        string cleanedText = Clean(text, normalization, cleanedSources, markSpaces: false);
        var output = new StringBuilder(cleanedText.Length);
        var folded = new StringBuilder(32);
        List<int>? wordSources = sources is null ? null : new List<int>(32);
        List<int>? foldedSources = sources is null ? null : new List<int>(32);
        for (int start = 0, end; start < cleanedText.Length; start = end + 1)
        {
            end = cleanedText.IndexOf(' ', start);
            end = end < 0 ? cleanedText.Length : end;
            LowercaseAndFold(cleanedText, start, end, cleanedSources, normalization, folded, foldedSources, wordSources);
            output.Append(folded);
            sources?.AddRange(foldedSources!);
            if (end < cleanedText.Length)
            {
                output.Append(' ');
                sources?.Add(cleanedSources![end]);
            }
        }

        return output.ToString();
    }

    // Google's _clean_text and _tokenize_chinese_chars: whitespace becomes a space (its source kept when markSpaces is
    // false, −1 otherwise), ideographs get a space on each side (source −1).
    private static string Clean(string text, BertNormalization normalization, List<int>? cleanedSources, bool markSpaces = true)
    {
        var cleaned = new StringBuilder(text.Length + 8);
        int index = 0;
        foreach (Rune rune in text.EnumerateRunes())
        {
            int at = index, cp = rune.Value;
            index += rune.Utf16SequenceLength;
            if (normalization.CleanText && (cp == 0 || cp == 0xFFFD || IsControl(rune)))
            {
                continue;
            }

            if (IsWhitespace(rune))
            {
                cleaned.Append(' ');
                cleanedSources?.Add(markSpaces ? -1 : at);
            }
            else if (normalization.HandleChineseCharacters && IsCjkIdeograph(cp, normalization.FastTokenizerIdeographs))
            {
                cleaned.Append(' ');
                cleanedSources?.Add(-1);
                AppendRune(cleaned, rune, cleanedSources, at);
                cleaned.Append(' ');
                cleanedSources?.Add(-1);
            }
            else
            {
                AppendRune(cleaned, rune, cleanedSources, at);
            }
        }

        return cleaned.ToString();
    }

    // The word cleanedText[start..end) lowercased and accent-folded into folded, with the text index each character came
    // from in foldedSources (wordSources is scratch space).
    private static void LowercaseAndFold(string cleanedText, int start, int end, List<int>? cleanedSources, BertNormalization normalization,
        StringBuilder folded, List<int>? foldedSources, List<int>? wordSources)
    {
        // Where each character of the lowercased word came from in the text.
        string word = cleanedText[start..end];
        wordSources?.Clear();
        string lowered = normalization.Lowercase ? PythonLowercasing.ToLower(word, wordSources) : word;
        if (!normalization.Lowercase)
        {
            for (int k = 0; wordSources is not null && k < word.Length; k++)
            {
                wordSources.Add(k);
            }
        }

        folded.Clear();
        foldedSources?.Clear();
        int position = 0;
        foreach (Rune rune in lowered.EnumerateRunes())
        {
            int before = folded.Length;
            if (normalization.StripAccents)
            {
                AccentFolding.AppendFolded(rune, folded);
            }
            else
            {
                AppendRune(folded, rune);
            }

            for (int k = before; foldedSources is not null && k < folded.Length; k++)
            {
                foldedSources.Add(cleanedSources![start + wordSources![position]]);
            }

            position += rune.Utf16SequenceLength;
        }
    }

    /// <summary>Splits the words of <see cref="ToSpaceSeparatedWords(string)"/> into a list (for tests and inspection).</summary>
    public static List<string> Tokenize(string text) =>
        new(ToSpaceSeparatedWords(text).Split(' ', StringSplitOptions.RemoveEmptyEntries));

    private static void Separate(StringBuilder output, List<int>? sources)
    {
        if (output.Length > 0 && output[^1] != ' ')
        {
            output.Append(' ');
            sources?.Add(-1);
        }
    }

    private static void AppendRune(StringBuilder output, Rune rune)
    {
        Span<char> units = stackalloc char[2];
        output.Append(units[..rune.EncodeToUtf16(units)]);
    }

    private static void AppendRune(StringBuilder output, Rune rune, List<int>? sources, int source)
    {
        AppendRune(output, rune);
        for (int k = 0; sources is not null && k < rune.Utf16SequenceLength; k++)
        {
            sources.Add(source);
        }
    }

    private static bool IsWhitespace(Rune rune) =>
        rune.Value is ' ' or '\t' or '\n' or '\r' || Rune.GetUnicodeCategory(rune) == UnicodeCategory.SpaceSeparator;

    // Tab, newline and carriage return are whitespace, not control; every other C* category is dropped.
    private static bool IsControl(Rune rune)
    {
        if (rune.Value is '\t' or '\n' or '\r')
        {
            return false;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
    }

    // All non-letter, non-digit ASCII counts as punctuation (so "$" and "^" split) as well as Unicode P*.
    private static bool IsPunctuation(Rune rune)
    {
        int cp = rune.Value;
        if (cp is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126)
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    // The CJK Unified Ideographs blocks BERT spaces out (not Hiragana, Katakana or Hangul, which are
    // written with spaces or tokenised as words); HuggingFace's fast tokenizers start the Extension E block 256 code
    // points later (BertNormalization.FastTokenizerIdeographs).
    private static bool IsCjkIdeograph(int cp, bool fastTokenizer) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF
            or >= 0x2A700 and <= 0x2B73F or >= 0x2B740 and <= 0x2B81F or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F
        || (cp is >= 0x2B820 and <= 0x2CEAF && (!fastTokenizer || cp >= 0x2B920));
}
