using System;

namespace BertGen.TorchOracle;

/// <summary>One named tensor's values, row-major, with its HuggingFace shape (<c>[out, in]</c> for linear weights).</summary>
public sealed record ParameterTensor(int[] Shape, float[] Values)
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

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    internal bool HasShape(int[] expected) => Shape.AsSpan().SequenceEqual(expected);
}
