using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using BertGen.Cli.HuggingFace;
using BertGen.Models;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Weights;
using BertGen.Text;
using Xunit;

namespace BertGen.Cli.Tests.Serving;

/// <summary>all-MiniLM-L6-v2 as a HuggingFace folder, written once for the folder tests.</summary>
public sealed class MiniLmFolderFixture : IDisposable
{
    private readonly TemporaryFolder _temporary = new();

    public MiniLmFolderFixture()
    {
        Directory = Path.Combine(_temporary.Path, "all-MiniLM-L6-v2");
        HuggingFaceFolder.WriteMiniLm(Directory);
    }

    public string Directory { get; }

    public string Scratch(string name) => _temporary.File(name);

    public void Dispose() => _temporary.Dispose();
}

/// <summary>
/// <c>--model-dir</c>, <c>tokenizer.json</c> and <c>bertgen spec</c>: a folder holding all-MiniLM-L6-v2 must give exactly
/// the embeddings of the packaged model (same weights, same compiled kernels: bit for bit), and its two tokenizer files the
/// same ids.
/// </summary>
public sealed class ModelFolderTests : IClassFixture<MiniLmFolderFixture>
{
    /// <summary>Accents, CJK, punctuation and symbols, tabs, control characters, and a 150-character word.</summary>
    private static readonly string[] TrickyTexts =
    [
        "This is an example sentence",
        "Café crème à la française, naïve résumé.",
        "我喜欢机器学习。東京は日本の首都です。",
        "Tab\tseparated\u200bwords, 3.14159 and $5 @home #tag ☃ 🙂",
        "İstanbul ΣΊΣΥΦΟΣ Straße",
        new string('x', 150) + " then normal words",
    ];

    private readonly MiniLmFolderFixture _folder;

    public ModelFolderTests(MiniLmFolderFixture folder) => _folder = folder;

    [Fact]
    public void Embed_with_model_dir_is_the_packaged_model_bit_for_bit()
    {
        string[] texts = TrickyTexts[..5];
        CliResult folder = Cli.Run(["embed", "--quiet", "--model-dir", _folder.Directory, .. texts]);
        CliResult package = Cli.Run(["embed", "--quiet", .. texts]);

        Assert.True(folder.ExitCode == 0, folder.Error);
        Assert.Equal(package.Output, folder.Output);
    }

    [Fact]
    public async Task Serve_with_model_dir_answers_as_the_packaged_model()
    {
        string[] texts = ["This is an example sentence", TrickyTexts[1]];
        await using RunningServer server = await RunningServer.StartAsync(new EncoderOptions("minilm", null, null, null, _folder.Directory));

        float[][] served = await RunningServer.ReadEmbeddingsAsync(await server.PostAsync("/embed", RunningServer.Json(texts)));
        using JsonDocument info = JsonDocument.Parse(await server.Client.GetStringAsync("/info"));

        Assert.Equal("all-MiniLM-L6-v2", info.RootElement.GetProperty("model_id").GetString());
        Assert.Equal(256, info.RootElement.GetProperty("max_input_length").GetInt32());
        float[][] cli = ServeTexts.Cli(texts);
        Assert.True(served.Zip(cli).All(p => Embeddings.MaxDifference(p.First, p.Second) <= 1e-6));
    }

    [Fact]
    public void Tokenizer_json_and_vocab_txt_give_the_same_ids_and_read_the_word_limit()
    {
        ModelFolder fast = ModelFolder.Open(_folder.Directory);
        ModelFolder slow = ModelFolder.Open(_folder.Directory, preferVocabularyFile: true);
        BertWordPieceTokenizer google = BertWordPieceTokenizer.FromVocabularyFile(Path.Combine(_folder.Directory, "vocab.txt"));

        Assert.EndsWith("tokenizer.json", fast.TokenizerFile, StringComparison.Ordinal);
        Assert.EndsWith("vocab.txt", slow.TokenizerFile, StringComparison.Ordinal);
        foreach (string text in TrickyTexts)
        {
            Assert.Equal(slow.Tokenizer.Tokenize(text), fast.Tokenizer.Tokenize(text));
        }

        // HuggingFace splits words of up to 100 characters, Google's BERT up to 200: the 150-x word is [UNK] only for HF.
        string longWord = TrickyTexts[^1];
        Assert.Equal(fast.Tokenizer.Vocabulary.UnknownId, fast.Tokenizer.Tokenize(longWord)[0]);
        Assert.NotEqual(google.Vocabulary.UnknownId, google.Tokenize(longWord)[0]);
        Assert.Equal(256, fast.MaxTokens);
        Assert.Equal(BertGen.Runtime.Inference.PoolingMode.Mean, fast.Pooling);
    }

    [Fact]
    public void A_cased_tokenizer_json_keeps_case()
    {
        string directory = _folder.Scratch("cased");
        HuggingFaceFolder.CopyWithConfig(_folder.Directory, directory, c => c);
        string[] tokens = File.ReadAllLines(Path.Combine(_folder.Directory, "vocab.txt"));
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), HuggingFaceFolder.TokenizerJson(tokens, lowercase: false));
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), """{"do_lower_case": false}""");

        BertWordPieceTokenizer cased = ModelFolder.Open(directory).Tokenizer;
        Assert.False(cased.Normalization.Lowercase);
        Assert.False(cased.Normalization.StripAccents);
        BertWordPieceTokenizer uncased = ModelFolder.Open(_folder.Directory).Tokenizer;
        Assert.NotEqual(uncased.Tokenize("Hello Café"), cased.Tokenize("Hello Café"));
        Assert.Equal(uncased.Tokenize("hello cafe"), cased.Tokenize("hello cafe"));
    }

    /// <summary>
    /// sentence-transformers' do_lower_case lowercases texts before the tokenizer: before a cased tokenizer.json the folder
    /// was embedded with the texts' case kept, exit 0. Before an uncased one it changes nothing and runs.
    /// </summary>
    [Fact]
    public void Sentence_transformers_lowercasing_before_a_cased_tokenizer_is_one_line()
    {
        string directory = _folder.Scratch("cased-lowercased");
        HuggingFaceFolder.CopyWithConfig(_folder.Directory, directory, c => c);
        string[] tokens = File.ReadAllLines(Path.Combine(_folder.Directory, "vocab.txt"));
        string settings = Path.Combine(directory, "sentence_bert_config.json");
        File.WriteAllText(settings, """{"max_seq_length": 256, "do_lower_case": true}""");

        CliResult uncased = Cli.Run("embed", "--quiet", "--model-dir", directory, "Hello");
        Assert.True(uncased.ExitCode == 0, uncased.Error);
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), HuggingFaceFolder.TokenizerJson(tokens, lowercase: false));
        Assert.Equal(
            $"bertgen: error: '{settings}' has do_lower_case true (sentence-transformers lowercases texts before the tokenizer), but '{Path.Combine(directory, "tokenizer.json")}' keeps case; BertGen does not lowercase texts before a cased tokenizer",
            Cli.Run("embed", "--model-dir", directory, "Hello").AssertOneLineError(1));
    }

    /// <summary>
    /// transformers' BertTokenizerFast (sentence-transformers' tokenizer) replaces tokenizer.json's lowercasing, accent
    /// stripping and CJK splitting with tokenizer_config.json's do_lower_case, strip_accents and tokenize_chinese_chars, whose
    /// defaults (true, null, true) hold when the file leaves them out or is not there; TEI keeps tokenizer.json's. BertGen read
    /// tokenizer.json alone: a cased tokenizer.json with no tokenizer_config.json was embedded with its case kept, exit 0,
    /// where sentence-transformers lowercases. The two files must agree (strip_accents null and true are alike under
    /// lowercasing).
    /// </summary>
    [Theory]
    [InlineData(false, null, "' keeps case but the folder has no tokenizer_config.json, so transformers lowercases: sentence-transformers tokenizes by tokenizer_config.json, TEI by tokenizer.json; make the two agree")]
    [InlineData(false, """{"model_max_length": 512}""", "' keeps case but '{settings}' leaves do_lower_case out (true), so transformers lowercases: ")]
    [InlineData(true, """{"do_lower_case": false}""", "' lowercases but '{settings}' has do_lower_case false, so transformers keeps case: ")]
    [InlineData(true, """{"strip_accents": false}""", "' strips accents but '{settings}' has strip_accents false, so transformers keeps accents: ")]
    [InlineData(true, """{"tokenize_chinese_chars": false}""", "' splits CJK ideographs but '{settings}' has tokenize_chinese_chars false, so transformers keeps CJK ideographs in words: ")]
    [InlineData(true, """{"strip_accents": true}""", null)]
    [InlineData(false, """{"do_lower_case": false}""", null)]
    public void A_tokenizer_json_that_disagrees_with_tokenizer_config_json_is_one_line(bool lowercase, string? settingsJson, string? expected)
    {
        string directory = _folder.Scratch($"disagreeing-{lowercase}-{settingsJson?.GetHashCode():x}");
        HuggingFaceFolder.CopyWithConfig(_folder.Directory, directory, c => c);
        string[] tokens = File.ReadAllLines(Path.Combine(_folder.Directory, "vocab.txt"));
        string tokenizer = Path.Combine(directory, "tokenizer.json"), settings = Path.Combine(directory, "tokenizer_config.json");
        File.WriteAllText(tokenizer, HuggingFaceFolder.TokenizerJson(tokens, lowercase));
        if (settingsJson is not null)
        {
            File.WriteAllText(settings, settingsJson);
        }

        if (expected is null)
        {
            Assert.Equal(lowercase, ModelFolder.Open(directory).Tokenizer.Normalization.Lowercase);
            return;
        }

        string error = Cli.Run("embed", "--model-dir", directory, "Hello").AssertOneLineError(1);
        Assert.StartsWith($"bertgen: error: '{tokenizer}", error, StringComparison.Ordinal);
        Assert.Contains(expected.Replace("{settings}", settings, StringComparison.Ordinal), error, StringComparison.Ordinal);
    }

    /// <summary>
    /// transformers' own tokenizer_config.json writes "strip_accents": null (all-MiniLM-L6-v2's, bge's): a file that has the
    /// flag as null was told it "leaves strip_accents out", which it does not. The line says what the file has.
    /// </summary>
    [Theory]
    [InlineData(true, true, """{"do_lower_case": true, "strip_accents": null}""", "' keeps accents but '{settings}' has strip_accents null, so transformers strips accents: ")]
    [InlineData(false, false, """{"do_lower_case": null}""", "' keeps case but '{settings}' has do_lower_case null (true), so transformers lowercases: ")]
    [InlineData(false, false, """{"model_max_length": 512}""", "' keeps case but '{settings}' leaves do_lower_case out (true), so transformers lowercases: ")]
    public void A_setting_written_as_null_is_named_as_null_not_as_left_out(bool lowercase, bool keepAccents, string settingsJson, string expected)
    {
        string directory = _folder.Scratch($"null-setting-{settingsJson.GetHashCode():x}");
        HuggingFaceFolder.CopyWithConfig(_folder.Directory, directory, c => c);
        string[] tokens = File.ReadAllLines(Path.Combine(_folder.Directory, "vocab.txt"));
        string tokenizer = Path.Combine(directory, "tokenizer.json"), settings = Path.Combine(directory, "tokenizer_config.json");
        string json = HuggingFaceFolder.TokenizerJson(tokens, lowercase);
        File.WriteAllText(tokenizer, keepAccents ? json.Replace("\"strip_accents\":null", "\"strip_accents\":false", StringComparison.Ordinal) : json);
        File.WriteAllText(settings, settingsJson);

        CliFailureException error = Assert.Throws<CliFailureException>(() => ModelFolder.Open(directory));
        Assert.StartsWith($"'{tokenizer}{expected.Replace("{settings}", settings, StringComparison.Ordinal)}", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// transformers' AutoTokenizer builds the class tokenizer_config.json (else config.json) names: a BertJapaneseTokenizer
    /// folder is split by MeCab before WordPiece, and was embedded through BERT's basic tokenizer, exit 0. Its cls_token,
    /// sep_token and unk_token frame and fill every sequence, and were read as [CLS], [SEP] and [UNK] whatever they named.
    /// </summary>
    [Theory]
    [InlineData("tokenizer_config.json", """{"tokenizer_class": "BertJapaneseTokenizer", "word_tokenizer_type": "mecab"}""", "' has tokenizer_class 'BertJapaneseTokenizer'; BertGen tokenizes as transformers' BertTokenizer only")]
    [InlineData("config.json", null, "' has tokenizer_class 'BertJapaneseTokenizer'; BertGen tokenizes as transformers' BertTokenizer only")]
    [InlineData("tokenizer_config.json", """{"tokenizer_class": 3}""", "': \"tokenizer_class\" must be a class name, not 3")]
    [InlineData("tokenizer_config.json", """{"cls_token": "[unused1]"}""", "' has cls_token '[unused1]'; BertGen's BERT inputs use [CLS]")]
    [InlineData("special_tokens_map.json", """{"sep_token": {"content": "[unused2]", "special": true}}""", "' has sep_token '[unused2]'; BertGen's BERT inputs use [SEP]")]
    [InlineData("tokenizer_config.json", """{"unk_token": "[unused3]"}""", "' has unk_token '[unused3]'; BertGen's BERT inputs use [UNK]")]
    [InlineData("tokenizer_config.json", """{"tokenizer_class": "BertTokenizerFast", "cls_token": "[CLS]"}""", null)]
    public void A_tokenizer_class_or_special_token_bertgen_does_not_use_is_one_line(string file, string? json, string? expected)
    {
        foreach (bool slow in new[] { false, true })
        {
            string directory = _folder.Scratch($"tokenizer-settings-{file}-{json?.GetHashCode():x}-{slow}");
            HuggingFaceFolder.CopyWithConfig(_folder.Directory, directory, c => json is null
                ? c.Replace("\"model_type\"", "\"tokenizer_class\": \"BertJapaneseTokenizer\", \"model_type\"", StringComparison.Ordinal)
                : c);
            string path = Path.Combine(directory, file);
            if (json is not null)
            {
                File.WriteAllText(path, json);
            }

            if (expected is null)
            {
                Assert.Equal(101, ModelFolder.Open(directory, preferVocabularyFile: slow).Tokenizer.Vocabulary.ClassificationId);
                continue;
            }

            CliFailureException error = Assert.Throws<CliFailureException>(() => ModelFolder.Open(directory, preferVocabularyFile: slow));
            Assert.Equal($"'{path}{expected}", error.Message);
        }
    }

    /// <summary>
    /// A tokenizer_config.json naming PreTrainedTokenizerFast makes transformers run tokenizer.json as the file says, as TEI
    /// does: a cased file with no do_lower_case is cased in both libraries and runs so; without a tokenizer.json that class
    /// has nothing to run and is refused.
    /// </summary>
    [Fact]
    public void PreTrainedTokenizerFast_runs_tokenizer_json_as_it_is()
    {
        string directory = _folder.Scratch("pretrained-tokenizer-fast");
        HuggingFaceFolder.CopyWithConfig(_folder.Directory, directory, c => c);
        string[] tokens = File.ReadAllLines(Path.Combine(_folder.Directory, "vocab.txt"));
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), HuggingFaceFolder.TokenizerJson(tokens, lowercase: false));
        string settings = Path.Combine(directory, "tokenizer_config.json");
        File.WriteAllText(settings, """{"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": 512}""");

        Assert.False(ModelFolder.Open(directory).Tokenizer.Normalization.Lowercase);
        CliFailureException slow = Assert.Throws<CliFailureException>(() => ModelFolder.Open(directory, preferVocabularyFile: true));
        Assert.Equal($"'{settings}' has tokenizer_class 'PreTrainedTokenizerFast'; BertGen tokenizes as transformers' BertTokenizer only", slow.Message);
    }

    /// <summary>
    /// Without modules.json sentence-transformers loads a folder as a plain transformers model with mean pooling and never
    /// reads 1_Pooling/config.json; TEI reads it. A [CLS] pooling config there was embedded by [CLS], exit 0: TEI's answer,
    /// not sentence-transformers'. Mean pooling is both libraries' answer and runs; with modules.json [CLS] runs.
    /// </summary>
    [Fact]
    public void A_cls_pooling_config_without_modules_json_is_one_line()
    {
        string directory = _folder.Scratch("cls-without-modules");
        HuggingFaceFolder.CopyWithConfig(_folder.Directory, directory, c => c);
        string pooling = Path.Combine(directory, "1_Pooling", "config.json");
        Directory.CreateDirectory(Path.GetDirectoryName(pooling)!);
        File.WriteAllText(pooling, """{"pooling_mode_cls_token": false, "pooling_mode_mean_tokens": true}""");
        Assert.Equal(BertGen.Runtime.Inference.PoolingMode.Mean, ModelFolder.Open(directory).Pooling);

        File.WriteAllText(pooling, """{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}""");
        Assert.Equal(
            $"bertgen: error: '{pooling}' pools by [CLS], but the folder has no modules.json: sentence-transformers then pools by the mean and TEI by [CLS]; add the model's modules.json",
            Cli.Run("embed", "--model-dir", directory, "x").AssertOneLineError(1));

        File.WriteAllText(Path.Combine(directory, "modules.json"), """
            [{"path": "", "type": "sentence_transformers.models.Transformer"}, {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
            """);
        Assert.Equal(BertGen.Runtime.Inference.PoolingMode.Cls, ModelFolder.Open(directory).Pooling);
    }

    /// <summary>
    /// sentence-transformers cuts texts at max_seq_length as given: one past the position table is the table for every text
    /// it can embed at all. BertGen fell through to tokenizer_config.json's model_max_length (128 here) and cut texts
    /// sentence-transformers keeps whole.
    /// </summary>
    [Fact]
    public void A_max_seq_length_past_the_position_table_is_the_table_not_model_max_length()
    {
        string directory = _folder.Scratch("long-max-seq-length");
        HuggingFaceFolder.CopyWithConfig(_folder.Directory, directory, c => c);
        File.WriteAllText(Path.Combine(directory, "sentence_bert_config.json"), """{"max_seq_length": 1024}""");
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), """{"model_max_length": 128}""");

        Assert.Equal(512, ModelFolder.Open(directory).MaxTokens);
        File.WriteAllText(Path.Combine(directory, "sentence_bert_config.json"), """{"max_seq_length": null}""");
        Assert.Equal(128, ModelFolder.Open(directory).MaxTokens);
    }

    /// <summary>
    /// Whether a text is blank is the model's tokenizer's call, not a rule about accents: the uncased tokenizer strips a lone
    /// combining accent to nothing (refused), a cased one keeps it (embedded).
    /// </summary>
    [Fact]
    public void Only_accents_are_blank_for_an_uncased_tokenizer_and_a_text_for_a_cased_one()
    {
        string directory = _folder.Scratch("cased-accents");
        HuggingFaceFolder.CopyWithConfig(_folder.Directory, directory, c => c);
        string[] tokens = File.ReadAllLines(Path.Combine(_folder.Directory, "vocab.txt"));
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), HuggingFaceFolder.TokenizerJson(tokens, lowercase: false));
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), """{"do_lower_case": false}""");

        Assert.Equal("bertgen: error: text 1 has nothing the tokenizer keeps (only accents, control or format characters)",
            Cli.Run("embed", "--model-dir", _folder.Directory, "\u0301").AssertOneLineError(2));
        CliResult cased = Cli.Run("embed", "--quiet", "--model-dir", directory, "\u0301");
        Assert.True(cased.ExitCode == 0, cased.Error);
        Assert.Equal("\u0301", Assert.Single(Embeddings.Parse(cased)).Text);
    }

    /// <summary>
    /// A settings file with a byte that is not UTF-8 in a key: JsonDocument checks UTF-8 only when a string is read, so the
    /// pooling config (its keys are read by name) was an internal error (InvalidOperationException), and
    /// sentence_bert_config.json ran with the damaged key ignored, where sentence-transformers cannot decode the file.
    /// Found by the fuzz corpus's model folder family.
    /// </summary>
    [Theory]
    [InlineData("1_Pooling/config.json", """{"pooling_mode_mean_tokens": true}""")]
    [InlineData("sentence_bert_config.json", """{"max_seq_length": 256}""")]
    public void A_settings_file_that_is_not_utf8_is_one_line(string file, string json)
    {
        string directory = _folder.Scratch("not-utf8-" + file.Replace('/', '-'));
        HuggingFaceFolder.CopyWithConfig(_folder.Directory, directory, c => c);
        string path = Path.Combine(directory, file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, [.. "{\""u8, 0xAA, .. System.Text.Encoding.UTF8.GetBytes(json[2..])]);

        Assert.Equal($"bertgen: error: '{path}' is not valid UTF-8 (byte 0xAA at offset 2)",
            Cli.Run("embed", "--model-dir", directory, "x").AssertOneLineError(1));
    }

    [Fact]
    public void A_folder_no_compiled_model_fits_is_one_error_naming_the_differences_and_bertgen_spec()
    {
        string directory = _folder.Scratch("wider");
        HuggingFaceFolder.CopyWithConfig(_folder.Directory, directory, c => c.Replace("\"hidden_size\": 384", "\"hidden_size\": 768").Replace("\"layer_norm_eps\": 1e-12", "\"layer_norm_eps\": 1e-5"));

        string line = Cli.Run("embed", "--model-dir", directory, "x").AssertOneLineError(1);

        Assert.Equal($"bertgen: error: model folder '{directory}' matches no model compiled into bertgen; the closest, minilm-l6, differs in hidden_size (folder 768, compiled 384), layer_norm_eps (folder 1E-05, compiled 1E-12). "
            + $"Write a spec for it with 'bertgen spec {directory}' and compile it into your project (README: Adding a spec to your own project)", line);
    }

    /// <summary>
    /// problem_type says how a classifier's logits are read: a multi-label folder (a sigmoid per label) matched the compiled
    /// single-label classifier of its sizes, whose answers are a softmax over the labels, and ran.
    /// </summary>
    [Fact]
    public void A_classifier_folder_of_another_problem_type_matches_no_compiled_classifier()
    {
        string directory = _folder.Scratch("multi-label");
        HuggingFaceFolder.CopyWithConfig(_folder.Directory, directory, c => c
            .Replace("\"BertModel\"", "\"BertForSequenceClassification\"", StringComparison.Ordinal)
            .Replace("\"use_cache\": true", "\"id2label\": {\"0\": \"OT\", \"1\": \"NT\"}, \"problem_type\": \"multi_label_classification\"", StringComparison.Ordinal));

        string line = Cli.Run("embed", "--model-dir", directory, "x").AssertOneLineError(1);

        Assert.StartsWith($"bertgen: error: model folder '{directory}' matches no model compiled into bertgen; the closest, ", line, StringComparison.Ordinal);
        HuggingFaceConfig folder = HuggingFaceConfig.Load(Path.Combine(directory, "config.json"));
        Assert.Equal(["problem_type (folder multi_label_classification, compiled single_label_classification)"], CompiledModelMatch.Differences(folder, MiniLmL6Classifier.Descriptor));
        HuggingFaceConfig single = HuggingFaceConfig.Load(Path.Combine(directory, "config.json")) with { ProblemType = "single_label_classification" };
        Assert.Empty(CompiledModelMatch.Differences(single, MiniLmL6Classifier.Descriptor));
    }

    /// <summary>
    /// A one-label folder (an ms-marco cross-encoder's config: no problem_type) trains as regression, but HF's pipeline scores
    /// it by a sigmoid; a compiled one-label spec that names "regression" answers its raw output. They match only when the
    /// two agree on both, as a folder that names "regression" matches only such a spec.
    /// </summary>
    [Theory]
    [InlineData("", true, "function_to_apply (folder sigmoid, compiled none)")]
    [InlineData("", false, null)]
    [InlineData(", \"problem_type\": null", false, null)]
    [InlineData(", \"problem_type\": \"regression\"", true, null)]
    [InlineData(", \"problem_type\": \"regression\"", false, "function_to_apply (folder none, compiled sigmoid)")]
    public void A_one_label_folder_runs_on_a_compiled_one_label_model_that_scores_it_alike(string problemType, bool compiledNamesRegression, string? difference)
    {
        string path = Path.Combine(_folder.Scratch("one-label-" + Guid.NewGuid().ToString("N")), "config.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, HuggingFaceFolder.MiniLmConfig
            .Replace("\"BertModel\"", "\"BertForSequenceClassification\"", StringComparison.Ordinal)
            .Replace("\"use_cache\": true", "\"id2label\": {\"0\": \"LABEL_0\"}" + problemType, StringComparison.Ordinal));
        HuggingFaceConfig folder = HuggingFaceConfig.Load(path);
        ModelDescriptor compiled = MiniLmL6Classifier.Descriptor with { Labels = ["LABEL_0"], ProblemType = "regression", ProblemTypeGiven = compiledNamesRegression };

        Assert.Equal("regression", folder.ProblemType);
        Assert.Equal(difference is null ? [] : [difference], CompiledModelMatch.Differences(folder, compiled));
    }

    /// <summary>
    /// Mistyped or hostile config.json values: each was an internal error (a non-string architecture or label), a hang
    /// (two billion label names), or silently read as a default and run (a string epsilon matched the compiled model's,
    /// a decoder ran bidirectionally).
    /// </summary>
    [Theory]
    [InlineData("architectures", "[5]", "\"architectures\" must be a list of class names, not [5]")]
    [InlineData("id2label", """{"0": "neg", "1": 7}""", "id2label must map \"0\" … to label names, not '1' to 7")]
    [InlineData("num_labels", "2000000000", "\"num_labels\" must be a whole number from 1 to 16,384, not 2000000000")]
    [InlineData("layer_norm_eps", "\"1e-5\"", "\"layer_norm_eps\" must be a number above 0 (at least 1.4e-45, the smallest float) and below 1, not \"1e-5\"")]
    [InlineData("layer_norm_eps", "0", "\"layer_norm_eps\" must be a number above 0 (at least 1.4e-45, the smallest float) and below 1, not 0")]
    [InlineData("is_decoder", "true", "has is_decoder true (causal attention); BertGen compiles BERT's bidirectional encoder only")]
    public void A_mistyped_config_value_is_one_line_naming_it(string field, string json, string expected)
    {
        string directory = _folder.Scratch("config-" + Guid.NewGuid().ToString("N"));
        HuggingFaceFolder.CopyWithConfig(_folder.Directory, directory, c =>
        {
            var config = System.Text.Json.Nodes.JsonNode.Parse(c)!.AsObject();
            config[field] = System.Text.Json.Nodes.JsonNode.Parse(json);
            return config.ToJsonString();
        });

        string line = Cli.Run("embed", "--model-dir", directory, "x").AssertOneLineError(1);

        Assert.Equal($"bertgen: error: '{Path.Combine(directory, "config.json")}'{(expected.StartsWith("has ", StringComparison.Ordinal) ? " " : ": ")}{expected}", line);
    }

    /// <summary>
    /// A config no spec of compiles: spec wrote a spec for each (exit 0) that the build then refused with a BG error, and for
    /// max_position_embeddings 2,147,483,647 doubled its shapes' sequence past int's range and never stopped (killed out of
    /// memory). Each is now one line from spec, naming the field, and no spec is written.
    /// </summary>
    [Theory]
    [InlineData("max_position_embeddings", "2147483647", "\"max_position_embeddings\" must be a whole number from 1 to 65,536, not 2147483647")]
    [InlineData("max_position_embeddings", "1000000", "\"max_position_embeddings\" must be a whole number from 1 to 65,536, not 1000000")]
    [InlineData("num_hidden_layers", "100000", "\"num_hidden_layers\" must be a whole number from 1 to 128, not 100000")]
    [InlineData("vocab_size", "2000000000", "\"vocab_size\" must be a whole number from 1 to 1,048,576, not 2000000000")]
    [InlineData("hidden_size", "385", "\"hidden_size\" 385 is not divisible by \"num_attention_heads\" 12")]
    [InlineData("hidden_act", "\"tanh\"", "\"hidden_act\" 'tanh' is not an activation BertGen implements (\"gelu\", \"gelu_new\", \"gelu_pytorch_tanh\", \"relu\", \"silu\" and \"swish\")")]
    [InlineData("layer_norm_eps", "1e-50", "\"layer_norm_eps\" must be a number above 0 (at least 1.4e-45, the smallest float) and below 1, not 1e-50")]
    [InlineData("add_cross_attention", "true", "has add_cross_attention true (a decoder's cross-attention); BertGen compiles BERT's encoder only")]
    [InlineData("model_type", "null", "\"model_type\" must be a string, not null")]
    [InlineData("id2label", "{}", "id2label has no labels")]
    [InlineData("hidden_dropout_prob", "1", "\"hidden_dropout_prob\" must be a number in [0, 1), and below 1 as a float, not 1")]
    [InlineData("initializer_range", "0", "\"initializer_range\" must be a number above 0 and at most 1, not 0")]
    [InlineData("pad_token_id", "30522", "\"pad_token_id\" must be a token id from 0 to 30521 (below vocab_size), not 30522")]
    [InlineData("problem_type", "\"ranking\"", "\"problem_type\" must be null or one of \"single_label_classification\", \"multi_label_classification\" or \"regression\", not \"ranking\"")]
    public void Spec_of_a_config_no_spec_of_compiles_is_one_line_naming_the_field(string field, string json, string expected)
    {
        string directory = _folder.Scratch("uncompilable-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var config = System.Text.Json.Nodes.JsonNode.Parse(HuggingFaceFolder.MiniLmConfig)!.AsObject();
        config[field] = System.Text.Json.Nodes.JsonNode.Parse(json);
        File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJsonString());
        string output = directory + ".bert.json";

        string line = Cli.Run("spec", directory, "--output", output).AssertOneLineError(1);

        Assert.Equal($"bertgen: error: '{Path.Combine(directory, "config.json")}'{(expected.StartsWith("has ", StringComparison.Ordinal) ? " " : ": ")}{expected}", line);
        Assert.False(File.Exists(output));
    }

    /// <summary>
    /// tie_word_embeddings false gives a masked-LM head a decoder of its own, which BertGen's (the word embeddings) is not:
    /// spec wrote a spec the generator refuses (BG0008). It changes nothing for an encoder, whose spec is written.
    /// </summary>
    [Fact]
    public void Spec_of_a_masked_lm_with_an_untied_decoder_is_one_line()
    {
        string directory = _folder.Scratch("untied-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        string config = Path.Combine(directory, "config.json");
        string untied = HuggingFaceFolder.MiniLmConfig.Replace("\"use_cache\": true", "\"tie_word_embeddings\": false", StringComparison.Ordinal);
        File.WriteAllText(config, untied.Replace("\"BertModel\"", "\"BertForMaskedLM\"", StringComparison.Ordinal));
        Assert.Equal($"bertgen: error: '{config}' has tie_word_embeddings false (a masked-LM decoder of its own); BertGen's masked-LM decoder is the word embeddings",
            Cli.Run("spec", directory, "--output", directory + ".bert.json").AssertOneLineError(1));

        File.WriteAllText(config, untied.Replace("\"tie_word_embeddings\": false", "\"tie_word_embeddings\": \"no\"", StringComparison.Ordinal));
        Assert.Equal($"bertgen: error: '{config}': \"tie_word_embeddings\" must be true or false, not \"no\"",
            Cli.Run("spec", directory, "--output", directory + ".bert.json").AssertOneLineError(1));

        File.WriteAllText(config, untied);
        CliResult encoder = Cli.Run("spec", directory, "--output", directory + ".bert.json");
        Assert.True(encoder.ExitCode == 0, encoder.Error);
    }

    /// <summary>
    /// Label names within 512 characters each but past 1,048,576 in all: spec wrote a spec the generator refuses (BG0004),
    /// whose model the compiler would otherwise refuse (CS8103, an assembly's strings past 16 MB).
    /// </summary>
    [Fact]
    public void Spec_of_a_config_whose_label_names_are_too_long_in_all_is_one_line()
    {
        string directory = _folder.Scratch("long-labels");
        Directory.CreateDirectory(directory);
        var config = System.Text.Json.Nodes.JsonNode.Parse(HuggingFaceFolder.MiniLmConfig)!.AsObject();
        var id2label = new System.Text.Json.Nodes.JsonObject();
        for (int i = 0; i < 2049; i++)
        {
            id2label[i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new string('x', 512);
        }

        config["id2label"] = id2label;
        File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJsonString());

        Assert.Equal(
            $"bertgen: error: '{Path.Combine(directory, "config.json")}': id2label's label names have more than the 1,048,576 characters in all a generated model can hold as strings",
            Cli.Run("spec", directory, "--output", directory + ".bert.json").AssertOneLineError(1));
        Assert.False(File.Exists(directory + ".bert.json"));
    }

    /// <summary>A key given twice: spec copied the config whole, and the generator refused the spec (BG0016).</summary>
    [Fact]
    public void Spec_of_a_config_with_a_key_given_twice_is_one_line()
    {
        string directory = _folder.Scratch("repeated-key");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), HuggingFaceFolder.MiniLmConfig.Replace("{", "{ \"hidden_size\": 768,", StringComparison.Ordinal));

        Assert.Equal($"bertgen: error: '{Path.Combine(directory, "config.json")}' is not valid JSON: Duplicate property 'hidden_size' encountered during deserialization",
            Cli.Run("spec", directory, "--output", directory + ".bert.json").AssertOneLineError(1));
    }

    /// <summary>
    /// A config.json cut short is named with the 1-based line and byte an editor shows (it printed System.Text.Json's
    /// zero-based "LineNumber: 1 | BytePositionInLine: 24").
    /// </summary>
    [Fact]
    public void Spec_of_a_truncated_config_names_the_line_and_byte()
    {
        string directory = _folder.Scratch("truncated-config");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), "{\"hidden_size\": 384,\n \"num_attention_heads\": ");

        string line = Cli.Run("spec", directory, "--output", directory + ".bert.json").AssertOneLineError(1);
        Assert.StartsWith($"bertgen: error: '{Path.Combine(directory, "config.json")}' is not valid JSON (line 2, byte 25): ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", line, StringComparison.Ordinal);
    }

    /// <summary>
    /// A model whose masked-LM logits for a sequence at its position limit would not fit a span: spec wrote shapes up to
    /// the limit and the generator refused the longest (BG0004). The shapes now stop where the buffers fit, and spec says so.
    /// </summary>
    [Fact]
    public void Spec_stops_the_shapes_where_the_activations_fit_one_buffer_and_says_so()
    {
        string directory = _folder.Scratch("wide-vocabulary");
        Directory.CreateDirectory(directory);
        var config = System.Text.Json.Nodes.JsonNode.Parse(HuggingFaceFolder.MiniLmConfig)!.AsObject();
        config["architectures"] = System.Text.Json.Nodes.JsonNode.Parse("[\"BertForMaskedLM\"]");
        config["vocab_size"] = 1_048_576;
        config["max_position_embeddings"] = 4096;
        File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJsonString());
        string output = directory + ".bert.json";

        CliResult result = Cli.Run("spec", directory, "--output", output);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("bertgen: warning: the spec's shapes stop at sequence 2,047, below the model's limit of 4,096 tokens: a longer sequence's activations would pass the 2,147,483,647 floats one buffer holds",
            Assert.Single(result.ErrorLines));
        using JsonDocument spec = JsonDocument.Parse(File.ReadAllText(output));
        Assert.Equal(["1x16", "1x32", "1x64", "1x128", "8x128", "1x256", "1x512", "1x1024", "1x2047"],
            spec.RootElement.GetProperty("bertgen").GetProperty("shapes").EnumerateArray().Select(s => $"{s.GetProperty("batch").GetInt32()}x{s.GetProperty("sequence").GetInt32()}"));
    }

    /// <summary>
    /// --type-name and --namespace were written into the spec as given, so 'class', 'Parameters' or 'a..b' became a BG0011 at
    /// build time, and so did a type name made from a folder's name ('span' → Span, a type the generated code names; a long
    /// one too long for the generated files' names). Now a usage error (exit 2).
    /// </summary>
    [Theory]
    [InlineData("--type-name", "class", "--type-name 'class' cannot name the generated class: it is a C# keyword")]
    [InlineData("--type-name", "record", "--type-name 'record' cannot name the generated class: it is a C# contextual keyword")]
    [InlineData("--type-name", "1abc", "--type-name '1abc' cannot name the generated class: it is not a C# identifier (a letter or _, then letters, digits or _)")]
    [InlineData("--type-name", "Mo\u200Bdel", "--type-name 'Mo\\u200Bdel' cannot name the generated class: it is not a C# identifier (a letter or _, then letters, digits or _)")]
    [InlineData("--type-name", "Parameters", "--type-name 'Parameters' cannot name the generated class: it is the name of a member of the generated model")]
    [InlineData("--type-name", "B8S128", "--type-name 'B8S128' cannot name the generated class: it is the name of one of the model's compiled shapes")]
    [InlineData("--namespace", "My..Models", "--namespace 'My..Models' is not a C# namespace: its part '' is empty")]
    [InlineData("--namespace", "My.class", "--namespace 'My.class' is not a C# namespace: its part 'class' is a C# keyword")]
    [InlineData("--namespace", "My.nameof", "--namespace 'My.nameof' is not a C# namespace: its part 'nameof' is what the generated code's nameof(…) would find instead of the operator")]
    [InlineData("--namespace", "BertGen.Runtime.Inference", "--namespace 'BertGen.Runtime.Inference' is not a C# namespace: it is the BertGen runtime's namespace of 'IBertModel' and 4 more, which the generated code names by an alias of the same name inside the model's namespace, and C# refuses an alias beside a type of its name")]
    public void Spec_refuses_a_type_name_or_namespace_csharp_cannot_have(string option, string value, string expected)
    {
        string output = _folder.Scratch("named-" + Guid.NewGuid().ToString("N") + ".bert.json");

        Assert.Equal("bertgen: error: " + expected, Cli.Run("spec", _folder.Directory, "--output", output, option, value).AssertOneLineError(2));
        Assert.False(File.Exists(output));
    }

    /// <summary>With --namespace BertGen, --type-name Runtime made the model BertGen.Runtime, the runtime's namespace: a spec that did not compile.</summary>
    [Fact]
    public void Spec_refuses_a_model_named_like_a_namespace_the_generated_code_uses()
    {
        string output = _folder.Scratch("named-" + Guid.NewGuid().ToString("N") + ".bert.json");

        Assert.Equal(
            "bertgen: error: --type-name 'Runtime' cannot name the generated class: in namespace 'BertGen' the model would be 'BertGen.Runtime', a namespace the generated code uses",
            Cli.Run("spec", _folder.Directory, "--output", output, "--namespace", "BertGen", "--type-name", "Runtime").AssertOneLineError(2));
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData("span", "the type name 'Span', made from the folder's name, cannot name the generated class: generated code names another type so; give one with --type-name")]
    [InlineData("parameters", "the type name 'Parameters', made from the folder's name, cannot name the generated class: it is the name of a member of the generated model; give one with --type-name")]
    public void Spec_refuses_a_folder_named_like_a_name_the_generated_code_uses(string folder, string expected)
    {
        string directory = Path.Combine(_folder.Scratch("named-" + Guid.NewGuid().ToString("N")), folder);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), HuggingFaceFolder.MiniLmConfig);

        Assert.Equal("bertgen: error: " + expected, Cli.Run("spec", directory, "--output", directory + ".bert.json").AssertOneLineError(2));
        Assert.Equal(0, Cli.Run("spec", directory, "--output", directory + ".bert.json", "--type-name", "MyModel").ExitCode);
    }

    [Fact]
    public void Spec_refuses_a_folder_name_too_long_for_the_generated_files_names()
    {
        string directory = _folder.Scratch(new string('m', 230));
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), HuggingFaceFolder.MiniLmConfig);

        string line = Cli.Run("spec", directory, "--output", _folder.Scratch("long.bert.json")).AssertOneLineError(2);

        Assert.EndsWith(", made from the folder's name, cannot name the generated class: with namespace 'BertGen.Models' the generated files' names would be longer than the 255 bytes a file name may have; give one with --type-name", line, StringComparison.Ordinal);
    }

    /// <summary>The tokenizer's and sentence-transformers' settings files: a value of the wrong kind was read as the default.</summary>
    [Theory]
    [InlineData("tokenizer_config.json", """{"do_lower_case": "no"}""", "\"do_lower_case\" must be true or false, not \"no\"")]
    [InlineData("1_Pooling/config.json", """{"pooling_mode_cls_token": "true", "pooling_mode_mean_tokens": false}""", "\"pooling_mode_cls_token\" must be true or false, not \"true\"")]
    [InlineData("sentence_bert_config.json", """{"max_seq_length": 0}""", "\"max_seq_length\" must be a whole number of tokens, at least 3, not 0")]
    public void A_mistyped_tokenizer_or_pooling_setting_is_one_line_naming_it(string file, string json, string expected)
    {
        string directory = _folder.Scratch("settings-" + Guid.NewGuid().ToString("N"));
        HuggingFaceFolder.CopyWithConfig(_folder.Directory, directory, c => c);
        File.Delete(Path.Combine(directory, "tokenizer.json")); // vocab.txt's flags are read from tokenizer_config.json
        string path = Path.Combine(directory, file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json);

        Assert.Equal($"bertgen: error: '{path}': {expected}", Cli.Run("embed", "--model-dir", directory, "x").AssertOneLineError(1));
    }

    /// <summary>A settings file that is JSON but not an object: its fields were read off an array as an internal error.</summary>
    [Theory]
    [InlineData("tokenizer_config.json", "[]")]
    [InlineData("1_Pooling/config.json", "[true]")]
    [InlineData("sentence_bert_config.json", "\"256\"")]
    public void A_settings_file_that_is_not_a_json_object_is_one_line_naming_it(string file, string json)
    {
        string directory = _folder.Scratch("not-an-object-" + Guid.NewGuid().ToString("N"));
        HuggingFaceFolder.CopyWithConfig(_folder.Directory, directory, c => c);
        File.Delete(Path.Combine(directory, "tokenizer.json")); // vocab.txt's flags are read from tokenizer_config.json
        string path = Path.Combine(directory, file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json);

        Assert.Equal($"bertgen: error: '{path}' is not a JSON object", Cli.Run("embed", "--model-dir", directory, "x").AssertOneLineError(1));
    }

    private const string Modules = """
        [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
         {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
         {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]
        """;

    /// <summary>
    /// sentence-transformers concatenates every pooling its config sets, and runs every module modules.json lists: CLS and
    /// mean together, or a Dense projection after the pooling, were answered with the first pooling alone (exit 0, a vector
    /// of another size and meaning than the model's).
    /// </summary>
    [Theory]
    [InlineData("1_Pooling/config.json", """{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": true}""",
        "' concatenates 2 poolings (pooling_mode_cls_token, pooling_mode_mean_tokens); BertGen pools by one, the mean of the tokens or [CLS]")]
    [InlineData("1_Pooling/config.json", """{"pooling_mode_mean_tokens": true, "pooling_mode_max_tokens": true}""",
        "' concatenates 2 poolings (pooling_mode_mean_tokens, pooling_mode_max_tokens); BertGen pools by one, the mean of the tokens or [CLS]")]
    [InlineData("1_Pooling/config.json", """{"word_embedding_dimension": 384, "pooling_mode_cls_token": true}""",
        "' concatenates 2 poolings (pooling_mode_cls_token, pooling_mode_mean_tokens: pooling_mode_mean_tokens is left out, which sentence-transformers reads as true); BertGen pools by one, the mean of the tokens or [CLS]")]
    [InlineData("1_Pooling/config.json", """{"pooling_mode": "max", "pooling_mode_mean_tokens": true}""",
        "' asks for a pooling BertGen does not do ('max'; it pools by the mean of the tokens or by [CLS])")]
    [InlineData("modules.json", """[{"path": "", "type": "sentence_transformers.models.Transformer"}, {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}, {"path": "2_Dense", "type": "sentence_transformers.models.Dense"}]""",
        "' has a module 'sentence_transformers.models.Dense' ('2_Dense') BertGen does not run: it runs the encoder, mean or [CLS] pooling and a normalisation only")]
    [InlineData("modules.json", """[{"path": "", "type": "sentence_transformers.models.Transformer"}]""",
        "' lists no sentence_transformers.models.Pooling module: its model gives no sentence embedding")]
    [InlineData("modules.json", """{"0": "Transformer"}""", "' is not a JSON array")]
    [InlineData("modules.json", """[{"path": "", "type": "sentence_transformers.models.Transformer"}, {"path": "2_Pool", "type": "sentence_transformers.models.Pooling"}]""",
        "' lists a pooling module in '2_Pool', which has no config.json")]
    public void A_sentence_transformers_pipeline_bertgen_does_not_run_is_one_line(string file, string json, string expected)
    {
        string directory = _folder.Scratch("pipeline-" + Guid.NewGuid().ToString("N"));
        HuggingFaceFolder.CopyWithConfig(_folder.Directory, directory, c => c);
        Directory.CreateDirectory(Path.Combine(directory, "1_Pooling"));
        File.Copy(Path.Combine(_folder.Directory, "1_Pooling", "config.json"), Path.Combine(directory, "1_Pooling", "config.json"));
        string path = Path.Combine(directory, file);
        File.WriteAllText(path, json);

        Assert.Equal($"bertgen: error: '{path}{expected}", Cli.Run("embed", "--model-dir", directory, "x").AssertOneLineError(1));
    }

    /// <summary>
    /// sentence-transformers builds its pooling from the config's keys as keyword arguments, so a config that leaves out
    /// <c>pooling_mode_mean_tokens</c> pools by the mean (its constructor's default). BertGen refused such a file as asking
    /// for no pooling it does (and read one naming [CLS] alone as [CLS], where sentence-transformers concatenates CLS and mean).
    /// </summary>
    [Theory]
    [InlineData("""{"word_embedding_dimension": 384}""")]
    [InlineData("""{"word_embedding_dimension": 384, "pooling_mode_cls_token": false, "pooling_mode_max_tokens": false}""")]
    public void A_pooling_config_that_leaves_out_the_mean_flag_pools_by_the_mean(string json)
    {
        string directory = _folder.Scratch("pooling-defaults-" + Guid.NewGuid().ToString("N"));
        HuggingFaceFolder.CopyWithConfig(_folder.Directory, directory, c => c);
        Directory.CreateDirectory(Path.Combine(directory, "1_Pooling"));
        File.WriteAllText(Path.Combine(directory, "1_Pooling", "config.json"), json);

        Assert.Equal(BertGen.Runtime.Inference.PoolingMode.Mean, ModelFolder.Open(directory).Pooling);
    }

    /// <summary>
    /// The modules.json sentence-transformers writes for all-MiniLM-L6-v2 runs as before; the pooling is read from the folder
    /// it names, and <c>pooling_mode</c> overrides the flags, as sentence-transformers' Pooling does.
    /// </summary>
    [Fact]
    public void Modules_json_names_the_pooling_folder_and_pooling_mode_overrides_the_flags()
    {
        string directory = _folder.Scratch("modules-" + Guid.NewGuid().ToString("N"));
        HuggingFaceFolder.CopyWithConfig(_folder.Directory, directory, c => c);
        File.WriteAllText(Path.Combine(directory, "modules.json"), Modules.Replace("1_Pooling", "pool", StringComparison.Ordinal));
        Directory.CreateDirectory(Path.Combine(directory, "pool"));
        File.WriteAllText(Path.Combine(directory, "pool", "config.json"), """{"pooling_mode": "cls", "pooling_mode_mean_tokens": true}""");

        Assert.Equal(BertGen.Runtime.Inference.PoolingMode.Cls, ModelFolder.Open(directory).Pooling);
        File.WriteAllText(Path.Combine(directory, "pool", "config.json"), """{"pooling_mode": "CLS", "pooling_mode_mean_tokens": true}""");
        Assert.Equal(BertGen.Runtime.Inference.PoolingMode.Cls, ModelFolder.Open(directory).Pooling); // lowercased, as sentence-transformers does
        File.WriteAllText(Path.Combine(directory, "modules.json"), Modules);
        Directory.CreateDirectory(Path.Combine(directory, "1_Pooling"));
        File.Copy(Path.Combine(_folder.Directory, "1_Pooling", "config.json"), Path.Combine(directory, "1_Pooling", "config.json"));
        CliResult folder = Cli.Run("embed", "--quiet", "--model-dir", directory, "This is an example sentence");
        Assert.True(folder.ExitCode == 0, folder.Error);
        Assert.Equal(Cli.Run("embed", "--quiet", "This is an example sentence").Output, folder.Output);
    }

    /// <summary>
    /// sentence-transformers, since its modules moved (sentence_transformers/sentence_transformer/modules/), writes each
    /// module's full class path in modules.json; such a folder was refused as running modules BertGen does not run, though
    /// they are the encoder, its pooling and a normalisation. A Dense module by that naming is still refused.
    /// </summary>
    [Fact]
    public void Modules_json_with_full_class_paths_runs()
    {
        string directory = _folder.Scratch("modules-full-paths-" + Guid.NewGuid().ToString("N"));
        HuggingFaceFolder.CopyWithConfig(_folder.Directory, directory, c => c);
        string modules = Path.Combine(directory, "modules.json");
        File.WriteAllText(modules, """
            [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.base.modules.transformer.Transformer"},
             {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling"},
             {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.sentence_transformer.modules.normalize.Normalize"}]
            """);
        Directory.CreateDirectory(Path.Combine(directory, "1_Pooling"));
        File.WriteAllText(Path.Combine(directory, "1_Pooling", "config.json"), """{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}""");

        Assert.Equal(BertGen.Runtime.Inference.PoolingMode.Cls, ModelFolder.Open(directory).Pooling);

        File.WriteAllText(modules, """
            [{"path": "", "type": "sentence_transformers.base.modules.transformer.Transformer"},
             {"path": "1_Pooling", "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling"},
             {"path": "2_Dense", "type": "sentence_transformers.sentence_transformer.modules.dense.Dense"}]
            """);
        Assert.Equal(
            $"bertgen: error: '{modules}' has a module 'sentence_transformers.sentence_transformer.modules.dense.Dense' ('2_Dense') BertGen does not run: it runs the encoder, mean or [CLS] pooling and a normalisation only",
            Cli.Run("embed", "--model-dir", directory, "x").AssertOneLineError(1));
    }

    /// <summary>
    /// A folder where a file belongs was taken for no file (a tokenizer.json folder fell back to vocab.txt, a pooling
    /// config folder to the default pooling, without a word); a hub snapshot copied without cp -L holds links to blobs
    /// that are not there, which failed as "file '…/config.json' not found" beside an ls that lists it.
    /// </summary>
    [Fact]
    public void A_folder_or_a_broken_link_where_a_file_belongs_is_named()
    {
        string directory = _folder.Scratch("folders-for-files");
        HuggingFaceFolder.CopyWithConfig(_folder.Directory, directory, c => c);
        string tokenizer = Path.Combine(directory, "tokenizer.json");
        File.Delete(tokenizer);
        Directory.CreateDirectory(tokenizer);
        Assert.Equal($"bertgen: error: tokenizer file '{tokenizer}' is a folder, not a file", Cli.Run("embed", "--model-dir", directory, "x").AssertOneLineError(1));

        Directory.Delete(tokenizer);
        string pooling = Path.Combine(directory, "1_Pooling", "config.json");
        Directory.CreateDirectory(pooling);
        Assert.Equal($"bertgen: error: pooling settings file '{pooling}' is a folder, not a file", Cli.Run("embed", "--model-dir", directory, "x").AssertOneLineError(1));

        string copied = _folder.Scratch("snapshot-copied-without-dereferencing");
        Directory.CreateDirectory(copied);
        File.CreateSymbolicLink(Path.Combine(copied, "config.json"), "../../blobs/4e9c2a");
        Assert.Equal($"bertgen: error: config file '{Path.Combine(copied, "config.json")}' is a symbolic link to '../../blobs/4e9c2a', which does not exist",
            Cli.Run("spec", copied).AssertOneLineError(1));

        string file = Path.Combine(_folder.Directory, "config.json");
        Assert.Equal($"bertgen: error: model folder '{file}' is a file, not a folder", Cli.Run("embed", "--model-dir", file, "x").AssertOneLineError(1));
    }

    [Fact]
    public void Missing_files_are_one_line_errors()
    {
        string directory = _folder.Scratch("empty");
        Directory.CreateDirectory(directory);
        Assert.Equal($"bertgen: error: model folder '{directory}' has no config.json", Cli.Run("embed", "--model-dir", directory, "x").AssertOneLineError(1));
        Assert.Contains("does not go with --model", Cli.Run("embed", "--model", "minilm", "--model-dir", directory, "x").AssertOneLineError(2), StringComparison.Ordinal);
    }

    /// <summary>
    /// A checkpoint's AdamW moments copied into a folder as its model.safetensors (they have the model's tensor names and
    /// shapes) were loaded and embedded: exit 0 and a vector of noise. --weights and --checkpoint refused them already.
    /// </summary>
    [Fact]
    public void A_checkpoints_optimizer_state_as_the_folders_weights_is_one_line()
    {
        string directory = _folder.Scratch("moments-as-weights");
        HuggingFaceFolder.CopyWithConfig(_folder.Directory, directory, c => c);
        string weights = Path.Combine(directory, "model.safetensors");
        File.Delete(weights);
        using (var model = new MiniLmL6())
        {
            ParameterLoader.LoadSafetensors(Path.Combine(_folder.Directory, "model.safetensors"), MiniLmL6.ParameterTable, model.Parameters.AsSpan());
            ParameterSaver.SaveSafetensors(weights, MiniLmL6.ParameterTable, model.Parameters.AsSpan(),
                new Dictionary<string, string> { [CheckpointStore.OptimizerStateKey] = "exp_avg_sq" });
        }

        Assert.Equal($"bertgen: error: model folder '{directory}': its model.safetensors is a checkpoint's optimizer state (AdamW's second moments), not its weights; put the checkpoint's model.safetensors there",
            Cli.Run("embed", "--model-dir", directory, "x").AssertOneLineError(1));
    }

    /// <summary>
    /// A spec is the architecture: config.json is all it needs. spec refused a folder without model.safetensors (and a
    /// tokenizer) though it never read them, so a user with only a config could not write one.
    /// </summary>
    [Fact]
    public void Spec_needs_only_config_json()
    {
        string directory = _folder.Scratch("config-only");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), HuggingFaceFolder.MiniLmConfig);
        string output = _folder.Scratch("config-only.bert.json");

        CliResult result = Cli.Run("spec", directory, "--output", output);

        Assert.True(result.ExitCode == 0, result.Error);
        using JsonDocument spec = JsonDocument.Parse(File.ReadAllText(output));
        JsonElement bertgen = spec.RootElement.GetProperty("bertgen");
        Assert.Equal("ConfigOnly", bertgen.GetProperty("type_name").GetString());

        // Without sentence-transformers' max_seq_length (256) the limit is the position table's 512.
        Assert.Equal(["1x16", "1x32", "1x64", "1x128", "8x128", "1x256", "1x512"],
            bertgen.GetProperty("shapes").EnumerateArray().Select(s => $"{s.GetProperty("batch").GetInt32()}x{s.GetProperty("sequence").GetInt32()}"));
        Assert.Empty(CompiledModelMatch.Differences(HuggingFaceConfig.Load(output), MiniLmL6.Descriptor));
    }

    [Fact]
    public void Spec_of_a_folder_without_config_json_is_one_line()
    {
        string directory = _folder.Scratch("weights-only");
        HuggingFaceFolder.CopyWithConfig(_folder.Directory, directory, c => c);
        File.Delete(Path.Combine(directory, "config.json"));

        Assert.Equal($"bertgen: error: model folder '{directory}' has no config.json",
            Cli.Run("spec", directory).AssertOneLineError(1));
        string missing = _folder.Scratch("not-there");
        Assert.Equal($"bertgen: error: model folder '{missing}' does not exist", Cli.Run("spec", missing).AssertOneLineError(1));

        // An unset shell variable ('bertgen spec "$MODEL"') was "internal error (ArgumentException)".
        Assert.Equal("bertgen: error: model folder '' does not exist", Cli.Run("spec", "").AssertOneLineError(1));
    }

    [Fact]
    public void Spec_refuses_to_replace_a_read_only_file()
    {
        string kept = _folder.Scratch("kept.bert.json");
        File.WriteAllText(kept, "keep me");
        File.SetAttributes(kept, FileAttributes.ReadOnly);

        Assert.EndsWith($"cannot write '{kept}': the file there is read-only; make it writable to replace it, or choose another file",
            Cli.Run("spec", _folder.Directory, "--output", kept).AssertOneLineError(1), StringComparison.Ordinal);
        Assert.Equal("keep me", File.ReadAllText(kept));
    }

    /// <summary>
    /// spec -o wrote the target in place (File.WriteAllText), so a full disk or a kill left half a spec. It now renames a
    /// whole temporary file over the target, as quantize does: seen from outside as a link at the target being replaced
    /// (an in-place write goes through the link into the file it points to) and no temporary file left beside it.
    /// </summary>
    [Fact]
    public void Spec_replaces_its_output_whole_through_a_rename()
    {
        string folder = _folder.Scratch("renamed");
        Directory.CreateDirectory(folder);
        string other = Path.Combine(folder, "other.bert.json");
        File.WriteAllText(other, "left alone");
        string output = Path.Combine(folder, "linked.bert.json");
        File.CreateSymbolicLink(output, other);

        CliResult result = Cli.Run("spec", _folder.Directory, "--output", output);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("left alone", File.ReadAllText(other));
        Assert.Null(new FileInfo(output).LinkTarget);
        using JsonDocument spec = JsonDocument.Parse(File.ReadAllText(output));
        Assert.True(spec.RootElement.TryGetProperty("bertgen", out _));
        Assert.Equal(["linked.bert.json", "other.bert.json"], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Spec_writes_the_config_with_a_bertgen_section_that_describes_the_compiled_minilm()
    {
        string output = _folder.Scratch("all-minilm-l6-v2.bert.json");
        CliResult result = Cli.Run("spec", _folder.Directory, "--output", output);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(output, result.Output.Trim());
        using JsonDocument spec = JsonDocument.Parse(File.ReadAllText(output));
        using JsonDocument config = JsonDocument.Parse(HuggingFaceFolder.MiniLmConfig);
        foreach (JsonProperty field in config.RootElement.EnumerateObject())
        {
            Assert.True(JsonElement.DeepEquals(field.Value, spec.RootElement.GetProperty(field.Name)), field.Name);
        }

        JsonElement bertgen = spec.RootElement.GetProperty("bertgen");
        Assert.Equal("AllMiniLML6V2", bertgen.GetProperty("type_name").GetString());
        Assert.Equal("BertGen.Models", bertgen.GetProperty("namespace").GetString());
        Assert.Equal(["1x16", "1x32", "1x64", "1x128", "8x128", "1x256"],
            bertgen.GetProperty("shapes").EnumerateArray().Select(s => $"{s.GetProperty("batch").GetInt32()}x{s.GetProperty("sequence").GetInt32()}"));
        Assert.Equal(0, bertgen.GetProperty("heads").GetArrayLength());
        Assert.False(bertgen.GetProperty("training").GetBoolean());

        // The spec is all-MiniLM-L6-v2's architecture: the compiled minilm-l6 matches it field for field.
        Assert.Empty(CompiledModelMatch.Differences(HuggingFaceConfig.Load(output), MiniLmL6.Descriptor));
    }
}
