using System;
using BertGen.Generator.Model;

namespace BertGen.Generator.Planning;

/// <summary>
/// One parameter tensor in the model's single parameter buffer: HF name, float offset (a multiple of 16,
/// so 64-byte aligned), HF shape, and its role (decides initialisation and weight decay).
/// </summary>
internal sealed record ParameterSlot(string Name, long Offset, ImmutableEquatableArray<int> Shape, string Kind) : IEquatable<ParameterSlot>
{
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
}
