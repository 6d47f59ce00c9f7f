using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using BertGen.Generator.Model;
using BertGen.Runtime;

namespace BertGen.Cli.HuggingFace;

/// <summary>
/// The architecture a HuggingFace <c>config.json</c> describes, with <c>BertConfig</c>'s defaults for absent fields, and
/// the task head its <c>architectures</c> entry implies. The file's own JSON is kept for <c>bertgen spec</c>.
/// </summary>
internal sealed record HuggingFaceConfig(
    string Path,
    int VocabSize,
    int HiddenSize,
    int Layers,
    int AttentionHeads,
    int IntermediateSize,
    string Activation,
    int MaxPositions,
    int TypeVocabSize,
    double LayerNormEpsilon,
    string Architecture,
    IReadOnlyList<string> Heads,
    IReadOnlyList<string> Labels,
    string ProblemType,
    bool ProblemTypeGiven,
    string Json)
{
    /// <summary>HuggingFace's task classes and the spec head each one needs (a bare <c>BertModel</c> needs none).</summary>
    public static IReadOnlyDictionary<string, string?> HeadOfArchitecture { get; } = new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        ["BertModel"] = null,
        ["BertForPreTraining"] = "pretraining",
        ["BertForMaskedLM"] = "masked_lm",
        ["BertForSequenceClassification"] = "sequence_classification",
        ["BertForTokenClassification"] = "token_classification",
        ["BertForQuestionAnswering"] = "question_answering",
    };

    public static HuggingFaceConfig Load(string path)
    {
        string json = File.ReadAllText(path);
        JsonDocument document;
        try
        {
            // A key given twice is refused, as the generator refuses it in a spec (BG0016): readers disagree on which one counts.
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw new CliFailureException(JsonFileErrors.NotValid(path, e));
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CliFailureException($"'{path}' is not a JSON object");
            }

            string modelType = Text(root, "model_type", "bert", path);
            if (modelType != "bert")
            {
                throw new CliFailureException($"'{path}' describes a '{modelType}' model; BertGen compiles BERT (model_type \"bert\") only");
            }

            string positions = Text(root, "position_embedding_type", "absolute", path);
            if (positions != "absolute")
            {
                throw new CliFailureException($"'{path}' has position_embedding_type '{positions}'; BertGen supports only \"absolute\"");
            }

            // transformers builds a decoder's causal mask from is_decoder (and cross-attention layers from add_cross_attention):
            // run as a bidirectional encoder, its answers would be wrong.
            if (Flag(root, "is_decoder", path))
            {
                throw new CliFailureException($"'{path}' has is_decoder true (causal attention); BertGen compiles BERT's bidirectional encoder only");
            }

            if (Flag(root, "add_cross_attention", path))
            {
                throw new CliFailureException($"'{path}' has add_cross_attention true (a decoder's cross-attention); BertGen compiles BERT's encoder only");
            }

            string architecture = FirstArchitecture(root, path);
            if (!HeadOfArchitecture.TryGetValue(architecture, out string? head))
            {
                throw new CliFailureException($"'{path}' is a {architecture}; BertGen knows {string.Join(", ", HeadOfArchitecture.Keys)}");
            }

            // A masked-LM head decodes with a matrix of its own when tie_word_embeddings is false; BertGen's decoder is the word
            // embeddings (the generator refuses the spec, BG0008).
            if (!Flag(root, "tie_word_embeddings", path, fallback: true) && head is not null && BertGen.Generator.Model.Heads.FromSpecName(head) is { PredictsMaskedTokens: true })
            {
                throw new CliFailureException($"'{path}' has tie_word_embeddings false (a masked-LM decoder of its own); BertGen's masked-LM decoder is the word embeddings");
            }

            // Sizes within the generator's bounds (SpecLimits): past one, no spec of this model compiles, and what is derived
            // from them (a spec's shapes up to max_position_embeddings, the label names) would be unbounded work.
            int vocab = Number(root, "vocab_size", null, SpecLimits.VocabSize, path);
            int hidden = Number(root, "hidden_size", null, SpecLimits.HiddenSize, path);
            int layers = Number(root, "num_hidden_layers", null, SpecLimits.Layers, path);
            int heads = Number(root, "num_attention_heads", null, SpecLimits.HiddenSize, path);
            int intermediate = Number(root, "intermediate_size", null, SpecLimits.IntermediateSize, path);
            if (hidden % heads != 0)
            {
                throw new CliFailureException($"'{path}': \"hidden_size\" {hidden} is not divisible by \"num_attention_heads\" {heads}");
            }

            IReadOnlyList<string> labels = ReadLabels(root, path);
            return new HuggingFaceConfig(
                path,
                vocab,
                hidden,
                layers,
                heads,
                intermediate,
                ActivationName(root, path),
                Number(root, "max_position_embeddings", 512, SpecLimits.MaxPositions, path),
                Number(root, "type_vocab_size", 2, SpecLimits.TypeVocabSize, path),
                Epsilon(root, path),
                architecture,
                head is null ? [] : [head],
                labels,
                ProblemTypeName(root, labels.Count, path),
                root.TryGetProperty("problem_type", out JsonElement problem) && problem.ValueKind != JsonValueKind.Null,
                json);
        }
    }

    /// <summary>The first of <c>architectures</c> (a list of class names), <c>BertModel</c> without one.</summary>
    private static string FirstArchitecture(JsonElement root, string path)
    {
        if (!root.TryGetProperty("architectures", out JsonElement list) || list.ValueKind == JsonValueKind.Null)
        {
            return "BertModel";
        }

        if (list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(a => a.ValueKind != JsonValueKind.String))
        {
            throw new CliFailureException($"'{path}': \"architectures\" must be a list of class names, not {list.GetRawText()}");
        }

        return list.GetArrayLength() > 0 ? list[0].GetString()! : "BertModel";
    }

    /// <summary>
    /// <c>layer_norm_eps</c>: <c>BertConfig</c>'s 1e-12 when absent (never when mistyped: it would match another model); in
    /// (0, 1) and nonzero as a float, as the generator bakes it in (1e-50 would be an epsilon of 0).
    /// </summary>
    private static double Epsilon(JsonElement root, string path)
    {
        if (!root.TryGetProperty("layer_norm_eps", out JsonElement value))
        {
            return 1e-12;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double epsilon) && epsilon < 1 && (float)epsilon > 0
            ? epsilon
            : throw new CliFailureException($"'{path}': \"layer_norm_eps\" must be a number above 0 (at least 1.4e-45, the smallest float) and below 1, not {value.GetRawText()}");
    }

    /// <summary><c>hidden_act</c>: one of the activations the generator implements (<see cref="Activations"/>), <c>gelu</c> when absent.</summary>
    private static string ActivationName(JsonElement root, string path)
    {
        string name = Text(root, "hidden_act", Activations.Of(BertGen.Generator.Model.Activation.GeluErf).Name, path);
        return Activations.FromSpecName(name) is not null
            ? name
            : throw new CliFailureException($"'{path}': \"hidden_act\" {MessageText.Quote(name)} is not an activation BertGen implements ({Activations.SpecNamesText})");
    }

    /// <summary>
    /// <c>problem_type</c> as the generator reads it (<see cref="ProblemTypes"/>): the name given, else regression for one
    /// label and single-label classification for more. It says how a classifier trains and, with whether it was given
    /// (<see cref="ProblemTypeGiven"/>), how HF's pipeline reads its logits (softmax, a sigmoid per label, the value itself),
    /// so a folder runs only on a compiled classifier of its own kind.
    /// </summary>
    private static string ProblemTypeName(JsonElement root, int labels, string path)
    {
        if (!root.TryGetProperty("problem_type", out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return ProblemTypes.Of(labels == 1 ? BertGen.Generator.Model.ProblemType.Regression : BertGen.Generator.Model.ProblemType.SingleLabelClassification).SpecName;
        }

        return (value.ValueKind == JsonValueKind.String ? ProblemTypes.FromSpecName(value.GetString()!) : null)?.SpecName
            ?? throw new CliFailureException($"'{path}': \"problem_type\" must be null or one of {ProblemTypes.SpecNamesText}, not {value.GetRawText()}");
    }

    /// <summary>
    /// id2label's names in index order, held to the generator's rules (BG0014, BG0004): an object mapping "0" … "N-1" to names
    /// of at most <see cref="SpecLimits.NameLength"/> characters (<see cref="SpecLimits.LabelCharacters"/> in all), as many as
    /// <c>num_labels</c> says when both are given;
    /// <c>num_labels</c> (default 2) <c>LABEL_i</c> names without it.
    /// </summary>
    private static IReadOnlyList<string> ReadLabels(JsonElement root, string path)
    {
        int? declared = root.TryGetProperty("num_labels", out _) ? Number(root, "num_labels", null, SpecLimits.Labels, path) : null;
        if (!root.TryGetProperty("id2label", out JsonElement map))
        {
            return Enumerable.Range(0, declared ?? 2).Select(i => $"LABEL_{i}").ToArray();
        }

        if (map.ValueKind != JsonValueKind.Object)
        {
            throw new CliFailureException($"'{path}': id2label must map \"0\" … to label names, not {map.GetRawText()}");
        }

        var labels = new List<(int Index, string Name)>();
        long characters = 0;
        foreach (JsonProperty entry in map.EnumerateObject())
        {
            if (labels.Count == SpecLimits.Labels)
            {
                throw new CliFailureException(string.Create(CultureInfo.InvariantCulture, $"'{path}': id2label has more than {SpecLimits.Labels:N0} labels"));
            }

            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw new CliFailureException($"'{path}': id2label must map \"0\" … to label names, not {MessageText.Quote(entry.Name)} to {entry.Value.GetRawText()}");
            }

            string name = entry.Value.GetString()!;
            if (name.Length > SpecLimits.NameLength)
            {
                throw new CliFailureException(string.Create(CultureInfo.InvariantCulture,
                    $"'{path}': id2label's label {MessageText.Quote(entry.Name)} has {name.Length:N0} characters, more than the {SpecLimits.NameLength} a label name may have"));
            }

            labels.Add((int.TryParse(entry.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int i) ? i : -1, name));
            characters += name.Length;
            if (characters > SpecLimits.LabelCharacters)
            {
                throw new CliFailureException(string.Create(CultureInfo.InvariantCulture,
                    $"'{path}': id2label's label names have more than the {SpecLimits.LabelCharacters:N0} characters in all a generated model can hold as strings"));
            }
        }

        if (labels.Count == 0)
        {
            throw new CliFailureException($"'{path}': id2label has no labels");
        }

        labels.Sort((a, b) => a.Index.CompareTo(b.Index));
        if (labels.Where((l, i) => l.Index != i).Any())
        {
            throw new CliFailureException($"'{path}': id2label must map \"0\" … \"{labels.Count - 1}\" to names");
        }

        if (declared is int count && count != labels.Count)
        {
            throw new CliFailureException($"'{path}': \"num_labels\" is {count}, but id2label names {labels.Count} label{(labels.Count == 1 ? "" : "s")}");
        }

        return labels.Select(l => l.Name).ToArray();
    }

    /// <summary>
    /// A whole number in [1, <paramref name="max"/>], <paramref name="fallback"/> when absent (required without one). A null
    /// is refused, not read as absent: the generator refuses it too (BG0003), and HF's own config files never write one.
    /// </summary>
    private static int Number(JsonElement root, string name, int? fallback, int max, string path)
    {
        if (!root.TryGetProperty(name, out JsonElement value))
        {
            return fallback ?? throw new CliFailureException($"'{path}' has no \"{name}\"");
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number) && number >= 1 && number <= max
            ? number
            : throw new CliFailureException(string.Create(CultureInfo.InvariantCulture, $"'{path}': \"{name}\" must be a whole number from 1 to {max:N0}, not {value.GetRawText()}"));
    }

    private static string Text(JsonElement root, string name, string fallback, string path)
    {
        if (!root.TryGetProperty(name, out JsonElement value))
        {
            return fallback;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new CliFailureException($"'{path}': \"{name}\" must be a string, not {value.GetRawText()}");
    }

    /// <summary>A true/false field, <paramref name="fallback"/> when absent; anything else ("yes", 1, null) is refused, never read as the fallback.</summary>
    private static bool Flag(JsonElement root, string name, string path, bool fallback = false) =>
        !root.TryGetProperty(name, out JsonElement value) ? fallback
        : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
        : throw new CliFailureException($"'{path}': \"{name}\" must be true or false, not {value.GetRawText()}");
}
