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
    public static void SaveSafetensors(string path, IReadOnlyList<ParameterInfo> table, ReadOnlySpan<float> buffer)
    {
        ArgumentNullException.ThrowIfNull(table);
        var entries = new List<SafetensorsEntry>(table.Count);
        foreach (ParameterInfo parameter in table)
        {
            entries.Add(new SafetensorsEntry(parameter.Name, parameter.Shape, parameter.Offset));
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };
        SafetensorsWriter.Write(path, entries, buffer, metadata);
    }
}
