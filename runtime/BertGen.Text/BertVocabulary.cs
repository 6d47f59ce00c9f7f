using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace BertGen.Text;

/// <summary>
/// A WordPiece vocabulary: one token per line, the line number (from 0) is the id. Knows the ids of the
/// special tokens and which ids are <c>##</c> continuation pieces (whole-word masking groups them).
/// </summary>
public sealed class BertVocabulary
{
    public const string PadToken = "[PAD]";
    public const string UnknownToken = "[UNK]";
    public const string ClassificationToken = "[CLS]";
    public const string SeparatorToken = "[SEP]";
    public const string MaskToken = "[MASK]";
    public const string ContinuationPrefix = "##";

    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _ids;
    private readonly bool[] _isContinuation;

    private BertVocabulary(string[] tokens, Dictionary<string, int> ids, string source)
    {
        _tokens = tokens;
        _ids = ids;
        _isContinuation = new bool[tokens.Length];
        for (int i = 0; i < tokens.Length; i++)
        {
            _isContinuation[i] = tokens[i].Length > ContinuationPrefix.Length
                && tokens[i].StartsWith(ContinuationPrefix, StringComparison.Ordinal);
        }

        PadId = RequireSpecial(PadToken, source);
        UnknownId = RequireSpecial(UnknownToken, source);
        ClassificationId = RequireSpecial(ClassificationToken, source);
        SeparatorId = RequireSpecial(SeparatorToken, source);
        MaskId = RequireSpecial(MaskToken, source);
    }

    public int Count => _tokens.Length;
    public int PadId { get; }
    public int UnknownId { get; }
    public int ClassificationId { get; }
    public int SeparatorId { get; }
    public int MaskId { get; }

    /// <summary>The vocabulary file's text with LF line endings, as handed to the tokenizer library.</summary>
    internal string NormalizedText { get; private init; } = "";

    /// <summary>The manifest resource this assembly carries the bert-base-uncased vocabulary in.</summary>
    private const string BertBaseUncasedResource = "BertGen.Text.bert-base-uncased-vocab.txt";

    private static readonly Lazy<BertVocabulary> BertBaseUncasedVocabulary = new(() =>
    {
        using Stream stream = typeof(BertVocabulary).Assembly.GetManifestResourceStream(BertBaseUncasedResource)
            ?? throw new TextDataException($"The {BertBaseUncasedResource} resource is missing from {typeof(BertVocabulary).Assembly.GetName().Name}.");
        return Load(stream, "bert-base-uncased (built in)");
    });

    /// <summary>
    /// Google's uncased BERT vocabulary (30,522 word pieces, <c>[CLS]</c> = 101), built into this assembly: the
    /// vocabulary of bert-base-uncased, of all-MiniLM-L6-v2 and of the shipped specs, so a model with
    /// <c>vocab_size</c> 30522 needs no vocabulary file.
    /// </summary>
    public static BertVocabulary BertBaseUncased => BertBaseUncasedVocabulary.Value;

    public static BertVocabulary Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new TextDataException($"Vocabulary file '{path}' does not exist.");
        }

        return Parse(File.ReadAllText(path, Encoding.UTF8), path);
    }

    public static BertVocabulary Load(Stream stream, string sourceName)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        return Parse(reader.ReadToEnd(), sourceName);
    }

    /// <summary>Parses vocabulary text; CRLF and LF line endings are both accepted, one final newline is optional.</summary>
    public static BertVocabulary Parse(string text, string sourceName)
    {
        string normalized = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        string[] lines = normalized.Split('\n');
        int count = lines.Length > 0 && lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        if (count == 0)
        {
            throw new TextDataException($"Vocabulary '{sourceName}' is empty.");
        }

        return FromTokens(lines.AsSpan(0, count).ToArray(), sourceName, "line", 1);
    }

    /// <summary>
    /// A vocabulary from its tokens in id order (as a <c>tokenizer.json</c>'s <c>model.vocab</c> lists them); the
    /// same checks as a vocabulary file, with errors naming the id.
    /// </summary>
    public static BertVocabulary FromTokens(IReadOnlyList<string> tokens, string sourceName) => FromTokens(tokens, sourceName, "id", 0);

    private static BertVocabulary FromTokens(IReadOnlyList<string> entries, string sourceName, string position, int firstPosition)
    {
        if (entries.Count == 0)
        {
            throw new TextDataException($"Vocabulary '{sourceName}' is empty.");
        }

        var tokens = new string[entries.Count];
        var ids = new Dictionary<string, int>(entries.Count, StringComparer.Ordinal);
        for (int i = 0; i < tokens.Length; i++)
        {
            string token = entries[i];
            if (token.Length == 0 || token.Trim().Length != token.Length || token.Contains('\n', StringComparison.Ordinal))
            {
                throw new TextDataException($"Vocabulary '{sourceName}' {position} {i + firstPosition} is empty or has surrounding whitespace.");
            }

            if (!ids.TryAdd(token, i))
            {
                throw new TextDataException($"Vocabulary '{sourceName}' {position} {i + firstPosition} repeats the token '{token}' of {position} {ids[token] + firstPosition}.");
            }

            tokens[i] = token;
        }

        return new BertVocabulary(tokens, ids, sourceName) { NormalizedText = string.Join('\n', tokens) + "\n" };
    }

    public string TokenOf(int id)
    {
        if ((uint)id >= (uint)_tokens.Length)
        {
            throw new TextDataException($"Token id {id} is outside the vocabulary of {_tokens.Length} entries.");
        }

        return _tokens[id];
    }

    public bool TryGetId(string token, out int id) => _ids.TryGetValue(token, out id);

    /// <summary>True for <c>##</c> pieces that continue the word before them.</summary>
    public bool IsContinuation(int id) => _isContinuation[id];

    private int RequireSpecial(string token, string source)
    {
        if (!_ids.TryGetValue(token, out int id))
        {
            throw new TextDataException($"Vocabulary '{source}' has no {token} token.");
        }

        return id;
    }
}
