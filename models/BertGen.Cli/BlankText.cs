namespace BertGen.Cli;

/// <summary>
/// A text with nothing in it for the model: empty, or only whitespace (which the tokenizer drops). Run anyway it gives
/// the answer for <c>[CLS] [SEP]</c>, which means nothing, so the CLI's arguments, the server's inputs and the lines of
/// an input file (skipped there) are all judged by this one test, and refused in one wording.
/// </summary>
internal static class BlankText
{
    /// <summary><c>empty</c> or <c>only whitespace</c> for a blank <paramref name="text"/>, else null.</summary>
    public static string? Describe(string text) =>
        text.Length == 0 ? "empty" : string.IsNullOrWhiteSpace(text) ? "only whitespace" : null;
}
