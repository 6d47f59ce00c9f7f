using System;
using BertGen.Generator.Model;

namespace BertGen.Generator.Planning;

/// <summary>The role of a parameter tensor, named as <c>BertGen.Runtime.ParameterKind</c>'s members (a test pins the two).</summary>
internal enum ParameterRole
{
    Weight,
    Embedding,
    Bias,
    LayerNormWeight,
    LayerNormBias,
}

/// <summary>
/// One parameter tensor in the model's single parameter buffer: HF name, float offset (cache-line aligned),
/// HF shape, and its role (decides initialisation and weight decay).
/// </summary>
internal sealed record ParameterSlot(string Name, long Offset, ImmutableEquatableArray<int> Shape, ParameterRole Role) : IEquatable<ParameterSlot>
{
    public long Length
    {
        get
        {
            long n = 1;
            foreach (int d in Shape)
            {
                n = checked(n * d);
            }

            return n;
        }
    }
}
