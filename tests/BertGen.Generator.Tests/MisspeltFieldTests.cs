using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace BertGen.Generator.Tests;

/// <summary>
/// A misspelt field must not build silently with the default of the field it meant (issue 14): an unknown field
/// that resembles an absent known one is warning BG0017, a misspelt required field's BG0002 points at the
/// near-miss, and none of the fields HuggingFace itself writes into a config trips either.
/// </summary>
public sealed class MisspeltFieldTests
{
    private const string Path = SmallSpec.Path;

    // The small spec without hidden_act, so that its near-misses have an absent field to resemble: the fields
    // from max_position_embeddings on sit one line higher (max_position_embeddings on line 6, zero-based).
    private static readonly string ValidSpec = SmallSpec.Text.Replace("  \"hidden_act\": \"gelu\",\n", string.Empty);

    [Theory]
    [InlineData("hidden_dropout_prb", "0.1", "hidden_dropout_prob", "0.1")] // a typo
    [InlineData("layer_norm_epsilon", "1e-5", "layer_norm_eps", "1E-12")] // GPT-2's and T5's name: the known one plus a suffix
    [InlineData("hidden_activation", "\"relu\"", "hidden_act", "\"gelu\"")] // ModernBERT's name
    [InlineData("Max_Position_Embedings", "64", "max_position_embeddings", "512")] // case and a dropped letter
    [InlineData("num_layers", "1", "num_hidden_layers", "")] // T5's name, which is also two letters from num_labels
    public void AnUnknownFieldResemblingAnAbsentKnownOneIsAWarning(string typed, string value, string meant, string defaultText)
    {
        string spec = ValidSpec.Replace("  \"max_position_embeddings\": 64,\n", $"  \"{typed}\": {value},\n");
        if (meant == "num_hidden_layers")
        {
            // Required, so it is missing: the error names the near-miss instead of a separate warning.
            Diagnostic missing = Single(spec.Replace("  \"num_hidden_layers\": 1,\n", string.Empty), "BG0002", DiagnosticSeverity.Error);
            Assert.Equal($"Spec 'test.bert.json' is missing the required field 'num_hidden_layers'; is '{typed}' on line 6 a misspelling of it?", Message(missing));
            return;
        }

        Diagnostic d = Single(spec, "BG0017", DiagnosticSeverity.Warning);
        Assert.Equal($"Field '{typed}' is not a field BertGen reads; did you mean '{meant}'? Without it '{meant}' takes its default, {defaultText}", Message(d));
        Assert.Equal((6, 2), Start(d));
    }

    [Fact]
    public void AMisspeltRequiredFieldIsMissingAndPointsAtTheNearMiss()
    {
        Diagnostic d = Single(ValidSpec.Replace("\"hidden_size\"", "\"hiden_size\""), "BG0002", DiagnosticSeverity.Error);
        Assert.Equal("Spec 'test.bert.json' is missing the required field 'hidden_size'; is 'hiden_size' on line 3 a misspelling of it?", Message(d));
        Assert.Equal((2, 2), Start(d));
    }

    [Fact]
    public void AMisspeltShapeFieldPointsAtTheNearMiss()
    {
        Diagnostic d = Single(ValidSpec.Replace("\"batch\": 2", "\"bacth\": 2"), "BG0002", DiagnosticSeverity.Error);
        Assert.Equal("Spec 'test.bert.json' is missing the required field 'bertgen.shapes[0].batch'; is 'bacth' on line 10 a misspelling of it?", Message(d));
    }

    [Fact]
    public void AKnownFieldThatIsPresentIsNotSuggestedForAnother()
    {
        // hidden_dropout_prb next to a real hidden_dropout_prob is some other tool's field, not a typo.
        string spec = ValidSpec.Replace("  \"max_position_embeddings\": 64,\n", "  \"hidden_dropout_prob\": 0.1,\n  \"hidden_dropout_prb\": 0.2,\n");
        (_, GeneratorRunResult result) = GeneratorHarness.Run(GeneratorHarness.Spec(Path, spec));
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void EveryFieldHuggingFaceWritesIsClearOfEveryFieldBertGenReads()
    {
        // transformers' PretrainedConfig attributes and BertConfig's own (v4.x), as config.json files carry them.
        string[] huggingFace =
        {
            "return_dict", "output_hidden_states", "output_attentions", "torchscript", "torch_dtype", "use_bfloat16", "tf_legacy_loss",
            "pruned_heads", "tie_word_embeddings", "chunk_size_feed_forward", "is_encoder_decoder", "cross_attention_hidden_size",
            "tie_encoder_decoder", "max_length", "min_length", "do_sample", "early_stopping", "num_beams", "num_beam_groups",
            "diversity_penalty", "temperature", "top_k", "top_p", "typical_p", "repetition_penalty", "length_penalty",
            "no_repeat_ngram_size", "encoder_no_repeat_ngram_size", "bad_words_ids", "num_return_sequences", "output_scores",
            "return_dict_in_generate", "forced_bos_token_id", "forced_eos_token_id", "remove_invalid_values",
            "exponential_decay_length_penalty", "suppress_tokens", "begin_suppress_tokens", "architectures", "finetuning_task",
            "label2id", "tokenizer_class", "prefix", "bos_token_id", "eos_token_id", "sep_token_id", "decoder_start_token_id",
            "task_specific_params", "_name_or_path", "transformers_version", "_attn_implementation", "gradient_checkpointing",
            "use_cache", "classifier_dropout", "output_past", "embedding_size",
        };
        // Each is null, but tie_word_embeddings, which BertGen reads (BG0008 with a masked-LM head when false), is HF's default, true.
        string fields = string.Concat(huggingFace.Select(f => $"  \"{f}\": {(f == "tie_word_embeddings" ? "true" : "null")},\n"));
        (_, GeneratorRunResult result) = GeneratorHarness.Run(GeneratorHarness.Spec(Path, ValidSpec.Replace("  \"max_position_embeddings\"", fields + "  \"max_position_embeddings\"")));
        Assert.Empty(result.Diagnostics);
        Assert.NotEmpty(result.GeneratedSources);
    }

    [Theory]
    [InlineData("threads", "2", "1")] // planned no per-thread schedule
    [InlineData("training", "true", "false")] // compiled no training step
    [InlineData("precisions", "[\"fp32\", \"int8\"]", "[\"fp32\"]")] // compiled no int8 pass
    [InlineData("heads", "[\"sequence_classification\"]", "[] (encoder and pooler only)")]
    public void ABertGenSettingBesideTheHuggingFaceFieldsIsAWarningNamingItsPlace(string setting, string value, string defaultText)
    {
        // Was silent: a setting outside the bertgen section is not a field BertGen reads, and resembles none that is.
        AssertStraySettingWarned(setting, value, setting, defaultText);
    }

    [Theory]
    [InlineData("thread", "2", "threads", "1")] // planned no per-thread schedule
    [InlineData("Training", "true", "training", "false")] // compiled no training step
    [InlineData("max_prediction_per_seq", "5", "max_predictions_per_seq", "20")]
    [InlineData("precision", "[\"fp32\", \"int8\"]", "precisions", "[\"fp32\"]")]
    public void AMisspeltBertGenSettingBesideTheHuggingFaceFieldsIsAWarningNamingTheSetting(string typed, string value, string setting, string defaultText)
    {
        // Was silent: misspelt, it was no setting's name, and beside the HF fields nothing warns of a field unknown there.
        AssertStraySettingWarned(typed, value, setting, defaultText);
    }

    // "typed": value beside the HF fields is BG0017 at it, naming the setting and its default; with the setting in the bertgen
    // section as well, the stray field changes nothing BertGen builds: no warning.
    private static void AssertStraySettingWarned(string typed, string value, string setting, string defaultText)
    {
        string spec = ValidSpec.Replace("\"heads\": [\"pretraining\"]", "\"namespace\": \"Demo\"")
            .Replace("  \"max_position_embeddings\": 64,\n", $"  \"max_position_embeddings\": 64,\n  \"{typed}\": {value},\n");
        Diagnostic d = Single(spec, "BG0017", DiagnosticSeverity.Warning);
        Assert.Equal($"Field '{typed}' is not a field BertGen reads; did you mean 'bertgen.{setting}'? Without it 'bertgen.{setting}' takes its default, {defaultText}", Message(d));
        Assert.Equal((7, 2), Start(d));

        string both = spec.Replace("\"namespace\": \"Demo\"", $"\"namespace\": \"Demo\", \"{setting}\": {value}");
        (_, GeneratorRunResult result) = GeneratorHarness.Run(GeneratorHarness.Spec(Path, both));
        Assert.DoesNotContain(result.Diagnostics, x => x.Id == "BG0017");
    }

    /// <summary>
    /// Real config.json files as the Hub serves them, each with a bertgen section that sets only what it must: every key
    /// of theirs, older transformers' ones too (the multilingual model's pooler_*), is clear of every field and setting
    /// BertGen reads, so pasting a config gives no warning.
    /// </summary>
    [Theory]
    [InlineData("""
        {
          "architectures": ["BertForMaskedLM"],
          "attention_probs_dropout_prob": 0.1,
          "gradient_checkpointing": false,
          "hidden_act": "gelu",
          "hidden_dropout_prob": 0.1,
          "hidden_size": 768,
          "initializer_range": 0.02,
          "intermediate_size": 3072,
          "layer_norm_eps": 1e-12,
          "max_position_embeddings": 512,
          "model_type": "bert",
          "num_attention_heads": 12,
          "num_hidden_layers": 12,
          "pad_token_id": 0,
          "position_embedding_type": "absolute",
          "transformers_version": "4.6.0.dev0",
          "type_vocab_size": 2,
          "use_cache": true,
          "vocab_size": 30522
        """)] // bert-base-uncased
    [InlineData("""
        {
          "architectures": ["BertForMaskedLM"],
          "attention_probs_dropout_prob": 0.1,
          "directionality": "bidi",
          "hidden_act": "gelu",
          "hidden_dropout_prob": 0.1,
          "hidden_size": 768,
          "initializer_range": 0.02,
          "intermediate_size": 3072,
          "layer_norm_eps": 1e-12,
          "max_position_embeddings": 512,
          "model_type": "bert",
          "num_attention_heads": 12,
          "num_hidden_layers": 12,
          "pad_token_id": 0,
          "pooler_fc_size": 768,
          "pooler_num_attention_heads": 12,
          "pooler_num_fc_layers": 3,
          "pooler_size_per_head": 128,
          "pooler_type": "first_token_transform",
          "type_vocab_size": 2,
          "vocab_size": 119547
        """)] // bert-base-multilingual-cased
    [InlineData("""
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
        """)] // sentence-transformers/all-MiniLM-L6-v2
    public void EveryKeyOfARealHuggingFaceConfigIsClearOfEveryFieldAndSettingBertGenReads(string config)
    {
        string spec = config + ",\n  \"bertgen\": { \"shapes\": [{ \"batch\": 1, \"sequence\": 16 }] }\n}\n";
        var parsed = BertGen.Generator.Parsing.SpecParser.Parse(Path, Microsoft.CodeAnalysis.Text.SourceText.From(spec));
        Assert.Empty(parsed.Diagnostics.Select(d => Message(d.ToDiagnostic())));
        Assert.NotNull(parsed.Spec);
    }

    [Fact]
    public void ShapesBesideTheHuggingFaceFieldsAreMissingFromTheSectionAndNamedWhereTheyAre()
    {
        // Was "missing the required field 'bertgen.shapes'" at the section's brace, beside the shapes the user had written.
        string spec = ValidSpec.Replace("    \"shapes\": [{ \"batch\": 2, \"sequence\": 16 }],\n", string.Empty)
            .Replace("  \"max_position_embeddings\": 64,\n", "  \"max_position_embeddings\": 64,\n  \"shapes\": [{ \"batch\": 2, \"sequence\": 16 }],\n");
        Diagnostic d = Single(spec, "BG0002", DiagnosticSeverity.Error);
        Assert.Equal("Spec 'test.bert.json' is missing the required field 'bertgen.shapes'; the 'shapes' on line 8 is beside the HF fields: move it into the 'bertgen' section", Message(d));
        Assert.Equal((7, 2), Start(d));
    }

    [Fact]
    public void MisspeltShapesBesideTheHuggingFaceFieldsAreNamedWhereTheyAre()
    {
        // Was "missing the required field 'bertgen.shapes'" at the section's brace, with no word of the "shape" written above it.
        string spec = ValidSpec.Replace("    \"shapes\": [{ \"batch\": 2, \"sequence\": 16 }],\n", string.Empty)
            .Replace("  \"max_position_embeddings\": 64,\n", "  \"max_position_embeddings\": 64,\n  \"Shape\": [{ \"batch\": 2, \"sequence\": 16 }],\n");
        Diagnostic d = Single(spec, "BG0002", DiagnosticSeverity.Error);
        Assert.Equal("Spec 'test.bert.json' is missing the required field 'bertgen.shapes'; is 'Shape' on line 8, beside the HF fields, a misspelling of it? Move it into the 'bertgen' section", Message(d));
        Assert.Equal((7, 2), Start(d));
    }

    private static Diagnostic Single(string spec, string id, DiagnosticSeverity severity)
    {
        (_, GeneratorRunResult result) = GeneratorHarness.Run(GeneratorHarness.Spec(Path, spec));
        Assert.Null(result.Exception);
        Diagnostic d = Assert.Single(result.Diagnostics);
        Assert.Equal((id, severity), (d.Id, d.Severity));
        return d;
    }

    private static string Message(Diagnostic d) => d.GetMessage(CultureInfo.InvariantCulture);

    private static (int Line, int Column) Start(Diagnostic d) =>
        (d.Location.GetLineSpan().StartLinePosition.Line, d.Location.GetLineSpan().StartLinePosition.Character);
}
