using System;
using System.IO;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using BertGen.Runtime;
using BertGen.Runtime.Inference;
using BertGen.Text;

namespace BertGen.Cli.HuggingFace;

/// <summary>
/// A HuggingFace model folder as <c>save_pretrained</c> or sentence-transformers leave it: <c>config.json</c>,
/// <c>model.safetensors</c>, and <c>tokenizer.json</c> (preferred, as the fast tokenizer sentence-transformers and TEI
/// run) or <c>vocab.txt</c> with <c>tokenizer_config.json</c>'s flags. sentence-transformers' own files, when present,
/// give the pooling (<c>1_Pooling/config.json</c>) and where texts are cut (<c>sentence_bert_config.json</c>).
/// Running a folder needs all of it; writing a spec for one only its architecture (<see cref="ReadArchitecture"/>).
/// </summary>
/// <param name="MaxTokens">sentence-transformers' <c>max_seq_length</c> (the position table when past it), else the tokenizer's <c>model_max_length</c>, else the position table.</param>
internal sealed record ModelFolder(
    string Directory,
    HuggingFaceConfig Config,
    string WeightsPath,
    BertWordPieceTokenizer Tokenizer,
    string TokenizerFile,
    PoolingMode? Pooling,
    int MaxTokens)
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";
    public const string FastTokenizerFile = "tokenizer.json";
    public const string VocabularyFile = "vocab.txt";
    public const string TokenizerSettingsFile = "tokenizer_config.json";
    public const string SpecialTokensMapFile = "special_tokens_map.json";
    public const string ModulesFile = "modules.json";

    /// <summary>The folder's name, used as the model id (<c>all-MiniLM-L6-v2</c>).</summary>
    public string Name => NameOf(Directory);

    /// <summary>
    /// The name of the folder at <paramref name="directory"/> (<c>all-MiniLM-L6-v2</c>); empty for an empty path (an unset
    /// shell variable), which <see cref="Open"/> and <see cref="ReadArchitecture"/> then refuse as a folder that does not exist.
    /// </summary>
    public static string NameOf(string directory) =>
        directory.Length == 0 ? "" : Path.GetFileName(Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar));

    /// <summary>A folder to run: its config, weights and tokenizer, each required.</summary>
    public static ModelFolder Open(string directory, bool preferVocabularyFile = false)
    {
        string config = RequireConfig(directory);
        string weights = Path.Combine(directory, WeightsFile);
        if (!Has(weights, "weights"))
        {
            string hint = File.Exists(Path.Combine(directory, "pytorch_model.bin"))
                ? " (it has pytorch_model.bin, a pickle BertGen does not read: save the model with safe_serialization=True)"
                : "";
            throw new CliFailureException($"model folder '{directory}' has no {WeightsFile}{hint}");
        }

        // A checkpoint's AdamW moments copied in as the weights have the model's names and shapes: they loaded and every
        // answer was noise. Checkpoints mark them in their metadata, as --weights and --checkpoint refuse them.
        if (CheckpointWeights.OptimizerMoments(weights) is string moments)
        {
            throw new CliFailureException(
                $"model folder '{directory}': its {WeightsFile} is a checkpoint's optimizer state (AdamW's {moments} moments), not its weights; put the checkpoint's {WeightsFile} there");
        }

        HuggingFaceConfig parsed = HuggingFaceConfig.Load(config);
        string fast = Path.Combine(directory, FastTokenizerFile);
        string vocabulary = Path.Combine(directory, VocabularyFile);
        bool hasFast = Has(fast, "tokenizer"), hasVocabulary = Has(vocabulary, "vocabulary");
        (BertWordPieceTokenizer tokenizer, string tokenizerFile) = hasFast && !(preferVocabularyFile && hasVocabulary)
            ? (HuggingFaceTokenizerFile.Load(fast), fast)
            : hasVocabulary
                ? (SlowTokenizer(directory, vocabulary), vocabulary)
                : throw new CliFailureException($"model folder '{directory}' has neither {FastTokenizerFile} nor {VocabularyFile}");
        if (tokenizer.Vocabulary.Count != parsed.VocabSize)
        {
            throw new CliFailureException($"'{tokenizerFile}' has {tokenizer.Vocabulary.Count} tokens but {ConfigFile} says vocab_size {parsed.VocabSize}");
        }

        RequireNoLowercasingBeforeTheTokenizer(directory, tokenizer, tokenizerFile);
        RequireBertTokenizerSettings(directory, parsed, tokenizer, tokenizerFile == fast ? fast : null);
        return new ModelFolder(directory, parsed, weights, tokenizer, tokenizerFile, ReadPooling(directory), ReadMaxTokens(directory, parsed));
    }

    /// <summary>
    /// sentence-transformers' <c>do_lower_case</c> lowercases every text (Python's <c>str.lower</c>) before the tokenizer
    /// sees it. Before an uncased tokenizer that changes nothing; before a cased one it does, and BertGen does not do it (the
    /// tokenizer's own lowercasing also strips accents), so such a folder embedded its texts with their case, without a word.
    /// </summary>
    private static void RequireNoLowercasingBeforeTheTokenizer(string directory, BertWordPieceTokenizer tokenizer, string tokenizerFile)
    {
        string path = Path.Combine(directory, "sentence_bert_config.json");
        if (!Has(path, "settings"))
        {
            return;
        }

        using JsonDocument document = ParseJson(path);
        if (Flag(document.RootElement, "do_lower_case", path) == true && !tokenizer.Normalization.Lowercase)
        {
            throw new CliFailureException(
                $"'{path}' has do_lower_case true (sentence-transformers lowercases texts before the tokenizer), but '{tokenizerFile}' keeps case; BertGen does not lowercase texts before a cased tokenizer");
        }
    }

    /// <summary>
    /// What transformers' <c>AutoTokenizer</c> (which sentence-transformers runs) makes of the folder's tokenizer settings,
    /// held to what BertGen tokenizes by. The class is <c>tokenizer_config.json</c>'s <c>tokenizer_class</c>, else
    /// <c>config.json</c>'s, else BERT's: another class (<c>BertJapaneseTokenizer</c>, MeCab then WordPiece) tokenizes
    /// otherwise, and the folder was tokenized as BERT, without a word. Its <c>cls_token</c>, <c>sep_token</c> and
    /// <c>unk_token</c> (from <c>tokenizer_config.json</c>, else <c>special_tokens_map.json</c>) frame and fill every
    /// sequence; BertGen's are <c>[CLS]</c>, <c>[SEP]</c> and <c>[UNK]</c>. And beside a <c>tokenizer.json</c>
    /// (<paramref name="fastTokenizer"/>), BertTokenizerFast replaces its normaliser's lowercasing, accent stripping and CJK
    /// splitting with <c>tokenizer_config.json</c>'s <c>do_lower_case</c>, <c>strip_accents</c> and
    /// <c>tokenize_chinese_chars</c> (true, null, true when left out, or with no such file), where TEI keeps
    /// <c>tokenizer.json</c>'s: a folder whose two files disagree tokenizes one way in sentence-transformers and another in
    /// TEI, and is refused rather than answered as either.
    /// </summary>
    private static void RequireBertTokenizerSettings(string directory, HuggingFaceConfig config, BertWordPieceTokenizer tokenizer, string? fastTokenizer)
    {
        string settings = Path.Combine(directory, TokenizerSettingsFile);
        using JsonDocument? document = Has(settings, "settings") ? ParseJson(settings) : null;
        string map = Path.Combine(directory, SpecialTokensMapFile);
        using JsonDocument? specials = Has(map, "settings") ? ParseJson(map) : null;
        JsonElement? root = document?.RootElement;

        using (JsonDocument configDocument = JsonDocument.Parse(config.Json))
        {
            (JsonElement Value, string Path)? named = Named("tokenizer_class", root, settings, null, map) is { } fromSettings ? fromSettings
                : configDocument.RootElement.TryGetProperty("tokenizer_class", out JsonElement c) && c.ValueKind != JsonValueKind.Null ? (c.Clone(), config.Path)
                : null;
            if (named is (JsonElement value, string path))
            {
                if (value.ValueKind != JsonValueKind.String)
                {
                    throw new CliFailureException($"'{path}': \"tokenizer_class\" must be a class name, not {value.GetRawText()}");
                }

                // PreTrainedTokenizerFast runs tokenizer.json as the file says (as TEI does), with no settings laid over it:
                // what BertGen reads, so nothing below applies to it.
                if (value.GetString() == "PreTrainedTokenizerFast" && fastTokenizer is not null)
                {
                    return;
                }

                if (value.GetString() is not ("BertTokenizer" or "BertTokenizerFast"))
                {
                    throw new CliFailureException(
                        $"'{path}' has tokenizer_class {MessageText.Quote(value.GetString()!)}; BertGen tokenizes as transformers' BertTokenizer only");
                }
            }
        }

        string[] keys = ["cls_token", "sep_token", "unk_token"];
        string[] bert = [BertVocabulary.ClassificationToken, BertVocabulary.SeparatorToken, BertVocabulary.UnknownToken];
        for (int i = 0; i < keys.Length; i++)
        {
            if (Named(keys[i], root, settings, specials?.RootElement, map) is (JsonElement token, string path)
                && SpecialToken(token, special: true, keys[i], path).Content is string content && content != bert[i])
            {
                throw new CliFailureException(
                    $"'{path}' has {keys[i]} {MessageText.Quote(content)}; BertGen's BERT inputs use {bert[i]}");
            }
        }

        if (fastTokenizer is null)
        {
            return;
        }

        (bool? lowercase, bool? strip, bool? chinese) = NormalizationSettings(root, settings);
        BertNormalization transformers = TransformersNormalization(root, settings);
        BertNormalization file = tokenizer.Normalization;
        (string Setting, bool? Given, bool Applied, bool InFile, string Does, string DoesNot)[] flags =
        [
            ("do_lower_case", lowercase, transformers.Lowercase, file.Lowercase, "lowercases", "keeps case"),
            ("strip_accents", strip, transformers.StripAccents, file.StripAccents, "strips accents", "keeps accents"),
            ("tokenize_chinese_chars", chinese, transformers.HandleChineseCharacters, file.HandleChineseCharacters, "splits CJK ideographs", "keeps CJK ideographs in words"),
        ];
        foreach ((string setting, bool? given, bool applied, bool inFile, string does, string doesNot) in flags)
        {
            if (applied != inFile)
            {
                // transformers writes "strip_accents": null itself: a flag written as null is named so, not as left out.
                string written = root is JsonElement w && w.TryGetProperty(setting, out _) ? $"has {setting} null" : $"leaves {setting} out";
                string source = document is null ? $"the folder has no {TokenizerSettingsFile}, so transformers {(applied ? does : doesNot)}"
                    : given is null ? $"'{settings}' {written}{(setting == "strip_accents" ? "" : " (true)")}, so transformers {(applied ? does : doesNot)}"
                    : $"'{settings}' has {setting} {(given.Value ? "true" : "false")}, so transformers {(applied ? does : doesNot)}";
                throw new CliFailureException(
                    $"'{fastTokenizer}' {(inFile ? does : doesNot)} but {source}: sentence-transformers tokenizes by {TokenizerSettingsFile}, TEI by {FastTokenizerFile}; make the two agree");
            }
        }
    }

    /// <summary>
    /// What a spec is written from: <c>config.json</c> and the token limit (<see cref="MaxTokens"/>, from the settings files
    /// when present). The weights and the tokenizer are not read: a spec is the architecture, <c>vocab_size</c> is in the
    /// config, and a user may have only the config (to train from scratch, or before downloading the weights).
    /// </summary>
    public static (HuggingFaceConfig Config, int MaxTokens) ReadArchitecture(string directory)
    {
        HuggingFaceConfig config = HuggingFaceConfig.Load(RequireConfig(directory));
        return (config, ReadMaxTokens(directory, config));
    }

    /// <summary>The path of the folder's <c>config.json</c>, or a one-line error for a missing folder or config.</summary>
    private static string RequireConfig(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            throw new CliFailureException(File.Exists(directory)
                ? $"model folder '{directory}' is a file, not a folder"
                : $"model folder '{directory}' does not exist");
        }

        string config = Path.Combine(directory, ConfigFile);
        if (!Has(config, "config"))
        {
            throw new CliFailureException($"model folder '{directory}' has no {ConfigFile}");
        }

        return config;
    }

    /// <summary>
    /// <c>vocab.txt</c> as transformers' <c>BertTokenizerFast</c> makes it when the folder has no <c>tokenizer.json</c> (it
    /// converts the slow tokenizer, which is what sentence-transformers runs): <c>do_lower_case</c>, <c>strip_accents</c> and
    /// <c>tokenize_chinese_chars</c> from <c>tokenizer_config.json</c> (true, null, true by default), words up to 100
    /// characters, and the added tokens <see cref="SlowTokenizerAddedTokens"/> reads.
    /// </summary>
    private static BertWordPieceTokenizer SlowTokenizer(string directory, string vocabulary)
    {
        string settings = Path.Combine(directory, TokenizerSettingsFile);
        JsonDocument? config = Has(settings, "settings") ? ParseJson(settings) : null;
        string map = Path.Combine(directory, SpecialTokensMapFile);
        using JsonDocument? specials = Has(map, "settings") ? ParseJson(map) : null;
        using (config)
        {
            BertVocabulary words = BertVocabulary.Load(vocabulary);
            List<(AddedToken Token, string Setting, string Path)> added = SlowTokenizerAddedTokens(config?.RootElement, settings, specials?.RootElement, map);
            foreach ((AddedToken token, string setting, string path) in added)
            {
                // transformers would give it a new id past the vocabulary, which the model has no embedding for.
                if (!words.TryGetId(token.Content, out _))
                {
                    throw new CliFailureException($"'{path}': \"{setting}\" is {MessageText.Quote(token.Content)}, which is not in '{vocabulary}' (BertGen reads only added tokens that are vocabulary entries)");
                }
            }

            return BertWordPieceTokenizer.Create(words, TransformersNormalization(config?.RootElement, settings),
                HuggingFaceTokenizerFile.DefaultMaxInputCharsPerWord, [.. added.Select(a => a.Token)]);
        }
    }

    /// <summary>
    /// <c>tokenizer_config.json</c>'s <c>do_lower_case</c>, <c>strip_accents</c> and <c>tokenize_chinese_chars</c> as written
    /// (null when left out, or with no such file).
    /// </summary>
    private static (bool? Lowercase, bool? StripAccents, bool? ChineseCharacters) NormalizationSettings(JsonElement? settings, string path) =>
        settings is JsonElement root
            ? (Flag(root, "do_lower_case", path), Flag(root, "strip_accents", path), Flag(root, "tokenize_chinese_chars", path))
            : (null, null, null);

    /// <summary>
    /// The normalisation transformers' <c>BertTokenizer</c> and <c>BertTokenizerFast</c> take from those settings: true, null
    /// (following lowercasing), true where they are left out.
    /// </summary>
    private static BertNormalization TransformersNormalization(JsonElement? settings, string path)
    {
        (bool? lowercase, bool? strip, bool? chinese) = NormalizationSettings(settings, path);
        return BertNormalization.FromHuggingFace(lowercase ?? true, strip, chinese ?? true, cleanText: true);
    }

    /// <summary>
    /// The tokens transformers' fast tokenizer finds in a text when made from <c>vocab.txt</c>: those
    /// <c>tokenizer_config.json</c>'s <c>added_tokens_decoder</c> lists, with their flags, then the special tokens
    /// (<c>unk_token</c>, <c>sep_token</c>, <c>pad_token</c>, <c>cls_token</c>, <c>mask_token</c>,
    /// <c>additional_special_tokens</c>) not among them, from <c>tokenizer_config.json</c>, else <c>special_tokens_map.json</c>,
    /// else <c>BertTokenizer</c>'s defaults (<c>[UNK]</c>, …). A special token named by a string is matched as written
    /// (special, not normalised, nothing stripped), as transformers adds it.
    /// </summary>
    private static List<(AddedToken Token, string Setting, string Path)> SlowTokenizerAddedTokens(JsonElement? config, string configPath, JsonElement? map, string mapPath)
    {
        var tokens = new List<(AddedToken Token, string Setting, string Path)>();
        if (config is JsonElement root && root.TryGetProperty("added_tokens_decoder", out JsonElement decoder) && decoder.ValueKind != JsonValueKind.Null)
        {
            if (decoder.ValueKind != JsonValueKind.Object)
            {
                throw new CliFailureException($"'{configPath}': \"added_tokens_decoder\" must be an object, not {decoder.GetRawText()}");
            }

            foreach (JsonProperty entry in decoder.EnumerateObject())
            {
                string setting = $"added_tokens_decoder.{entry.Name}";
                tokens.Add((SpecialToken(entry.Value, special: false, setting, configPath), setting, configPath));
            }
        }

        string[] keys = ["unk_token", "sep_token", "pad_token", "cls_token", "mask_token"];
        string[] defaults = [BertVocabulary.UnknownToken, BertVocabulary.SeparatorToken, BertVocabulary.PadToken, BertVocabulary.ClassificationToken, BertVocabulary.MaskToken];
        for (int i = 0; i < keys.Length; i++)
        {
            if (Named(keys[i], config, configPath, map, mapPath) is (JsonElement value, string path))
            {
                AddUnlessListed(SpecialToken(value, special: true, keys[i], path), keys[i], path);
            }
            else
            {
                AddUnlessListed(new AddedToken(defaults[i], Special: true), keys[i], "(BertTokenizer's default)");
            }
        }

        if (Named("additional_special_tokens", config, configPath, map, mapPath) is (JsonElement extra, string extraPath))
        {
            if (extra.ValueKind != JsonValueKind.Array)
            {
                throw new CliFailureException($"'{extraPath}': \"additional_special_tokens\" must be a list, not {extra.GetRawText()}");
            }

            foreach (JsonElement value in extra.EnumerateArray())
            {
                AddUnlessListed(SpecialToken(value, special: true, "additional_special_tokens", extraPath), "additional_special_tokens", extraPath);
            }
        }

        return tokens;

        void AddUnlessListed(AddedToken token, string setting, string path)
        {
            if (!tokens.Any(t => t.Token.Content == token.Content))
            {
                tokens.Add((token, setting, path));
            }
        }
    }

    // A setting from tokenizer_config.json, else from special_tokens_map.json; null when neither has it (or has it null).
    private static (JsonElement Value, string Path)? Named(string key, JsonElement? config, string configPath, JsonElement? map, string mapPath) =>
        config is JsonElement c && c.TryGetProperty(key, out JsonElement v) && v.ValueKind != JsonValueKind.Null ? (v, configPath)
        : map is JsonElement m && m.TryGetProperty(key, out JsonElement w) && w.ValueKind != JsonValueKind.Null ? (w, mapPath)
        : null;

    /// <summary>
    /// A token as transformers saves one: a string (special as <paramref name="special"/> says, not normalised, nothing
    /// stripped), or an object with its <c>content</c> and flags (absent flags take transformers' <c>AddedToken</c> defaults:
    /// <c>normalized</c> is the opposite of <c>special</c>).
    /// </summary>
    private static AddedToken SpecialToken(JsonElement value, bool special, string name, string path)
    {
        if (value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text)
        {
            return new AddedToken(text, special);
        }

        if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty("content", out JsonElement content)
            || content.ValueKind != JsonValueKind.String || content.GetString() is not { Length: > 0 } written)
        {
            throw new CliFailureException($"'{path}': \"{name}\" must be a token (a string, or an object with a \"content\" string), not {value.GetRawText()}");
        }

        bool isSpecial = Flag(value, "special", path) ?? special;
        return new AddedToken(written, isSpecial, Flag(value, "single_word", path) ?? false, Flag(value, "lstrip", path) ?? false,
            Flag(value, "rstrip", path) ?? false, Flag(value, "normalized", path) ?? !isSpecial);
    }

    /// <summary>
    /// sentence-transformers' pooling module, if the folder has one: CLS or mean; anything else is an error. Its folder is
    /// the one <c>modules.json</c> names (<see cref="PoolingFolder"/>).
    /// </summary>
    private static PoolingMode? ReadPooling(string directory)
    {
        (string folder, string? listedIn) = PoolingFolder(directory);
        string path = Path.Combine(directory, folder, "config.json");
        if (!Has(path, "pooling settings"))
        {
            // sentence-transformers cannot load a pooling module it lists without its settings; the default pooling was
            // taken for it without a word, where the missing settings might have said [CLS].
            return listedIn is null
                ? null
                : throw new CliFailureException($"'{listedIn}' lists a pooling module in {MessageText.Quote(folder)}, which has no config.json");
        }

        using JsonDocument document = ParseJson(path);
        PoolingMode pooling = PoolingIn(document.RootElement, path);

        // Without modules.json sentence-transformers loads the folder as a plain transformers model and pools by the mean,
        // never reading 1_Pooling/config.json, where TEI reads it: [CLS] there is one answer in TEI and another in
        // sentence-transformers, and was TEI's without a word.
        return pooling == PoolingMode.Cls && listedIn is null
            ? throw new CliFailureException(
                $"'{path}' pools by [CLS], but the folder has no {ModulesFile}: sentence-transformers then pools by the mean and TEI by [CLS]; add the model's {ModulesFile}")
            : pooling;
    }

    /// <summary>The pooling a sentence-transformers pooling config asks for, if BertGen does it (CLS or mean).</summary>
    private static PoolingMode PoolingIn(JsonElement root, string path)
    {
        // sentence-transformers' Pooling(pooling_mode="cls") overrides every pooling_mode_* flag, its name lowercased first.
        if (root.TryGetProperty("pooling_mode", out JsonElement mode) && mode.ValueKind != JsonValueKind.Null)
        {
            return mode.ValueKind != JsonValueKind.String
                ? throw new CliFailureException($"'{path}': \"pooling_mode\" must be a string, not {mode.GetRawText()}")
                : mode.GetString()!.ToLowerInvariant() switch
                {
                    "cls" => PoolingMode.Cls,
                    "mean" => PoolingMode.Mean,
                    _ => throw new CliFailureException($"'{path}' asks for a pooling BertGen does not do ({MessageText.Quote(mode.GetString()!)}; it pools by the mean of the tokens or by [CLS])"),
                };
        }

        // Every mode set true is computed and the vectors concatenated: CLS and mean together are a vector twice the
        // hidden size, and reading the first flag alone answered with half of it, without a word. The file's keys are
        // Pooling's keyword arguments, so a flag it leaves out takes the constructor's default: true for the mean of the
        // tokens, false for every other (a file of {"pooling_mode_cls_token": true} alone is CLS and mean, concatenated).
        const string Mean = "pooling_mode_mean_tokens";
        bool meanLeftOut = !root.TryGetProperty(Mean, out _);
        string[] modes = root.EnumerateObject()
            .Where(p => p.Name.StartsWith("pooling_mode_", StringComparison.Ordinal) && Flag(root, p.Name, path) == true)
            .Select(p => p.Name)
            .Concat(meanLeftOut ? [Mean] : [])
            .ToArray();
        return modes switch
        {
            ["pooling_mode_cls_token"] => PoolingMode.Cls,
            [Mean] => PoolingMode.Mean,
            { Length: > 1 } => throw new CliFailureException(
                $"'{path}' concatenates {modes.Length} poolings ({string.Join(", ", modes)}{(meanLeftOut ? $": {Mean} is left out, which sentence-transformers reads as true" : "")}); BertGen pools by one, the mean of the tokens or [CLS]"),
            _ => throw new CliFailureException($"'{path}' asks for a pooling BertGen does not do (it pools by the mean of the tokens or by [CLS])"),
        };
    }

    /// <summary>
    /// The folder of the pooling module, and the <c>modules.json</c> that lists it: the one sentence-transformers' module list
    /// names, else <c>1_Pooling</c> (listed nowhere).
    /// sentence-transformers runs every module the list names, in order; BertGen runs the encoder, the pooling and a
    /// normalisation, so a list with any other module (a <c>Dense</c> projection after the pooling, a <c>LayerNorm</c>) is
    /// refused: its vectors would be the pooled encoder's alone, of another size and meaning, with no word said.
    /// </summary>
    private static (string Folder, string? ListedIn) PoolingFolder(string directory)
    {
        const string Modules = "modules.json", Package = "sentence_transformers.models.";
        string path = Path.Combine(directory, Modules);
        if (!Has(path, "module list"))
        {
            return ("1_Pooling", null);
        }

        using JsonDocument document = ParseJson(path, JsonValueKind.Array);
        string? pooling = null;
        foreach (JsonElement module in document.RootElement.EnumerateArray())
        {
            string? type = module.ValueKind == JsonValueKind.Object && module.TryGetProperty("type", out JsonElement t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            string? folder = module.ValueKind == JsonValueKind.Object && module.TryGetProperty("path", out JsonElement p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            if (type is null || folder is null)
            {
                throw new CliFailureException($"'{path}': every module must be an object with a \"type\" and a \"path\", not {MessageText.Quote(module.GetRawText())}");
            }

            // Read by class name: sentence-transformers since its modules moved writes the class's full path
            // (sentence_transformers.sentence_transformer.modules.pooling.Pooling), before it the package's
            // (sentence_transformers.models.Pooling), and it loads either.
            string? className = type.StartsWith("sentence_transformers.", StringComparison.Ordinal) ? type[(type.LastIndexOf('.') + 1)..] : null;
            switch (className)
            {
                case "Transformer" when folder.Length == 0:
                case "Normalize":
                    break;
                case "Transformer":
                    throw new CliFailureException($"'{path}' keeps the encoder in {MessageText.Quote(folder)}, not in the folder itself; BertGen reads config.json and the weights beside modules.json");
                case "Pooling" when pooling is null:
                    pooling = folder;
                    break;
                default:
                    throw new CliFailureException($"'{path}' has a module {MessageText.Quote(type)} ({MessageText.Quote(folder)}) BertGen does not run: it runs the encoder, mean or [CLS] pooling and a normalisation only");
            }
        }

        return (pooling ?? throw new CliFailureException($"'{path}' lists no {Package}Pooling module: its model gives no sentence embedding"), path);
    }

    private static int ReadMaxTokens(string directory, HuggingFaceConfig config)
    {
        foreach ((string file, string field) in new[] { ("sentence_bert_config.json", "max_seq_length"), ("tokenizer_config.json", "model_max_length") })
        {
            string path = Path.Combine(directory, file);
            if (Has(path, "settings"))
            {
                using JsonDocument document = ParseJson(path);
                if (!document.RootElement.TryGetProperty(field, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }

                // A limit that leaves no room for a WordPiece beside [CLS] and [SEP], or is no number, would cut every text to nothing.
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double limit) || limit != Math.Floor(limit) || limit < 3)
                {
                    throw new CliFailureException($"'{path}': \"{field}\" must be a whole number of tokens, at least 3, not {value.GetRawText()}");
                }

                // Past the position table, the table: sentence-transformers cuts at max_seq_length as given (and fails on a text
                // longer than the table), so one past it never falls back to model_max_length, which it does not read then; and
                // without max_seq_length it cuts at the lesser of model_max_length (1e30 when the tokenizer has no limit of its
                // own) and the table.
                return (int)Math.Min(limit, config.MaxPositions);
            }
        }

        return config.MaxPositions;
    }

    /// <summary>A true/false setting, null when absent; anything else ("no", 0) is refused, never read as the default.</summary>
    private static bool? Flag(JsonElement root, string name, string path) =>
        !root.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
        : throw new CliFailureException($"'{path}': \"{name}\" must be true or false, not {value.GetRawText()}");

    /// <summary>
    /// Whether the folder holds <paramref name="path"/>: false when nothing is there. A folder in its place, or a link that
    /// leads nowhere (a hub snapshot copied without <c>cp -L</c>), is a one-line error naming it, not an absent file: a
    /// <c>tokenizer.json</c> folder fell back to <c>vocab.txt</c>, and a <c>1_Pooling/config.json</c> one to the default
    /// pooling, without a word.
    /// </summary>
    private static bool Has(string path, string what)
    {
        if (!File.Exists(path) && !System.IO.Directory.Exists(path))
        {
            return false;
        }

        return InputFiles.Problem(path, what) is string problem ? throw new CliFailureException(problem) : true;
    }

    /// <summary>A settings file's JSON object (or array), or a one-line error (its fields were read off an array or a number as a crash).</summary>
    private static JsonDocument ParseJson(string path, JsonValueKind kind = JsonValueKind.Object)
    {
        // JsonDocument checks UTF-8 only when a string is read: a bad byte in a key was an internal error, not this line.
        byte[] bytes = File.ReadAllBytes(path);
        if (JsonFileErrors.InvalidUtf8(path, bytes) is string invalid)
        {
            throw new CliFailureException(invalid);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw new CliFailureException(JsonFileErrors.NotValid(path, e));
        }

        if (document.RootElement.ValueKind != kind)
        {
            document.Dispose();
            throw new CliFailureException($"'{path}' is not a JSON {(kind == JsonValueKind.Object ? "object" : "array")}");
        }

        return document;
    }
}
