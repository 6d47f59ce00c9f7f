namespace BertGen.Text;

/// <summary>
/// What BERT's basic tokenisation does to a text before WordPiece: HuggingFace's <c>BertNormalizer</c> flags, as
/// <c>tokenizer.json</c> spells them (Google's uncased BERT does all four; a cased model neither lowercases nor strips
/// accents).
/// </summary>
/// <param name="Lowercase">Lowercase each word (Python's <c>str.lower()</c>).</param>
/// <param name="StripAccents">Drop combining marks after canonical decomposition.</param>
/// <param name="HandleChineseCharacters">Put spaces around CJK ideographs, so each is its own word.</param>
/// <param name="CleanText">Drop NUL, U+FFFD and control characters, and turn every whitespace character into a space.</param>
public sealed record BertNormalization(bool Lowercase, bool StripAccents, bool HandleChineseCharacters, bool CleanText)
{
    /// <summary>bert-base-uncased and all-MiniLM-L6-v2: all four.</summary>
    public static BertNormalization Uncased { get; } = new(true, true, true, true);

    /// <summary>
    /// From HuggingFace's flags: <c>strip_accents</c> null (the usual value) follows <c>lowercase</c>, as in
    /// <c>BertNormalizer</c> and <c>BasicTokenizer</c>.
    /// </summary>
    public static BertNormalization FromHuggingFace(bool lowercase, bool? stripAccents, bool handleChineseCharacters, bool cleanText) =>
        new(lowercase, stripAccents ?? lowercase, handleChineseCharacters, cleanText);
}
