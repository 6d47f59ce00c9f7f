using System;
using System.Collections.Generic;

namespace BertGen.Runtime;

/// <summary>
/// One tensor of a generated model's parameter table: its HuggingFace name, where it starts in the
/// contiguous parameter buffer (in floats, a multiple of 16 so it is 64-byte aligned), and its shape in
/// HuggingFace order (<c>[out, in]</c> for linear weights).
/// </summary>
/// <param name="Name">HuggingFace name, e.g. <c>bert.encoder.layer.0.attention.self.query.weight</c>.</param>
/// <param name="Offset">Offset in floats from the start of the parameter buffer.</param>
/// <param name="Shape">Dimensions, outermost first.</param>
/// <param name="Kind">What the tensor is, which decides its initialisation and weight decay.</param>
public sealed record ParameterInfo(string Name, long Offset, int[] Shape, ParameterKind Kind)
{
    /// <summary>Number of elements.</summary>
    public long Length
    {
        get
        {
            long n = 1;
            foreach (int d in Shape)
            {
                n *= d;
            }

            return n;
        }
    }

    /// <summary>Whether AdamW's decoupled weight decay applies (not to biases and LayerNorm parameters).</summary>
    public bool DecaysWeight => Kind is ParameterKind.Weight or ParameterKind.Embedding;

    /// <summary>The entry named <paramref name="name"/>, or an error naming it.</summary>
    public static ParameterInfo Find(IReadOnlyList<ParameterInfo> table, string name)
    {
        foreach (ParameterInfo info in table)
        {
            if (info.Name == name)
            {
                return info;
            }
        }

        throw new ArgumentException($"The model has no parameter named '{name}'.", nameof(name));
    }
}

/// <summary>The role of a parameter tensor.</summary>
public enum ParameterKind
{
    /// <summary>A linear layer's weight: normal(0, initializer_range), weight decay applies.</summary>
    Weight,

    /// <summary>An embedding table: normal(0, initializer_range), weight decay applies.</summary>
    Embedding,

    /// <summary>A bias: zero, no weight decay.</summary>
    Bias,

    /// <summary>A LayerNorm scale: one, no weight decay.</summary>
    LayerNormWeight,

    /// <summary>A LayerNorm shift: zero, no weight decay.</summary>
    LayerNormBias,
}
