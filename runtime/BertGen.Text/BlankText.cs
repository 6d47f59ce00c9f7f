using System;
using System.Globalization;
using System.Text;

namespace BertGen.Text;

/// <summary>
/// A text with nothing in it for the model: one its tokenizer turns into no WordPiece at all. Encoded anyway it is
/// <c>[CLS] [SEP]</c>, whose embedding or class means nothing and which trains a classifier on no evidence, so
/// <see cref="SequenceClassificationDataset.Create"/> refuses such an example, and whatever embeds or classifies texts
/// (the <c>bertgen</c> CLI's arguments, its server's inputs, the lines of an input file) asks this one test and words
/// the answer the same way. <see cref="BertWordPieceTokenizer.Encode(string, int)"/> itself does not refuse: a tokenizer answers a
/// blank text with its special tokens, as HuggingFace's does. The tokenizer is the judge, not a list of characters: an
/// uncased model strips accents, so a text of only combining accents is blank for it, while a cased model keeps them; a
/// model that does not clean its text keeps control characters (as <c>[UNK]</c>).
/// </summary>
public static class BlankText
{
    /// <summary>
    /// Why <paramref name="text"/> is blank for <paramref name="tokenizer"/>, to follow its name (<c>text 2 …</c>):
    /// <c>is empty</c>, <c>is only whitespace</c>, <c>is only invisible characters the tokenizer drops …</c> or
    /// <c>has nothing the tokenizer keeps …</c>; null when the tokenizer keeps something of it.
    /// </summary>
    public static string? Describe(string text, BertWordPieceTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (text.Length == 0)
        {
            return "is empty";
        }

        // Fast paths, so a real text is not tokenised twice (here and to run it): under any normalisation flags the tokenizer
        // keeps nothing of whitespace, and keeps every letter, digit, punctuation mark and symbol in any script (none is a
        // control character, whitespace or an accent, and WordPiece makes every word at least [UNK]). Only a text made of
        // nothing else (marks, invisible characters) is tokenised here. BlankTextTests checks both over every code point.
        if (string.IsNullOrWhiteSpace(text))
        {
            return "is only whitespace";
        }

        if (HasAlwaysKeptCharacter(text) || tokenizer.Tokenize(text).Length > 0)
        {
            return null;
        }

        // The tokenizer kept nothing: say what the text was made of.
        foreach (Rune rune in text.EnumerateRunes())
        {
            if (!Rune.IsWhiteSpace(rune) && !IsInvisible(rune))
            {
                return "has nothing the tokenizer keeps (only accents, control or format characters)";
            }
        }

        return "is only invisible characters the tokenizer drops (control or format characters)";
    }

    /// <summary>
    /// The first blank text of one sequence (a text, or a pair of texts): which one (<c>first</c> or <c>second</c> of a pair,
    /// null for a single text) and why (<see cref="Describe"/>), or null when the tokenizer keeps something of each.
    /// </summary>
    public static (string? Part, string Why)? DescribeSequence(string text, string? second, BertWordPieceTokenizer tokenizer)
    {
        if (Describe(text, tokenizer) is string why)
        {
            return (second is null ? null : "first", why);
        }

        return second is not null && Describe(second, tokenizer) is string secondWhy ? ("second", secondWhy) : null;
    }

    /// <summary>
    /// Why a labelled example is blank for <paramref name="tokenizer"/>, to follow its name
    /// (<c>train.tsv line 3: the second text is only whitespace</c>): <c>the text …</c>, or <c>the first text …</c> /
    /// <c>the second text …</c> of a pair (<see cref="DescribeSequence"/>); null when the tokenizer keeps something of each.
    /// </summary>
    public static string? DescribeExample(LabelledText example, BertWordPieceTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(example);
        return DescribeSequence(example.Text, example.TextB, tokenizer) is (var part, string why)
            ? $"the {(part is null ? "" : part + " ")}text {why}"
            : null;
    }

    private static bool HasAlwaysKeptCharacter(string text)
    {
        foreach (Rune rune in text.EnumerateRunes())
        {
            if (rune.Value is not 0xFFFD && Rune.GetUnicodeCategory(rune) is <= UnicodeCategory.OtherLetter
                or (>= UnicodeCategory.DecimalDigitNumber and <= UnicodeCategory.OtherNumber)
                or (>= UnicodeCategory.ConnectorPunctuation and <= UnicodeCategory.OtherSymbol))
            {
                return true;
            }
        }

        return false;
    }

    // What BERT's BasicTokenizer._clean_text drops when it cleans: NUL, U+FFFD and the C* categories (tab, newline and
    // carriage return are whitespace, matched before this).
    private static bool IsInvisible(Rune rune) =>
        rune.Value is 0 or 0xFFFD
        || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
}
