using System;
using System.Collections.Generic;
using BertGen.Runtime;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Inference;
using BertGen.Testing;

namespace BertGen.Forward.Tests;

/// <summary>How a test fills a generated model's parameters.</summary>
public enum WeightInit
{
    /// <summary>HuggingFace initialisation (normal 0.02, zero biases, LayerNorm 1/0): what training starts from.</summary>
    HuggingFace,

    /// <summary>
    /// Wide random values: weights normal(0, 0.15), biases normal(0, 0.5), LayerNorm γ = 1 + normal(0, 0.3) and
    /// β normal(0, 0.3). Every bias and LayerNorm parameter is non-zero (so a dropped or misplaced one shows), and
    /// pre-activation values reach several units, through GELU's curved region and past tanh's linear range.
    /// </summary>
    Wide,
}

/// <summary>The scalar double-precision reference over a generated model's current parameters.</summary>
internal static class ReferenceOracle
{
    /// <summary>Fills the model's parameters as <paramref name="init"/> says, reproducibly from <paramref name="seed"/>.</summary>
    public static void Initialize(IBertModel model, WeightInit init, ulong seed)
    {
        Span<float> parameters = model.Parameters.AsSpan();
        if (init == WeightInit.HuggingFace)
        {
            ParameterInitializer.Initialize(model.ParameterTable, parameters, 0.02f, seed);
            return;
        }

        var random = new Random(unchecked((int)seed));
        foreach (ParameterInfo info in model.ParameterTable)
        {
            (double mean, double std) = info.Kind switch
            {
                ParameterKind.Weight or ParameterKind.Embedding => (0.0, 0.15),
                ParameterKind.Bias => (0.0, 0.5),
                ParameterKind.LayerNormWeight => (1.0, 0.3),
                _ => (0.0, 0.3),
            };
            Span<float> tensor = parameters.Slice(checked((int)info.Offset), checked((int)info.Length));
            for (int i = 0; i < tensor.Length; i++)
            {
                tensor[i] = (float)(mean + (std * Normal(random)));
            }
        }
    }

    /// <summary>HF-named tensors of the model, copied out of its parameter buffer.</summary>
    public static Dictionary<string, float[]> Weights(IBertModel model)
    {
        var weights = new Dictionary<string, float[]>(StringComparer.Ordinal);
        ReadOnlySpan<float> parameters = model.Parameters.AsSpan();
        foreach (ParameterInfo info in model.ParameterTable)
        {
            weights[info.Name] = parameters.Slice(checked((int)info.Offset), checked((int)info.Length)).ToArray();
        }

        return weights;
    }

    /// <summary>The reference configuration of a generated model.</summary>
    public static ReferenceBertConfig Config(ModelDescriptor descriptor, int numLabels) => new(
        descriptor.HiddenSize,
        descriptor.Layers,
        descriptor.AttentionHeads,
        descriptor.IntermediateSize,
        ReferenceBertConfig.ParseActivation(descriptor.Activation),
        1e-12,
        descriptor.VocabSize,
        descriptor.MaxPositions,
        descriptor.TypeVocabSize,
        numLabels);

    private static double Normal(Random random)
    {
        // Box–Muller; 1 − NextDouble() keeps the logarithm's argument in (0, 1].
        double u = 1 - random.NextDouble();
        double v = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
    }
}
