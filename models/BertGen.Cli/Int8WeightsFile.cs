using System;
using System.IO;
using System.Linq;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Weights;

namespace BertGen.Cli;

/// <summary>
/// An int8 weights file, as <c>bertgen quantize</c> writes it (<see cref="ParameterSaver.SaveInt8(IBertModel, string)"/>): a safetensors file whose
/// linear weights are I8 with per-row scales. Commands that take weights recognise it and load it into the int8 kernels
/// directly (it implies <c>--precision int8</c>); with <c>--precision fp32</c> they refuse it, since its fp32 weights are gone.
/// </summary>
internal static class Int8WeightsFile
{
    /// <summary>Whether <paramref name="path"/> is one: its metadata says how it was quantised, or it holds I8 tensors.</summary>
    public static bool Is(string path)
    {
        if (!Path.GetExtension(path).Equals(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        try
        {
            using SafetensorsReader reader = SafetensorsReader.Open(path);
            return reader.Metadata.ContainsKey(QuantizedWeightsFile.QuantizationMetadataKey)
                || reader.Tensors.Any(t => t.DataType == WeightDataType.Int8);
        }
        catch (WeightFileException e)
        {
            throw WeightsFileErrors.Named(e, "weights file", path);
        }
    }

    /// <summary>The refusal when an int8 file meets <c>--precision fp32</c>.</summary>
    public static CliUsageException NeedsInt8(string path) => new($"weights file '{path}' holds int8 weights: it runs in int8 only, not with --precision fp32");
}
