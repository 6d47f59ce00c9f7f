using System;
using System.Buffers;

namespace BertGen.Runtime.Weights;

/// <summary>
/// A 2-D tensor presented transposed under a new name: ONNX exports store linear weights <c>[in, out]</c>
/// (ready for <c>x·W</c>), HuggingFace stores them <c>[out, in]</c>.
/// </summary>
internal sealed class TransposedWeightTensor : WeightTensor
{
    private readonly EncodedWeightTensor _source;

    public TransposedWeightTensor(string name, EncodedWeightTensor source)
        : base(name, TransposedShape(source), source.DataType)
    {
        _source = source;
    }

    protected override void CopyToCore(Span<float> destination)
    {
        int rows = _source.Shape[0];
        int columns = _source.Shape[1];
        // One stored row at a time: a whole-tensor float[] per weight would be large-object-heap garbage that
        // lingers, tens of megabytes over a model's load, until a full collection.
        float[] row = ArrayPool<float>.Shared.Rent(columns);
        try
        {
            Span<float> stored = row.AsSpan(0, columns);
            for (int r = 0; r < rows; r++)
            {
                _source.CopyElementsTo((long)r * columns, stored);
                for (int c = 0; c < columns; c++)
                {
                    destination[(c * rows) + r] = stored[c];
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(row);
        }
    }

    internal override void ReleaseSource() => _source.ReleaseSource();

    private static int[] TransposedShape(WeightTensor source)
    {
        if (source.Shape.Count != 2)
        {
            throw new WeightFileException($"tensor {MessageText.Quote(source.Name)} has shape {source.ShapeText}; only a 2-D weight can be transposed");
        }

        return [source.Shape[1], source.Shape[0]];
    }
}
