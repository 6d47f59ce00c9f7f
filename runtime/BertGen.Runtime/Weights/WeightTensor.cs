using System;
using System.Collections.Generic;

namespace BertGen.Runtime.Weights;

/// <summary>
/// One named tensor of a weight source (a safetensors file, an imported ONNX model), in HuggingFace layout
/// (<c>[out, in]</c> for linear weights). The common view that lets <see cref="ParameterLoader"/> be written
/// once for every format: it only needs a name, a shape and a way to read the values as float32.
/// Reading may touch a memory-mapped file, so a tensor is valid only while its source is open.
/// </summary>
internal abstract class WeightTensor
{
    private readonly int[] _shape;

    protected WeightTensor(string name, int[] shape, WeightDataType dataType)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        Name = name;
        _shape = (int[])shape.Clone();
        DataType = dataType;
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new WeightFileException($"tensor {MessageText.Quote(name)} has a negative dimension {d}");
            }

            count = checked(count * d);
        }

        ElementCount = count;
    }

    /// <summary>Name as stored in the source (after import renaming for ONNX).</summary>
    public string Name { get; }

    /// <summary>Dimensions, outermost first.</summary>
    public IReadOnlyList<int> Shape => _shape;

    /// <summary>How the elements are stored in the source.</summary>
    public WeightDataType DataType { get; }

    /// <summary>Product of the dimensions.</summary>
    public long ElementCount { get; }

    /// <summary>Shape as text, e.g. <c>[384, 1536]</c>, for messages.</summary>
    public string ShapeText => FormatShape(_shape);

    /// <summary>
    /// Writes the values, converted to float32, into <paramref name="destination"/>, which must hold exactly
    /// <see cref="ElementCount"/> floats. Throws <see cref="WeightFileException"/> for integer tensors.
    /// </summary>
    public void CopyTo(Span<float> destination)
    {
        CheckCopyDestination(destination);
        CopyToCore(destination);
    }

    /// <summary>What <see cref="CopyTo"/> checks before it converts anything: the length and a floating-point dtype.</summary>
    protected void CheckCopyDestination(Span<float> destination)
    {
        if (destination.Length != ElementCount)
        {
            throw new ArgumentException($"tensor '{Name}' has {ElementCount} elements but the destination holds {destination.Length}.", nameof(destination));
        }

        if (!WeightDataTypes.IsFloatingPoint(DataType))
        {
            throw new WeightFileException($"tensor {MessageText.Quote(Name)} has dtype {DataType}; a floating-point tensor was expected");
        }
    }

    /// <summary>The values as a new float32 array.</summary>
    public float[] ToArray()
    {
        var values = new float[checked((int)ElementCount)];
        CopyTo(values);
        return values;
    }

    /// <summary>Converts and copies; the length and dtype have been checked.</summary>
    protected abstract void CopyToCore(Span<float> destination);

    /// <summary>
    /// Once the values have been copied out: lets the source drop the pages that hold them from the resident
    /// set (a memory-mapped file's), so loading a file costs one tensor of it at a time. The tensor stays
    /// readable; reading it again costs page faults. Nothing to do for other sources.
    /// </summary>
    internal virtual void ReleaseSource()
    {
    }

    /// <summary>
    /// <see cref="CopyTo"/> then <see cref="ReleaseSource"/>; a source that can release its pages piece by piece does
    /// so as it copies, so a large tensor (the word embeddings) is never resident twice, as source and as parameters.
    /// </summary>
    internal virtual void CopyToAndRelease(Span<float> destination)
    {
        CopyTo(destination);
        ReleaseSource();
    }

    /// <summary>The position of flat element <paramref name="index"/> in <paramref name="shape"/>, as <c>[i, j]</c>.</summary>
    public static string FormatIndex(IReadOnlyList<int> shape, long index)
    {
        var position = new long[shape.Count];
        for (int d = shape.Count - 1; d >= 0; d--)
        {
            int size = Math.Max(shape[d], 1);
            position[d] = index % size;
            index /= size;
        }

        return "[" + string.Join(", ", position) + "]";
    }

    /// <summary>Formats a shape as <c>[a, b]</c>.</summary>
    public static string FormatShape(IReadOnlyList<int> shape) => "[" + string.Join(", ", shape) + "]";
}
