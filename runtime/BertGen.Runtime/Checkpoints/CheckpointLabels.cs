using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Linq;
using System.Text.Json;
using BertGen.Runtime.Weights;

namespace BertGen.Runtime.Checkpoints;

/// <summary>
/// The label names a classifier was trained with, kept in its weights file's <c>__metadata__</c> as HuggingFace's
/// <c>config.json</c> spells them (<c>id2label</c>: <c>{"0": "neg", "1": "pos"}</c>), so whoever loads the weights
/// names the classes as the training run did, not as the spec's defaults do.
/// </summary>
internal static class CheckpointLabels
{
    /// <summary>The <c>__metadata__</c> key.</summary>
    public const string MetadataKey = "id2label";

    /// <summary>
    /// Why <paramref name="labels"/> cannot name a classifier's classes (a name empty or given twice: answers could not
    /// tell those classes apart, and a checkpoint's reader refuses them), or null when they can. No names at all are a
    /// problem when <paramref name="noneIsAProblem"/> (a caller that counts them against the model's outputs says so itself).
    /// </summary>
    public static string? NamingProblem(IReadOnlyList<string?> labels, bool noneIsAProblem)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return (noneIsAProblem && labels.Count == 0) || labels.Any(name => string.IsNullOrEmpty(name) || !seen.Add(name))
            ? $"label names must be distinct and non-empty; got [{string.Join(", ", labels.Select(n => MessageText.Quote(n ?? "")))}]"
            : null;
    }

    /// <summary>The metadata entry for <paramref name="labels"/> (index = class id), for <see cref="CheckpointStore.ModelMetadata"/>.</summary>
    public static IReadOnlyDictionary<string, string> ToMetadata(IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var json = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            for (int i = 0; i < labels.Count; i++)
            {
                writer.WriteString(i.ToString(CultureInfo.InvariantCulture), labels[i]);
            }

            writer.WriteEndObject();
        }

        return new Dictionary<string, string>(StringComparer.Ordinal) { [MetadataKey] = Encoding.UTF8.GetString(json.WrittenSpan) };
    }

    /// <summary>The labels recorded in the safetensors file at <paramref name="path"/>, or null when it records none.</summary>
    /// <exception cref="WeightFileException">The file is not a safetensors file, or its <c>id2label</c> is malformed.</exception>
    public static IReadOnlyList<string>? Read(string path)
    {
        using SafetensorsReader reader = SafetensorsReader.Open(path);
        return FromMetadata(reader.Metadata, path);
    }

    /// <summary>The labels in <paramref name="metadata"/>, or null when it has no <see cref="MetadataKey"/>.</summary>
    /// <exception cref="WeightFileException">The entry is not an object of ids 0 … n − 1 to distinct, non-empty names.</exception>
    public static IReadOnlyList<string>? FromMetadata(IReadOnlyDictionary<string, string> metadata, string path)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (!metadata.TryGetValue(MetadataKey, out string? text))
        {
            return null;
        }

        var byId = new SortedDictionary<int, string>();
        try
        {
            using JsonDocument document = JsonDocument.Parse(text);
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (!int.TryParse(property.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int id) || property.Value.ValueKind != JsonValueKind.String
                    || !byId.TryAdd(id, property.Value.GetString()!))
                {
                    throw new WeightFileException($"'{path}' has a malformed {MetadataKey} entry '{property.Name}'");
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new WeightFileException($"'{path}' has a {MetadataKey} that is not a JSON object: {JsonErrorText.Describe(e)}", e);
        }

        // An empty id2label named no class, and a program's `ReadLabelNames(path) ?? MyClassifier.Labels` took it over the spec's.
        if (byId.Count == 0)
        {
            throw new WeightFileException($"'{path}' has a {MetadataKey} that names no class");
        }

        var labels = new List<string>(byId.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach ((int id, string name) in byId)
        {
            if (id != labels.Count || name.Length == 0 || !seen.Add(name))
            {
                throw new WeightFileException($"'{path}' has a {MetadataKey} that does not name classes 0 … {byId.Count - 1} once each with distinct names");
            }

            labels.Add(name);
        }

        return labels;
    }
}
