using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
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
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new CliFailureException($"'{path}' is not valid JSON: {e.Message}");
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

            // transformers builds a decoder's causal mask from is_decoder: run bidirectionally, its answers would be wrong.
            if (root.TryGetProperty("is_decoder", out JsonElement decoder) && decoder.ValueKind == JsonValueKind.True)
            {
                throw new CliFailureException($"'{path}' has is_decoder true (causal attention); BertGen compiles BERT's bidirectional encoder only");
            }

            string architecture = FirstArchitecture(root, path);
            if (!HeadOfArchitecture.TryGetValue(architecture, out string? head))
            {
                throw new CliFailureException($"'{path}' is a {architecture}; BertGen knows {string.Join(", ", HeadOfArchitecture.Keys)}");
            }

            return new HuggingFaceConfig(
                path,
                Number(root, "vocab_size", null, path),
                Number(root, "hidden_size", null, path),
                Number(root, "num_hidden_layers", null, path),
                Number(root, "num_attention_heads", null, path),
                Number(root, "intermediate_size", null, path),
                Text(root, "hidden_act", "gelu", path),
                Number(root, "max_position_embeddings", 512, path),
                Number(root, "type_vocab_size", 2, path),
                Epsilon(root, path),
                architecture,
                head is null ? [] : [head],
                ReadLabels(root, path),
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

    /// <summary><c>layer_norm_eps</c>: a positive number, <c>BertConfig</c>'s 1e-12 when absent (never when mistyped: it would match another model).</summary>
    private static double Epsilon(JsonElement root, string path)
    {
        if (!root.TryGetProperty("layer_norm_eps", out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return 1e-12;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double epsilon) && double.IsFinite(epsilon) && epsilon > 0
            ? epsilon
            : throw new CliFailureException($"'{path}': \"layer_norm_eps\" must be a positive number, not {value.GetRawText()}");
    }

    /// <summary>id2label's names in index order; <c>num_labels</c> (default 2) <c>LABEL_i</c> names without it.</summary>
    private static IReadOnlyList<string> ReadLabels(JsonElement root, string path)
    {
        if (root.TryGetProperty("id2label", out JsonElement map) && map.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty entry in map.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String)
                {
                    throw new CliFailureException($"'{path}': id2label must map \"0\" … to label names, not {MessageText.Quote(entry.Name)} to {entry.Value.GetRawText()}");
                }
            }

            var labels = map.EnumerateObject()
                .Select(p => (Index: int.TryParse(p.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int i) ? i : -1, Name: p.Value.GetString()!))
                .OrderBy(p => p.Index)
                .ToList();
            if (labels.Where((l, i) => l.Index != i).Any())
            {
                throw new CliFailureException($"'{path}': id2label must map \"0\" … \"{labels.Count - 1}\" to names");
            }

            return labels.Select(l => l.Name).ToArray();
        }

        int count = Number(root, "num_labels", 2, path);
        if (count > MaxLabels)
        {
            // Each label becomes a name held in memory: two billion of them never finished.
            throw new CliFailureException(string.Create(CultureInfo.InvariantCulture, $"'{path}': \"num_labels\" {count} is more than {MaxLabels:N0} labels"));
        }

        return Enumerable.Range(0, count).Select(i => $"LABEL_{i}").ToArray();
    }

    /// <summary>
    /// The most labels a config may name without id2label: far beyond any classifier's, and small enough that their
    /// names cost nothing to hold.
    /// </summary>
    private const int MaxLabels = 1_000_000;

    private static int Number(JsonElement root, string name, int? fallback, string path)
    {
        if (!root.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return fallback ?? throw new CliFailureException($"'{path}' has no \"{name}\"");
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number) && number > 0
            ? number
            : throw new CliFailureException($"'{path}': \"{name}\" must be a positive integer, not {value.GetRawText()}");
    }

    private static string Text(JsonElement root, string name, string fallback, string path)
    {
        if (!root.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new CliFailureException($"'{path}': \"{name}\" must be a string, not {value.GetRawText()}");
    }
}
