using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;
using BertGen.Runtime;

namespace BertGen.Text;

/// <summary>
/// A HuggingFace <c>tokenizer.json</c> of a BERT model (the "fast" tokenizer sentence-transformers and TEI use):
/// its WordPiece vocabulary, normaliser flags, word limit and <c>added_tokens</c> (found in a text before anything else,
/// with their flags: <see cref="AddedToken"/>), turned into a <see cref="BertWordPieceTokenizer"/>.
/// Only what BERT's pipeline can be is accepted — a <c>WordPiece</c> model with <c>##</c> continuations, a
/// <c>BertNormalizer</c> (or none) and a <c>BertPreTokenizer</c> — anything else is an error naming the field.
/// </summary>
public static class HuggingFaceTokenizerFile
{
    /// <summary>HuggingFace's <c>WordPiece</c> default for <c>max_input_chars_per_word</c>.</summary>
    public const int DefaultMaxInputCharsPerWord = 100;

    public static BertWordPieceTokenizer Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (InputFiles.Problem(path, "tokenizer") is string problem)
        {
            throw new TextDataException(problem);
        }

        // JsonDocument checks UTF-8 only when a string is read: a bad byte in a token was an InvalidOperationException.
        byte[] bytes = File.ReadAllBytes(path);
        if (InvalidUtf8.FirstBadByte(bytes) is int at and >= 0)
        {
            throw new TextDataException(string.Create(CultureInfo.InvariantCulture, $"Tokenizer file '{path}' is not valid UTF-8 (byte 0x{bytes[at]:X2} at offset {at})."));
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw new TextDataException($"Tokenizer file '{path}' is not valid JSON{JsonErrorText.Where(e)}: {JsonErrorText.Reason(e)}");
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            JsonElement model = Property(root, "model", path) is { ValueKind: JsonValueKind.Object } m
                ? m
                : throw new TextDataException($"Tokenizer file '{path}' has no \"model\" object.");
            string type = StringOr(model, "type", "", path);
            if (type != "WordPiece")
            {
                throw new TextDataException($"Tokenizer file '{path}' has a {(type.Length == 0 ? "model without a type" : $"\"{type}\" model")}; BertGen reads BERT's WordPiece tokenizers only.");
            }

            Require(StringOr(model, "continuing_subword_prefix", BertVocabulary.ContinuationPrefix, path) == BertVocabulary.ContinuationPrefix,
                path, $"model.continuing_subword_prefix must be \"{BertVocabulary.ContinuationPrefix}\"");
            Require(StringOr(model, "unk_token", BertVocabulary.UnknownToken, path) == BertVocabulary.UnknownToken,
                path, $"model.unk_token must be \"{BertVocabulary.UnknownToken}\"");
            // Given, it must be a word limit WordPiece can apply: 0 turned every word into [UNK], "100" was read as the default.
            int maxChars = DefaultMaxInputCharsPerWord;
            if (Property(model, "max_input_chars_per_word", path) is JsonElement limit)
            {
                Require(limit.ValueKind == JsonValueKind.Number && limit.TryGetInt32(out maxChars) && maxChars >= 1,
                    path, $"model.max_input_chars_per_word must be a whole number of characters, at least 1, not {limit.GetRawText()}");
            }

            string? preTokenizer = ObjectOrNull(root, "pre_tokenizer", path) is JsonElement pre ? StringOr(pre, "type", "", path) : null;
            Require(preTokenizer is null or "BertPreTokenizer", path, $"pre_tokenizer \"{preTokenizer}\" is not BERT's (BertPreTokenizer)");

            // The pipeline's shape first: a wrong normaliser says more than what its vocabulary lacks.
            BertNormalization normalization = Normalization(root, path);
            BertVocabulary vocabulary = BertVocabulary.FromTokens(Vocabulary(model, path), path);
            RequireBertPostProcessor(root, vocabulary, path);
            return BertWordPieceTokenizer.Create(vocabulary, normalization, maxChars, AddedTokens(root, vocabulary, path));
        }
    }

    private static BertNormalization Normalization(JsonElement root, string path)
    {
        if (ObjectOrNull(root, "normalizer", path) is not JsonElement normalizer)
        {
            // No normaliser: the text reaches the pre-tokeniser as it is.
            return new BertNormalization(Lowercase: false, StripAccents: false, HandleChineseCharacters: false, CleanText: false);
        }

        string type = StringOr(normalizer, "type", "", path);
        Require(type == "BertNormalizer", path, $"normalizer \"{type}\" is not BERT's (BertNormalizer)");
        bool? stripAccents = Property(normalizer, "strip_accents", path) switch
        {
            null => null,
            { ValueKind: JsonValueKind.True or JsonValueKind.False } strip => strip.GetBoolean(),
            _ => throw new TextDataException($"Tokenizer file '{path}': normalizer.strip_accents must be true, false or null."),
        };
        return BertNormalization.FromHuggingFace(
            Flag(normalizer, "lowercase", path),
            stripAccents,
            Flag(normalizer, "handle_chinese_chars", path),
            Flag(normalizer, "clean_text", path));
    }

    /// <summary>
    /// <c>post_processor</c>: what frames every encoded text, which BertGen always frames as BERT does,
    /// <c>[CLS] A [SEP]</c> and <c>[CLS] A [SEP] B [SEP]</c> with B's segment 1. HuggingFace's tokenizers (TEI, and
    /// transformers 4) add what the file says: none for a null one, another token or segment for another template, so such
    /// a file was embedded with BERT's framing, without a word. BertProcessing and TemplateProcessing are read; they must
    /// give exactly BERT's framing, with the vocabulary's ids.
    /// </summary>
    private static void RequireBertPostProcessor(JsonElement root, BertVocabulary vocabulary, string path)
    {
        const string SingleTemplate = "[CLS]:0 $A:0 [SEP]:0", PairTemplate = "[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1";
        string bert = string.Create(CultureInfo.InvariantCulture,
            $"BERT's ({BertVocabulary.ClassificationToken} {vocabulary.ClassificationId} and {BertVocabulary.SeparatorToken} {vocabulary.SeparatorId} around each text, the second text's segment 1)");
        if (ObjectOrNull(root, "post_processor", path) is not JsonElement processor)
        {
            throw new TextDataException($"Tokenizer file '{path}' has no post_processor, so HuggingFace adds no [CLS] or [SEP] to a text; BertGen frames every text as BERT does.");
        }

        string type = StringOr(processor, "type", "", path);
        bool isBert = type switch
        {
            "BertProcessing" => Tokens(processor, "cls", path) == (BertVocabulary.ClassificationToken, vocabulary.ClassificationId)
                && Tokens(processor, "sep", path) == (BertVocabulary.SeparatorToken, vocabulary.SeparatorId),
            "TemplateProcessing" => Template(processor, "single", path) == SingleTemplate && Template(processor, "pair", path) == PairTemplate
                && SpecialIds(processor, BertVocabulary.ClassificationToken, path) == vocabulary.ClassificationId
                && SpecialIds(processor, BertVocabulary.SeparatorToken, path) == vocabulary.SeparatorId,
            _ => false,
        };
        Require(isBert, path, $"post_processor {(type.Length == 0 ? "without a type" : MessageText.Quote(type))} does not frame texts as {bert}");

        // BertProcessing's ["[CLS]", 101].
        static (string?, int?) Tokens(JsonElement processor, string name, string path) =>
            Property(processor, name, path) is { ValueKind: JsonValueKind.Array } pair && pair.GetArrayLength() == 2
                && pair[0].ValueKind == JsonValueKind.String && pair[1].ValueKind == JsonValueKind.Number && pair[1].TryGetInt32(out int id)
                ? (pair[0].GetString(), id)
                : (null, null);

        // TemplateProcessing's pieces as its own notation writes them ("[CLS]:0 $A:0 [SEP]:0"); null when not pieces.
        static string? Template(JsonElement processor, string name, string path)
        {
            if (Property(processor, name, path) is not { ValueKind: JsonValueKind.Array } pieces)
            {
                return null;
            }

            var written = new List<string>();
            foreach (JsonElement piece in pieces.EnumerateArray())
            {
                JsonElement? special = Property(piece, "SpecialToken", path), sequence = Property(piece, "Sequence", path);
                JsonElement? body = special ?? sequence;
                if (body is not JsonElement b || Property(b, "id", path) is not { ValueKind: JsonValueKind.String } id
                    || Property(b, "type_id", path) is not { ValueKind: JsonValueKind.Number } typeId || !typeId.TryGetInt32(out int segment))
                {
                    return null;
                }

                written.Add(string.Create(CultureInfo.InvariantCulture, $"{(special is null ? "$" : "")}{id.GetString()}:{segment}"));
            }

            return string.Join(' ', written);
        }

        // The one id special_tokens gives a template's token; null when it gives none or several.
        static int? SpecialIds(JsonElement processor, string token, string path) =>
            Property(processor, "special_tokens", path) is { ValueKind: JsonValueKind.Object } tokens
                && Property(tokens, token, path) is JsonElement entry && Property(entry, "ids", path) is { ValueKind: JsonValueKind.Array } ids
                && ids.GetArrayLength() == 1 && ids[0].ValueKind == JsonValueKind.Number && ids[0].TryGetInt32(out int id)
                ? id
                : null;
    }

    /// <summary>
    /// <c>added_tokens</c>: each needs its content and its five flags, as HuggingFace's reader does (an empty content is
    /// skipped there too). Its id is the vocabulary's for its content, as HuggingFace gives it; a token outside the
    /// vocabulary is refused (BertGen's models have no embedding for it).
    /// </summary>
    private static List<AddedToken> AddedTokens(JsonElement root, BertVocabulary vocabulary, string path)
    {
        var tokens = new List<AddedToken>();
        if (Property(root, "added_tokens", path) is not JsonElement list)
        {
            return tokens;
        }

        Require(list.ValueKind == JsonValueKind.Array, path, "\"added_tokens\" must be an array");
        int index = 0;
        foreach (JsonElement entry in list.EnumerateArray())
        {
            string where = $"added_tokens[{index++}]";
            Require(entry.ValueKind == JsonValueKind.Object, path, $"{where} must be an object");
            string content = Property(entry, "content", path) is { ValueKind: JsonValueKind.String } c
                ? c.GetString()!
                : throw new TextDataException($"Tokenizer file '{path}': {where} has no \"content\" string.");
            bool single = AddedFlag(entry, "single_word", where, path), lstrip = AddedFlag(entry, "lstrip", where, path),
                rstrip = AddedFlag(entry, "rstrip", where, path), normalized = AddedFlag(entry, "normalized", where, path),
                special = AddedFlag(entry, "special", where, path);
            if (content.Length == 0)
            {
                continue;
            }

            Require(vocabulary.TryGetId(content, out _), path,
                $"{where} {MessageText.Quote(content)} is not in model.vocab (BertGen reads only added tokens that are vocabulary entries)");
            tokens.Add(new AddedToken(content, special, single, lstrip, rstrip, normalized));
        }

        return tokens;
    }

    private static bool AddedFlag(JsonElement entry, string name, string where, string path) => Property(entry, name, path) switch
    {
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw new TextDataException($"Tokenizer file '{path}': {where}.{name} must be true or false."),
    };

    /// <summary><c>model.vocab</c> (token → id) as tokens in id order; the ids must be exactly 0 … n − 1.</summary>
    private static string[] Vocabulary(JsonElement model, string path)
    {
        if (Property(model, "vocab", path) is not { ValueKind: JsonValueKind.Object } vocab)
        {
            throw new TextDataException($"Tokenizer file '{path}' has no model.vocab object.");
        }

        var byId = new List<(int Id, string Token)>();
        foreach (JsonProperty entry in vocab.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
            {
                throw new TextDataException($"Tokenizer file '{path}': model.vocab gives the token '{entry.Name}' the id {entry.Value.GetRawText()}, not a non-negative integer.");
            }

            byId.Add((id, entry.Name));
        }

        byId.Sort((a, b) => a.Id != b.Id ? a.Id.CompareTo(b.Id) : string.CompareOrdinal(a.Token, b.Token));
        var tokens = new string[byId.Count];
        for (int i = 0; i < tokens.Length; i++)
        {
            // Before the gap it leaves: an id given twice named the next id as missing (id 8 when 7 was given twice).
            if (i > 0 && byId[i].Id == byId[i - 1].Id)
            {
                throw new TextDataException(
                    $"Tokenizer file '{path}': model.vocab gives the id {byId[i].Id} to both {MessageText.Quote(byId[i - 1].Token)} and {MessageText.Quote(byId[i].Token)}; every token needs an id of its own.");
            }

            if (byId[i].Id != i)
            {
                throw new TextDataException($"Tokenizer file '{path}': model.vocab has no token with id {i} (ids must run from 0 to {tokens.Length - 1}).");
            }

            tokens[i] = byId[i].Token;
        }

        return tokens;
    }

    private static JsonElement? Property(JsonElement element, string name, string path) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value : null;

    // A step of the pipeline is an object, or null for none: anything else ("normalizer": "bert") was read as no step at all,
    // so an uncased model's text went unlowercased, without a word.
    private static JsonElement? ObjectOrNull(JsonElement element, string name, string path) => Property(element, name, path) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Object } value => value,
        _ => throw new TextDataException($"Tokenizer file '{path}': \"{name}\" must be an object or null."),
    };

    private static string StringOr(JsonElement element, string name, string fallback, string path) => Property(element, name, path) switch
    {
        null => fallback,
        { ValueKind: JsonValueKind.String } value => value.GetString()!,
        _ => throw new TextDataException($"Tokenizer file '{path}': \"{name}\" must be a string."),
    };

    // A BertNormalizer flag. HuggingFace's tokenizers (its BertNormalizer has no serde defaults) refuse a file that leaves
    // one out or sets it to null, so BertGen does too rather than read it as true, as it did.
    private static bool Flag(JsonElement element, string name, string path) => Property(element, name, path) switch
    {
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw new TextDataException($"Tokenizer file '{path}': normalizer.{name} must be true or false."),
    };

    private static void Require(bool condition, string path, string what)
    {
        if (!condition)
        {
            throw new TextDataException($"Tokenizer file '{path}': {what}.");
        }
    }
}
