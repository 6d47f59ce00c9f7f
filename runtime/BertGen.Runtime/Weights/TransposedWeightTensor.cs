using System;

namespace BertGen.Runtime.Weights;

/// <summary>
/// A 2-D tensor presented transposed under a new name: ONNX exports store linear weights <c>[in, out]</c>
/// (ready for <c>x·W</c>), HuggingFace stores them <c>[out, in]</c>.
/// </summary>
internal sealed class TransposedWeightTensor : WeightTensor
{
    private readonly WeightTensor _source;

    public TransposedWeightTensor(string name, WeightTensor source)
        : base(name, TransposedShape(source), source.DataType)
    {
        _source = source;
    }

    protected override void CopyToCore(Span<float> destination)
    {
        int rows = _source.Shape[0];
        int columns = _source.Shape[1];
        float[] stored = _source.ToArray();
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                destination[(c * rows) + r] = stored[(r * columns) + c];
            }
        }
    }

    private static int[] TransposedShape(WeightTensor source)
    {
        if (source.Shape.Count != 2)
        {
            throw new WeightFileException($"tensor '{source.Name}' has shape {source.ShapeText}; only a 2-D weight can be transposed");
        }

        return [source.Shape[1], source.Shape[0]];
    }
}
