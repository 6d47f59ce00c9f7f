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
        new(lowercase, stripAccents ?? lowercase, handleChineseCharacters, cleanText) { FastTokenizerIdeographs = true };

    /// <summary>
    /// Which CJK ideographs <see cref="HandleChineseCharacters"/> spaces out. HuggingFace's fast tokenizers (the Rust
    /// <c>tokenizers</c> library's <c>BertNormalizer</c>, which sentence-transformers and TEI run, <c>vocab.txt</c> folders
    /// included) start Extension E's range at U+2B920, where Google's BERT and transformers' Python
    /// <c>BasicTokenizer</c> start it at U+2B820: U+2B820–U+2B91F stay inside words there. True for every normalisation
    /// read from HuggingFace (<see cref="FromHuggingFace"/>); BertGen's own Google tokenisation keeps Google's range.
    /// </summary>
    internal bool FastTokenizerIdeographs { get; init; }
}
