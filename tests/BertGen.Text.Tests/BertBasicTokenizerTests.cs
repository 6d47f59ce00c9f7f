using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using BertGen.Text.Normalization;
using Xunit;

namespace BertGen.Text.Tests;

public sealed class BertBasicTokenizerTests
{
    [Fact]
    public void AccentFolding_MatchesIcuNfdWithoutNonSpacingMarks_ForEveryAssignedCodePoint()
    {
        // Oracle: ICU's canonical decomposition (this test project runs with ICU loaded) minus Mn characters,
        // exactly Google's _run_strip_accents. The table comes from Python's Unicode 14 data, ICU 72 has
        // Unicode 15: no character assigned in between has a decomposition or is a non-spacing mark that ICU
        // and .NET disagree on, so the two must agree exactly; a future ICU that differs means regenerate.
        int compared = 0;
        var mismatches = new List<string>();
        var ours = new StringBuilder();
        for (int cp = 0; cp <= 0x10FFFF; cp++)
        {
            if (cp is >= 0xD800 and <= 0xDFFF)
            {
                continue;
            }

            var rune = new Rune(cp);
            if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.OtherNotAssigned)
            {
                continue;
            }

            string text = rune.ToString();
            var expected = new StringBuilder();
            foreach (Rune r in text.Normalize(NormalizationForm.FormD).EnumerateRunes())
            {
                if (Rune.GetUnicodeCategory(r) != UnicodeCategory.NonSpacingMark)
                {
                    expected.Append(r.ToString());
                }
            }

            ours.Clear();
            AccentFolding.AppendFolded(rune, ours);
            compared++;
            if (ours.ToString() != expected.ToString())
            {
                mismatches.Add($"U+{cp:X4}");
            }
        }

        Assert.True(compared > 280000, $"only {compared} characters compared");
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} mismatches: {string.Join(' ', mismatches.Take(40))}");
    }

    [Theory]
    [InlineData("Héllo, WORLD!", "hello , world !")]
    [InlineData("Tab\tseparated\u00a0and\u2003spaced", "tab separated and spaced")]
    [InlineData("bell\u0007less zero\u200bwidth", "bellless zerowidth")]
    [InlineData("中文and日本", "中 文 and 日 本")]
    [InlineData("$5^2 ☃≥🙂", "$ 5 ^ 2 ☃≥🙂")]
    [InlineData("한국어", "\u1112\u1161\u11ab\u1100\u116e\u11a8\u110b\u1165")]
    [InlineData("İstanbul ÅNGSTRÖM", "istanbul angstrom")]
    [InlineData("ΟΔΟΣ ΣΑΣ", "οδο\u03c2 \u03c3α\u03c2")]
    [InlineData("  \r\n ", "")]
    public void Tokenize_FollowsGoogleBasicTokenizer(string text, string expectedWords)
    {
        // Expected values worked out by hand from google-research/bert tokenization.py: whitespace (tab,
        // NBSP, em space) separates; control and format characters (BEL, zero-width space) vanish; CJK
        // ideographs (not kana or Hangul) stand alone; ASCII non-alphanumerics are punctuation, other symbols
        // are not; Hangul decomposes to jamo under NFD; lowercase as Python's str.lower (İ → i̇ → i, word-final
        // Σ → ς) then strip accents.
        Assert.Equal(expectedWords, BertBasicTokenizer.ToSpaceSeparatedWords(text));
    }

    /// <summary>
    /// Where the CJK Extension E block starts. HuggingFace's Rust tokenizers (tokenizers' normalizers/bert.rs,
    /// is_chinese_char: 0x2B740..=0x2B81F, then 0x2B920..=0x2CEAF), which sentence-transformers and TEI run, leave
    /// U+2B820–U+2B91F inside words; Google's tokenization.py and transformers' Python BasicTokenizer (0x2B820) space them
    /// out. BertGen spaced them out for HuggingFace models too, so a text with one beside a letter was another sequence.
    /// </summary>
    [Theory]
    [InlineData(0x2B81D, true, true)] // the last of Extension D (0x2B81E and 0x2B81F are unassigned: removed as control characters)
    [InlineData(0x2B820, false, true)]
    [InlineData(0x2B91F, false, true)]
    [InlineData(0x2B920, true, true)]
    [InlineData(0x2CEA1, true, true)] // the last of Extension E
    public void The_fast_tokenizers_cjk_ranges_leave_the_start_of_extension_E_in_words(int codePoint, bool fastSpacesOut, bool googleSpacesOut)
    {
        string ideograph = char.ConvertFromUtf32(codePoint);
        string text = "a" + ideograph + "b";
        string spaced = "a " + ideograph + " b";
        BertNormalization fast = BertNormalization.FromHuggingFace(lowercase: true, stripAccents: null, handleChineseCharacters: true, cleanText: true);
        Assert.Equal(fastSpacesOut ? spaced : text, BertBasicTokenizer.ToSpaceSeparatedWords(text, fast));
        Assert.Equal(googleSpacesOut ? spaced : text, BertBasicTokenizer.ToSpaceSeparatedWords(text, BertNormalization.Uncased));
        Assert.Equal(fastSpacesOut ? spaced : text, BertBasicTokenizer.ToSpaceSeparatedWords(text, fast with { Lowercase = false }));
    }
}
