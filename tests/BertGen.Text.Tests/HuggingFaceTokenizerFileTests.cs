using System;
using System.IO;
using BertGen.Text;
using BertGen.Text.Normalization;
using Xunit;

namespace BertGen.Text.Tests;

/// <summary>
/// <c>tokenizer.json</c> reading and the normaliser flags. The flags are checked against what each BertNormalizer step
/// does by definition (lowercase, accent stripping after NFD, CJK spacing, control-character cleaning); the full
/// parity with <c>vocab.txt</c> on a real model folder is in the CLI tests.
/// </summary>
public sealed class HuggingFaceTokenizerFileTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"bertgen-tokenizer-{Guid.NewGuid():N}.json");

    [Theory]
    [InlineData(true, null, true, true, "ЖCafé x 中文 y", "жcafe x 中 文 y")]
    [InlineData(false, null, true, true, "ЖCafé x 中文 y", "ЖCafé x 中 文 y")]
    [InlineData(true, false, true, true, "ЖCafé", "жcafé")]
    [InlineData(false, true, true, true, "Café", "Cafe")]
    [InlineData(true, null, false, true, "x中文y", "x中文y")]
    [InlineData(true, null, true, false, "a\u0001b", "a\u0001b")]
    [InlineData(true, null, true, true, "a\u0001b", "ab")]
    public void Each_flag_does_its_step_alone(bool lowercase, bool? stripAccents, bool chinese, bool clean, string text, string words)
    {
        var normalization = BertNormalization.FromHuggingFace(lowercase, stripAccents, chinese, clean);
        Assert.Equal(words, BertBasicTokenizer.ToSpaceSeparatedWords(text, normalization));
    }

    [Fact]
    public void Reads_the_vocabulary_flags_and_word_limit()
    {
        File.WriteAllText(_path, """
            {"normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": false},
             "pre_tokenizer": {"type": "BertPreTokenizer"},
             "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
             "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 5,
                       "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4, "Hello": 5, "hello": 6, "##s": 7}}}
            """);

        BertWordPieceTokenizer tokenizer = HuggingFaceTokenizerFile.Load(_path);

        Assert.Equal(8, tokenizer.Vocabulary.Count);
        Assert.Equal([5, 6, 1], tokenizer.Tokenize("Hello hello Helloss"));
        Assert.False(tokenizer.Normalization.Lowercase);
        Assert.False(tokenizer.Normalization.StripAccents);
    }

    [Theory]
    [InlineData("""{"model": {"type": "BPE", "vocab": {}}}""", "has a \"BPE\" model; BertGen reads BERT's WordPiece tokenizers only")]
    [InlineData("""{"model": {"type": "WordPiece", "vocab": {"[PAD]": 0, "[UNK]": 2}}}""", "model.vocab has no token with id 1 (ids must run from 0 to 1)")]
    [InlineData("""{"model": {"type": "WordPiece", "vocab": {"[PAD]": 0, "hello": 1, "[UNK]": 1, "x": 3}}}""", "model.vocab gives the id 1 to both '[UNK]' and 'hello'; every token needs an id of its own")]
    [InlineData("""{"model": {"type": "WordPiece", "continuing_subword_prefix": "@@", "vocab": {}}}""", "model.continuing_subword_prefix must be \"##\"")]
    [InlineData("""{"normalizer": {"type": "Lowercase"}, "model": {"type": "WordPiece", "vocab": {}}}""", "normalizer \"Lowercase\" is not BERT's (BertNormalizer)")]
    [InlineData("""{"model": {"type": "WordPiece", "max_input_chars_per_word": 0, "vocab": {}}}""", "model.max_input_chars_per_word must be a whole number of characters, at least 1, not 0")]
    [InlineData("""{"model": {"type": "WordPiece", "max_input_chars_per_word": "100", "vocab": {}}}""", "model.max_input_chars_per_word must be a whole number of characters, at least 1, not \"100\"")]
    [InlineData("""{"model": {"type": "WordPiece", "max_input_chars_per_word": 2.5, "vocab": {}}}""", "model.max_input_chars_per_word must be a whole number of characters, at least 1, not 2.5")]
    [InlineData("""{"normalizer": "BertNormalizer", "model": {"type": "WordPiece", "vocab": {}}}""", "\"normalizer\" must be an object or null")]
    [InlineData("""{"pre_tokenizer": ["BertPreTokenizer"], "model": {"type": "WordPiece", "vocab": {}}}""", "\"pre_tokenizer\" must be an object or null")]
    [InlineData("""{"normalizer": {"type": "BertNormalizer", "strip_accents": "yes"}, "model": {"type": "WordPiece", "vocab": {}}}""", "normalizer.strip_accents must be true, false or null")]
    [InlineData("""{"model": """, "is not valid JSON")]
    public void What_bert_cannot_be_is_a_one_line_error(string json, string message)
    {
        File.WriteAllText(_path, json);
        TextDataException error = Assert.Throws<TextDataException>(() => HuggingFaceTokenizerFile.Load(_path));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"Tokenizer file '{_path}'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    // TemplateProcessing as the tokenizers library writes BERT's, over a vocabulary with [CLS] 2 and [SEP] 3.
    private static string Template(int bSegment = 1, int clsId = 2) =>
        "{\"type\": \"TemplateProcessing\", " +
        "\"single\": [{\"SpecialToken\": {\"id\": \"[CLS]\", \"type_id\": 0}}, {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}, {\"SpecialToken\": {\"id\": \"[SEP]\", \"type_id\": 0}}], " +
        "\"pair\": [{\"SpecialToken\": {\"id\": \"[CLS]\", \"type_id\": 0}}, {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}, {\"SpecialToken\": {\"id\": \"[SEP]\", \"type_id\": 0}}, " +
        $"{{\"Sequence\": {{\"id\": \"B\", \"type_id\": {bSegment}}}}}, {{\"SpecialToken\": {{\"id\": \"[SEP]\", \"type_id\": 1}}}}], " +
        $"\"special_tokens\": {{\"[CLS]\": {{\"id\": \"[CLS]\", \"ids\": [{clsId}], \"tokens\": [\"[CLS]\"]}}, \"[SEP]\": {{\"id\": \"[SEP]\", \"ids\": [3], \"tokens\": [\"[SEP]\"]}}}}}}";

    /// <summary>
    /// The post-processor frames every text, and HuggingFace adds what it says: nothing for none, another id or segment for
    /// another template. BertGen always framed texts as BERT does, so such a file was embedded with [CLS] … [SEP] where
    /// TEI embeds it without, or with B's segment 1 where the template says 0, and exit 0. BERT's own, as
    /// BertProcessing or TemplateProcessing, is read.
    /// </summary>
    [Theory]
    [InlineData("bert processing", null)]
    [InlineData("bert template", null)]
    [InlineData("null", "has no post_processor, so HuggingFace adds no [CLS] or [SEP] to a text")]
    [InlineData("bert processing, another cls id", "post_processor 'BertProcessing' does not frame texts as BERT's ([CLS] 2 and [SEP] 3")]
    [InlineData("template, another cls id", "post_processor 'TemplateProcessing' does not frame")]
    [InlineData("template, second text in segment 0", "post_processor 'TemplateProcessing' does not frame")]
    [InlineData("template, no special tokens", "post_processor 'TemplateProcessing' does not frame")]
    [InlineData("roberta", "post_processor 'RobertaProcessing' does not frame")]
    public void The_post_processor_must_frame_texts_as_bert(string processor, string? message)
    {
        var processors = new System.Collections.Generic.Dictionary<string, string>
        {
            ["bert processing"] = """{"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]}""",
            ["bert template"] = Template(),
            ["null"] = "null",
            ["bert processing, another cls id"] = """{"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 4]}""",
            ["template, another cls id"] = Template(clsId: 0),
            ["template, second text in segment 0"] = Template(bSegment: 0),
            ["template, no special tokens"] = """{"type": "TemplateProcessing", "single": [{"Sequence": {"id": "A", "type_id": 0}}], "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}], "special_tokens": {}}""",
            ["roberta"] = """{"type": "RobertaProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]}""",
        };
        File.WriteAllText(_path, $$"""
            {"normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true},
             "pre_tokenizer": {"type": "BertPreTokenizer"},
             "post_processor": {{processors[processor]}},
             "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
                       "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4, "hello": 5} } }
            """);

        if (message is null)
        {
            Assert.Equal([2, 5, 3], HuggingFaceTokenizerFile.Load(_path).Encode("hello", 8).InputIds);
            return;
        }

        TextDataException error = Assert.Throws<TextDataException>(() => HuggingFaceTokenizerFile.Load(_path));
        Assert.StartsWith($"Tokenizer file '{_path}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    /// <summary>
    /// HuggingFace's tokenizers read BertNormalizer's clean_text, handle_chinese_chars and lowercase with no default (only
    /// strip_accents may be left out, as null): a file without one does not load there. BertGen read a missing or null flag
    /// as true and tokenized the file anyway.
    /// </summary>
    [Theory]
    [InlineData("\"handle_chinese_chars\": true, \"strip_accents\": null, \"lowercase\": true", "normalizer.clean_text must be true or false")]
    [InlineData("\"clean_text\": true, \"strip_accents\": null, \"lowercase\": true", "normalizer.handle_chinese_chars must be true or false")]
    [InlineData("\"clean_text\": true, \"handle_chinese_chars\": true, \"strip_accents\": null, \"lowercase\": null", "normalizer.lowercase must be true or false")]
    [InlineData("\"clean_text\": true, \"handle_chinese_chars\": true, \"lowercase\": false", null)]
    public void A_normalizer_flag_left_out_is_an_error_as_in_huggingface(string flags, string? message)
    {
        File.WriteAllText(_path, $$"""
            {"normalizer": {"type": "BertNormalizer", {{flags}}},
             "pre_tokenizer": {"type": "BertPreTokenizer"},
             "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
             "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
                       "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4, "hello": 5} } }
            """);

        if (message is null)
        {
            Assert.False(HuggingFaceTokenizerFile.Load(_path).Normalization.StripAccents); // null follows lowercase
            return;
        }

        TextDataException error = Assert.Throws<TextDataException>(() => HuggingFaceTokenizerFile.Load(_path));
        Assert.Equal($"Tokenizer file '{_path}': {message}.", error.Message);
    }

    /// <summary>
    /// A byte that is not UTF-8 inside a token: JsonDocument checks UTF-8 only when a string is read, so reading the token's
    /// name threw InvalidOperationException (bertgen's "internal error") instead of this line. Found by the fuzz corpus.
    /// </summary>
    [Fact]
    public void A_token_that_is_not_utf8_is_a_one_line_error()
    {
        File.WriteAllBytes(_path, [.. """{"model": {"type": "WordPiece", "vocab": {"[PAD]": 0, "[UNK"""u8, 0xAA, .. """]": 1}}}"""u8]);

        TextDataException error = Assert.Throws<TextDataException>(() => HuggingFaceTokenizerFile.Load(_path));

        Assert.Equal($"Tokenizer file '{_path}' is not valid UTF-8 (byte 0xAA at offset 59).", error.Message);
    }

    public void Dispose() => File.Delete(_path);
}
