using System.Globalization;
using System.Text;

namespace BertGen.Cli;

/// <summary>
/// A text with nothing in it for the model: empty, only whitespace, or only characters BERT's text cleaning drops
/// (NUL, U+FFFD and the control, format, private-use and unassigned categories, such as a zero-width space), all of
/// which tokenise to nothing. Run anyway it gives the answer for <c>[CLS] [SEP]</c>, which means nothing, so the CLI's
/// arguments, the server's inputs and the lines of an input file (skipped there) are all judged by this one test, and
/// refused in one wording.
/// </summary>
internal static class BlankText
{
    /// <summary><c>empty</c>, <c>only whitespace</c> or <c>only invisible characters …</c> for a blank <paramref name="text"/>, else null.</summary>
    public static string? Describe(string text)
    {
        if (text.Length == 0)
        {
            return "empty";
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return "only whitespace";
        }

        foreach (Rune rune in text.EnumerateRunes())
        {
            if (!Rune.IsWhiteSpace(rune) && !IsDroppedByCleaning(rune))
            {
                return null;
            }
        }

        return "only invisible characters the tokenizer drops (control or format characters)";
    }

    // BERT's BasicTokenizer._clean_text: NUL, U+FFFD and every C* category except tab, newline and carriage return
    // (runtime/BertGen.Text's BertBasicTokenizer applies the same rule).
    private static bool IsDroppedByCleaning(Rune rune) =>
        rune.Value is 0 or 0xFFFD
        || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
}
