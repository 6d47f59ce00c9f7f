using System;
using System.Collections.Generic;

namespace BertGen.Runtime.Weights;

/// <summary>
/// Saves a generated model's parameter buffer as a HuggingFace-compatible safetensors checkpoint: F32
/// tensors under the table's HuggingFace names, <c>__metadata__</c> <c>{"format": "pt"}</c> (what
/// <c>transformers</c> checks before loading); a tied MLM decoder weight is not in the table, so it is not stored, as in HuggingFace files.
/// </summary>
public static class ParameterSaver
{
    /// <summary>Writes <paramref name="buffer"/> laid out by <paramref name="table"/> to <paramref name="path"/>, atomically.</summary>
    /// <param name="path">The file written.</param>
    /// <param name="table">Each tensor's name, shape and offset.</param>
    /// <param name="buffer">The parameters.</param>
    /// <param name="metadata">More <c>__metadata__</c> entries beside <c>format</c> (a classifier's label names, say).</param>
    public static void SaveSafetensors(string path, IReadOnlyList<ParameterInfo> table, ReadOnlySpan<float> buffer, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        var entries = new List<SafetensorsEntry>(table.Count);
        foreach (ParameterInfo parameter in table)
        {
            entries.Add(new SafetensorsEntry(parameter.Name, parameter.Shape, parameter.Offset));
        }

        var header = new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };
        foreach (KeyValuePair<string, string> item in metadata ?? new Dictionary<string, string>())
        {
            if (!header.TryAdd(item.Key, item.Value))
            {
                throw new WeightFileException($"metadata '{item.Key}' is written by the saver itself");
            }
        }

        SafetensorsWriter.Write(path, entries, buffer, header);
    }
}
