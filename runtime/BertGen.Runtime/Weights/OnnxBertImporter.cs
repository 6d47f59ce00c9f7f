using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace BertGen.Runtime.Weights;

/// <summary>
/// Recovers HuggingFace-named BERT weights from an ONNX export of a HuggingFace model (with or without the
/// <c>bert.</c> prefix, any head). <c>torch.onnx</c> keeps the names of embeddings, biases and LayerNorm
/// parameters, but a linear layer applied to a 3-D activation becomes <c>MatMul(x, Wᵀ)</c> with
/// <c>Wᵀ</c> stored as a fresh anonymous initializer <c>[in, out]</c>. Each such weight is named after the
/// bias its MatMul's result is added to (<c>….query.bias</c> ⇒ <c>….query.weight</c>) and transposed back to
/// <c>[out, in]</c>. Linear layers on 2-D activations (pooler, classifiers) become <c>Gemm</c>, which keeps
/// the named weight; <c>transB</c> says its layout.
/// </summary>
internal static partial class OnnxBertImporter
{
    /// <summary>Reads <paramref name="path"/> and imports its weights.</summary>
    public static IReadOnlyList<WeightTensor> ImportFile(string path) => Import(OnnxReader.ReadFile(path));

    /// <summary>
    /// The model's parameters under HuggingFace names, in HuggingFace layout, in initializer order. Graph
    /// constants (anonymous scalars and integer shapes) are left out. Throws <see cref="WeightFileException"/>
    /// naming an anonymous weight that cannot be mapped, or two initializers that map to the same name.
    /// </summary>
    public static IReadOnlyList<WeightTensor> Import(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var initializers = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
        foreach (OnnxTensor tensor in model.Initializers)
        {
            initializers[tensor.Name] = tensor;
        }

        var consumers = new Dictionary<string, List<(OnnxNode Node, int Index)>>(StringComparer.Ordinal);
        foreach (OnnxNode node in model.Nodes)
        {
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                if (!consumers.TryGetValue(node.Inputs[i], out List<(OnnxNode, int)>? list))
                {
                    list = [];
                    consumers[node.Inputs[i]] = list;
                }

                list.Add((node, i));
            }
        }

        var result = new List<WeightTensor>();
        var origins = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (OnnxTensor tensor in model.Initializers)
        {
            WeightTensor? imported = IsParameterName(tensor.Name)
                ? ImportNamed(tensor, consumers)
                : ImportAnonymous(tensor, consumers, initializers);
            if (imported is null)
            {
                continue;
            }

            if (!origins.TryAdd(imported.Name, tensor.Name))
            {
                throw new WeightFileException($"ONNX initializers {MessageText.Quote(origins[imported.Name])} and {MessageText.Quote(tensor.Name)} both map to {MessageText.Quote(imported.Name)}");
            }

            result.Add(imported);
        }

        return result;
    }

    // HF parameter names are dotted paths of identifiers (embeddings.LayerNorm.weight); exporter-made names
    // are not (onnx::MatMul_1234, 1234, _val_12).
    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$", RegexOptions.CultureInvariant)]
    private static partial Regex ParameterNamePattern();

    private static bool IsParameterName(string name) => ParameterNamePattern().IsMatch(name);

    private static WeightTensor ImportNamed(OnnxTensor tensor, Dictionary<string, List<(OnnxNode Node, int Index)>> consumers)
    {
        // A named weight fed to Gemm as B without transB is stored [in, out], like the MatMul case.
        if (tensor.Dims.Length == 2 && consumers.TryGetValue(tensor.Name, out List<(OnnxNode Node, int Index)>? uses))
        {
            foreach ((OnnxNode node, int index) in uses)
            {
                if (node.OpType == "Gemm" && index == 1 && node.IntAttributes.GetValueOrDefault("transB") == 0)
                {
                    return new TransposedWeightTensor(tensor.Name, tensor.ToEncodedTensor());
                }
            }
        }

        return tensor.IsFloatingPoint || tensor.DataType == OnnxTensor.Int64
            ? tensor.ToWeightTensor()
            : throw new WeightFileException($"ONNX initializer {MessageText.Quote(tensor.Name)} has data type {tensor.DataType}, which BertGen does not load");
    }

    private static WeightTensor? ImportAnonymous(
        OnnxTensor tensor,
        Dictionary<string, List<(OnnxNode Node, int Index)>> consumers,
        Dictionary<string, OnnxTensor> initializers)
    {
        // Scalars, per-axis constants and integer shapes are part of the graph's arithmetic, not parameters.
        if (!tensor.IsFloatingPoint || tensor.Dims.Length < 2)
        {
            return null;
        }

        string? mapped = null;
        bool transposed = true;
        if (consumers.TryGetValue(tensor.Name, out List<(OnnxNode Node, int Index)>? uses))
        {
            foreach ((OnnxNode node, int index) in uses)
            {
                (string? name, bool isTransposed) = node.OpType switch
                {
                    "MatMul" when index == 1 => (BiasNameAfterMatMul(node, consumers, initializers), true),
                    "Gemm" when index == 1 && node.Inputs.Count > 2 && IsBias(node.Inputs[2], initializers)
                        => (node.Inputs[2], node.IntAttributes.GetValueOrDefault("transB") == 0),
                    _ => (null, true),
                };
                if (name is null)
                {
                    throw Unmappable(tensor, $"its use by {MessageText.Quote(node.OpType)} node {MessageText.Quote(node.Name)} is not a linear layer with a named bias");
                }

                string weightName = WeightNameForBias(name);
                if (mapped is not null && mapped != weightName)
                {
                    throw new WeightFileException($"ONNX initializer {MessageText.Quote(tensor.Name)} is ambiguous: it feeds both {MessageText.Quote(mapped)} and {MessageText.Quote(weightName)}");
                }

                mapped = weightName;
                transposed = isTransposed;
                int outputs = transposed ? tensor.Dims[1] : tensor.Dims[0];
                long biasLength = initializers[name].ElementCount;
                if (biasLength != outputs)
                {
                    throw Unmappable(tensor, $"its {outputs} outputs do not match the {biasLength} elements of bias {MessageText.Quote(name)}");
                }
            }
        }

        if (mapped is null)
        {
            throw Unmappable(tensor, "nothing consumes it");
        }

        return transposed
            ? new TransposedWeightTensor(mapped, tensor.ToEncodedTensor())
            : tensor.ToWeightTensor(mapped);
    }

    // MatMul(x, W) → Add(·, bias) in either operand order.
    private static string? BiasNameAfterMatMul(
        OnnxNode matMul,
        Dictionary<string, List<(OnnxNode Node, int Index)>> consumers,
        Dictionary<string, OnnxTensor> initializers)
    {
        if (matMul.Outputs.Count != 1 || !consumers.TryGetValue(matMul.Outputs[0], out List<(OnnxNode Node, int Index)>? uses) || uses.Count != 1)
        {
            return null;
        }

        OnnxNode add = uses[0].Node;
        if (add.OpType != "Add" || add.Inputs.Count != 2)
        {
            return null;
        }

        string other = add.Inputs[1 - uses[0].Index];
        return IsBias(other, initializers) ? other : null;
    }

    private static bool IsBias(string name, Dictionary<string, OnnxTensor> initializers) =>
        initializers.TryGetValue(name, out OnnxTensor? bias)
        && bias.Dims.Length == 1
        && IsParameterName(name)
        && (name.EndsWith(".bias", StringComparison.Ordinal) || name.EndsWith(".beta", StringComparison.Ordinal));

    // The MLM decoder's bias is cls.predictions.bias (HF ties decoder.bias to it), its weight is the decoder's.
    private static string WeightNameForBias(string biasName)
    {
        if (biasName.EndsWith("predictions.bias", StringComparison.Ordinal))
        {
            return biasName[..^"bias".Length] + "decoder.weight";
        }

        if (biasName.EndsWith("predictions.decoder.bias", StringComparison.Ordinal))
        {
            return biasName[..^"bias".Length] + "weight";
        }

        int dot = biasName.LastIndexOf('.');
        return biasName[..(dot + 1)] + "weight";
    }

    private static WeightFileException Unmappable(OnnxTensor tensor, string why) =>
        new($"ONNX initializer {MessageText.Quote(tensor.Name)} of shape {WeightTensor.FormatShape(tensor.Dims)} cannot be mapped to a HuggingFace name: {why}");
}
