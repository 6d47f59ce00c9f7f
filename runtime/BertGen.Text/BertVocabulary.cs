using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using BertGen.Runtime;

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
        ArgumentNullException.ThrowIfNull(path);
        if (InputFiles.Problem(path, "vocabulary") is string problem)
        {
            throw new TextDataException(problem);
        }

        return Parse(Decode(File.ReadAllBytes(path), path), path);
    }

    public static BertVocabulary Load(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        return Parse(Decode(bytes.ToArray(), sourceName), sourceName);
    }

    /// <summary>
    /// Parses vocabulary text: one token per line, the line number (from 0) is the id; one final line break is
    /// optional. A line ends at LF, CRLF or a lone CR, exactly where the WordPiece library and Python's universal
    /// newlines end it: a vocabulary split any other way would give the tokenizer different ids from the ones this
    /// type reports (a lone CR inside a line once shifted every later id by one while the size check still passed).
    /// </summary>
    public static BertVocabulary Parse(string text, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] lines = text.Split(LineBreaks, StringSplitOptions.None);
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
    public static BertVocabulary FromTokens(IReadOnlyList<string> tokens, string sourceName) =>
        FromTokens(tokens ?? throw new ArgumentNullException(nameof(tokens)), sourceName, "id", 0);

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
            if (string.IsNullOrEmpty(token) || token.Trim().Length != token.Length)
            {
                throw new TextDataException($"Vocabulary '{sourceName}' {position} {i + firstPosition} is empty or has surrounding whitespace.");
            }

            // The tokenizer library reads its vocabulary as lines (LF, CRLF or a lone CR end one): a token holding
            // either would become two there and shift every later id (tokenizer.json tokens can hold any character).
            if (token.AsSpan().IndexOfAny('\n', '\r') >= 0)
            {
                throw new TextDataException($"Vocabulary '{sourceName}' {position} {i + firstPosition} holds a line break inside the token {MessageText.Quote(token)}.");
            }

            if (!ids.TryAdd(token, i))
            {
                throw new TextDataException($"Vocabulary '{sourceName}' {position} {i + firstPosition} repeats the token {MessageText.Quote(token)} of {position} {ids[token] + firstPosition}.");
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

    // Longest first, so CRLF is one break and not two.
    private static readonly string[] LineBreaks = ["\r\n", "\n", "\r"];

    /// <summary>Strict UTF-8 (a leading byte-order mark dropped): an invalid byte is an error naming its line, never a U+FFFD token.</summary>
    private static string Decode(byte[] bytes, string sourceName)
    {
        ReadOnlySpan<byte> content = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? bytes.AsSpan(3) : bytes;
        int at = InvalidUtf8.FirstBadByte(content);
        if (at < 0)
        {
            return Encoding.UTF8.GetString(content);
        }

        ReadOnlySpan<byte> before = content[..at];
        int line = 1 + before.Count((byte)'\n') + before.Count((byte)'\r') - before.Count("\r\n"u8);
        throw new TextDataException($"Vocabulary '{sourceName}' line {line}: invalid UTF-8 (byte 0x{content[at]:X2} at offset {at})");
    }

    private int RequireSpecial(string token, string source)
    {
        if (!_ids.TryGetValue(token, out int id))
        {
            throw new TextDataException($"Vocabulary '{source}' has no {token} token.");
        }

        return id;
    }
}
