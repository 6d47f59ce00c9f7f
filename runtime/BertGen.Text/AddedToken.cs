using System;
using System.Collections.Generic;

namespace BertGen.Text;

/// <summary>
/// A token HuggingFace's fast tokenizers find in a text before normalising and splitting it: one of a
/// <c>tokenizer.json</c>'s <c>added_tokens</c> (for BERT <c>[PAD] [UNK] [CLS] [SEP] [MASK]</c>). So
/// <c>"hello [SEP] world"</c> holds the real separator there, not the pieces <c>[ sep ]</c>; sentence-transformers
/// and TEI read texts this way. The flags are HuggingFace's <c>AddedToken</c>'s (tokenizers'
/// <c>added_vocabulary.rs</c>). Its id is the vocabulary's id of <see cref="Content"/>.
/// </summary>
/// <param name="Content">The text matched, exactly (case included) unless <paramref name="Normalized"/>.</param>
/// <param name="Special">A special token (HuggingFace skips it when decoding); matched in a text all the same.</param>
/// <param name="SingleWord">Matched only where no word character (regex <c>\w</c>) touches it on either side.</param>
/// <param name="LeftStrip">Its match takes in the whitespace before it.</param>
/// <param name="RightStrip">Its match takes in the whitespace after it.</param>
/// <param name="Normalized">
/// Matched in the normalised text (lowercased, accents stripped, … as the tokenizer normalises), its content normalised
/// the same way; otherwise matched in the raw text as written.
/// </param>
public sealed record AddedToken(string Content, bool Special, bool SingleWord = false, bool LeftStrip = false, bool RightStrip = false, bool Normalized = false)
{
    private readonly string _content = NotEmpty(Content);

    /// <summary>The text matched; never empty (HuggingFace skips an empty one).</summary>
    public string Content { get => _content; init => _content = NotEmpty(value); }

    /// <summary>
    /// BERT's five special tokens as transformers' <c>BertTokenizerFast</c> adds them (and as the <c>tokenizer.json</c> of
    /// bert-base-uncased and all-MiniLM-L6-v2 lists them): special, matched in the raw text as written, nothing stripped.
    /// </summary>
    public static IReadOnlyList<AddedToken> BertSpecialTokens { get; } =
    [
        new(BertVocabulary.PadToken, Special: true),
        new(BertVocabulary.UnknownToken, Special: true),
        new(BertVocabulary.ClassificationToken, Special: true),
        new(BertVocabulary.SeparatorToken, Special: true),
        new(BertVocabulary.MaskToken, Special: true),
    ];

    private static string NotEmpty(string content)
    {
        ArgumentException.ThrowIfNullOrEmpty(content, nameof(Content));
        return content;
    }
}
