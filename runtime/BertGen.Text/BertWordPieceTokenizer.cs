using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using BertGen.Text.Normalization;
using Microsoft.ML.Tokenizers;

namespace BertGen.Text;

/// <summary>
/// BERT uncased tokenisation: basic tokenisation (<see cref="BertBasicTokenizer"/>: clean control
/// characters, split CJK ideographs, split on whitespace and punctuation, lowercase, strip accents) then
/// greedy longest-match WordPiece with <c>##</c> continuations, done by Microsoft.ML.Tokenizers'
/// <see cref="WordPieceTokenizer"/>. This type adds the BERT input layout (<c>[CLS]</c>/<c>[SEP]</c>,
/// segment ids, truncation that reports itself) and id → token decoding. A tokenizer read from HuggingFace's files
/// also finds its <see cref="AddedTokens"/> (<c>[SEP]</c>, <c>[MASK]</c>, …) in a text before anything else, as
/// HuggingFace's fast tokenizers do; Google's (<see cref="Create(BertVocabulary)"/>, a vocabulary file) has none and reads
/// <c>"[SEP]"</c> in a text as the ordinary characters <c>[ sep ]</c>.
/// </summary>
public sealed class BertWordPieceTokenizer
{
    /// <summary>Google's BERT treats a word longer than this as <c>[UNK]</c>.</summary>
    public const int MaxInputCharsPerWord = 200;

    private readonly WordPieceTokenizer _wordPiece;
    private readonly AddedVocabulary? _added;

    private BertWordPieceTokenizer(BertVocabulary vocabulary, BertNormalization normalization, int maxInputCharsPerWord, IReadOnlyList<AddedToken> addedTokens)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        if (maxInputCharsPerWord < 1)
        {
            throw new TextDataException($"The longest word WordPiece splits must be at least 1 character, not {maxInputCharsPerWord}.");
        }

        Vocabulary = vocabulary;
        Normalization = normalization;
        AddedTokens = [.. addedTokens];
        _added = AddedTokens.Count == 0 ? null : new AddedVocabulary(AddedTokens, vocabulary, normalization);
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(vocabulary.NormalizedText));

        // The basic tokenisation is ours (see BertBasicTokenizer for why), so the library only splits the
        // space-separated words it is given and applies WordPiece: no normaliser, whitespace pre-tokeniser.
        // Without added tokens, corpus text that happens to contain "[MASK]" stays ordinary text (it was split at
        // the brackets), as in Google's tokenizer: BertGen's pretraining data is Google's, whose masking puts the real
        // [MASK] id in itself, and a "[MASK]" written in a sentence is a sentence's characters.
        _wordPiece = WordPieceTokenizer.Create(stream, new WordPieceOptions
        {
            PreTokenizer = PreTokenizer.CreateWhiteSpace(),
            Normalizer = null,
            UnknownToken = BertVocabulary.UnknownToken,
            ContinuingSubwordPrefix = BertVocabulary.ContinuationPrefix,
            MaxInputCharsPerWord = maxInputCharsPerWord,
        });
    }

    public BertVocabulary Vocabulary { get; }

    public BertNormalization Normalization { get; }

    /// <summary>
    /// The tokens found in a text before it is normalised and split (HuggingFace's <c>added_tokens</c>); empty for Google's
    /// tokenisation.
    /// </summary>
    public IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>Google's uncased BERT tokenisation over <paramref name="vocabulary"/>.</summary>
    public static BertWordPieceTokenizer Create(BertVocabulary vocabulary) => new(vocabulary, BertNormalization.Uncased, MaxInputCharsPerWord, []);

    /// <summary>
    /// BERT tokenisation with other normaliser flags and word limit (HuggingFace's tokenizers split words of up to
    /// 100 characters, Google's up to 200).
    /// </summary>
    public static BertWordPieceTokenizer Create(BertVocabulary vocabulary, BertNormalization normalization, int maxInputCharsPerWord) =>
        new(vocabulary, normalization ?? throw new ArgumentNullException(nameof(normalization)), maxInputCharsPerWord, []);

    /// <summary>
    /// BERT tokenisation that first finds <paramref name="addedTokens"/> in a text, as HuggingFace's fast tokenizers do
    /// (<see cref="AddedToken.BertSpecialTokens"/> for a BERT model's); each must be a vocabulary entry.
    /// </summary>
    public static BertWordPieceTokenizer Create(BertVocabulary vocabulary, BertNormalization normalization, int maxInputCharsPerWord, IReadOnlyList<AddedToken> addedTokens) =>
        new(vocabulary, normalization ?? throw new ArgumentNullException(nameof(normalization)), maxInputCharsPerWord,
            addedTokens ?? throw new ArgumentNullException(nameof(addedTokens)));

    public static BertWordPieceTokenizer FromVocabularyFile(string path) => Create(BertVocabulary.Load(path));

    /// <summary>The uncased BERT tokenizer with the built-in vocabulary (<see cref="BertVocabulary.BertBaseUncased"/>).</summary>
    public static BertWordPieceTokenizer BertBaseUncased() => Create(BertVocabulary.BertBaseUncased);

    /// <summary>
    /// WordPiece ids of a text, without the <c>[CLS]</c>/<c>[SEP]</c> around it and without any length limit (an added
    /// token written in the text is its id, one piece like any other).
    /// </summary>
    public int[] Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_added is null)
        {
            return TokenizeOrdinary(text);
        }

        var ids = new List<int>();
        foreach (TextSegment segment in _added.Split(text))
        {
            if (segment.Id is int id)
            {
                ids.Add(id);
            }
            else
            {
                ids.AddRange(TokenizeOrdinary(text[segment.Start..segment.End]));
            }
        }

        return [.. ids];
    }

    // Basic tokenisation then WordPiece, for text with no added token in it.
    private int[] TokenizeOrdinary(string text)
    {
        string words = BertBasicTokenizer.ToSpaceSeparatedWords(text, Normalization);
        IReadOnlyList<int> ids = _wordPiece.EncodeToIds(words, considerPreTokenization: true, considerNormalization: false);
        var result = new int[ids.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = ids[i];
        }

        return result;
    }

    /// <summary>
    /// <see cref="Tokenize"/>'s WordPieces with the UTF-8 byte span of the text each came from (<see cref="TokenOffsets"/>:
    /// <c>[UNK]</c> spans the word it stands for; null only for a piece that cannot be placed). An added token spans its
    /// match, the whitespace its <c>lstrip</c>/<c>rstrip</c> took in included, as in HuggingFace's offsets.
    /// </summary>
    public TokenSpan[] TokenizeWithOffsets(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_added is null)
        {
            return TokenOffsets.Align(text, TokenizeOrdinary(text), Vocabulary, Normalization);
        }

        // The segments tile the text: each one's UTF-8 offset is the bytes of those before it.
        var spans = new List<TokenSpan>();
        int offset = 0;
        foreach (TextSegment segment in _added.Split(text))
        {
            string piece = text[segment.Start..segment.End];
            int bytes = Encoding.UTF8.GetByteCount(piece);
            if (segment.Id is int id)
            {
                spans.Add(new TokenSpan(id, offset, offset + bytes));
            }
            else
            {
                foreach (TokenSpan span in TokenOffsets.Align(piece, TokenizeOrdinary(piece), Vocabulary, Normalization))
                {
                    spans.Add(span.Start is int start && span.End is int end ? span with { Start = offset + start, End = offset + end } : span);
                }
            }

            offset += bytes;
        }

        return [.. spans];
    }

    /// <summary><c>[CLS] text [SEP]</c>, keeping the first <paramref name="maxLength"/> − 2 WordPieces of the text.</summary>
    public EncodedInput Encode(string text, int maxLength) => Encode(text, maxLength, TruncationSide.Right);

    /// <summary>
    /// <c>[CLS] text [SEP]</c>, keeping <paramref name="maxLength"/> − 2 WordPieces of the text: its first ones, or with
    /// <see cref="TruncationSide.Left"/> its last ones.
    /// </summary>
    public EncodedInput Encode(string text, int maxLength, TruncationSide side)
    {
        RequireMaxLength(maxLength, 3);
        int[] a = Tokenize(text);
        int keepA = Math.Min(a.Length, maxLength - 2);
        return Assemble(Kept(a, keepA, side), ReadOnlySpan<int>.Empty, isPair: false, truncated: keepA < a.Length);
    }

    /// <summary>
    /// <c>[CLS] a [SEP] b [SEP]</c>. When too long, one token at a time is dropped from the end of the longer
    /// side (B on ties), as Google's <c>run_classifier._truncate_seq_pair</c> and HuggingFace's
    /// <c>longest_first</c> do.
    /// </summary>
    public EncodedInput EncodePair(string a, string b, int maxLength) => EncodePair(a, b, maxLength, TruncationSide.Right);

    /// <summary>
    /// <c>[CLS] a [SEP] b [SEP]</c>, shortened as <see cref="EncodePair(string, string, int)"/> does, the tokens dropped
    /// from each text's end, or with <see cref="TruncationSide.Left"/> from its start (HuggingFace's <c>longest_first</c>
    /// with <c>truncation_side="left"</c>).
    /// </summary>
    public EncodedInput EncodePair(string a, string b, int maxLength, TruncationSide side)
    {
        // Named here: Tokenize would name either text 'text'.
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        RequireMaxLength(maxLength, 5);
        int[] idsA = Tokenize(a);
        int[] idsB = Tokenize(b);
        int keepA = idsA.Length;
        int keepB = idsB.Length;
        while (keepA + keepB > maxLength - 3)
        {
            if (keepA > keepB)
            {
                keepA--;
            }
            else
            {
                keepB--;
            }
        }

        bool truncated = keepA < idsA.Length || keepB < idsB.Length;
        return Assemble(Kept(idsA, keepA, side), Kept(idsB, keepB, side), isPair: true, truncated);
    }

    private static ReadOnlySpan<int> Kept(int[] pieces, int keep, TruncationSide side) => side switch
    {
        TruncationSide.Right => pieces.AsSpan(0, keep),
        TruncationSide.Left => pieces.AsSpan(pieces.Length - keep, keep),
        _ => throw new ArgumentOutOfRangeException(nameof(side), side, "a truncation side is Right or Left"),
    };

    /// <summary>The vocabulary token of each id (special tokens and <c>##</c> prefixes included).</summary>
    public string[] Decode(ReadOnlySpan<int> ids)
    {
        var tokens = new string[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            tokens[i] = Vocabulary.TokenOf(ids[i]);
        }

        return tokens;
    }

    private EncodedInput Assemble(ReadOnlySpan<int> a, ReadOnlySpan<int> b, bool isPair, bool truncated)
    {
        int length = a.Length + 2 + (isPair ? b.Length + 1 : 0);
        var ids = new int[length];
        var segments = new int[length];
        int at = 0;
        ids[at++] = Vocabulary.ClassificationId;
        a.CopyTo(ids.AsSpan(at));
        at += a.Length;
        ids[at++] = Vocabulary.SeparatorId;
        if (isPair)
        {
            b.CopyTo(ids.AsSpan(at));
            segments.AsSpan(at).Fill(1);
            at += b.Length;
            ids[at] = Vocabulary.SeparatorId;
        }

        return new EncodedInput(ids, segments, truncated);
    }

    private static void RequireMaxLength(int maxLength, int minimum)
    {
        if (maxLength < minimum)
        {
            throw new TextDataException($"Maximum sequence length {maxLength} is too small: at least {minimum} is needed for the special tokens and one WordPiece per text.");
        }
    }
}
