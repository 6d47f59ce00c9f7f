using System;
using System.Collections.Generic;
using System.Threading;
using BertGen.Runtime.Inference;

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

    /// <summary>
    /// Writes <paramref name="model"/>'s parameters as an int8 weights file, atomically: the linear weights its int8
    /// forward reads quantised (<c>…weight</c> I8 <c>[out, in]</c> and <c>…weight_scale</c> F32 <c>[out, 1]</c>, symmetric
    /// per output channel), everything else F32 under its HF name. <see cref="ParameterLoader.LoadInt8"/> reads it back;
    /// the int8 forward from it equals the one quantised from the fp32 weights bit for bit.
    /// </summary>
    /// <exception cref="NotSupportedException">The model's spec compiled no int8 forward.</exception>
    public static void SaveInt8(IBertModel model, string path) => SaveInt8(model, path, CancellationToken.None);

    /// <summary>As <see cref="SaveInt8(IBertModel, string)"/>; cancelled, it leaves no file behind (<c>bertgen quantize</c> on Ctrl-C).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the file was complete.</exception>
    internal static void SaveInt8(IBertModel model, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        CompilerServices.IInt8Model int8 = ParameterLoader.Int8Of(model);
        QuantizedWeightsFile.Save(path, model.ParameterTable, model.Parameters.AsSpan(), [.. int8.Int8WeightNames], cancellationToken);
    }
}
