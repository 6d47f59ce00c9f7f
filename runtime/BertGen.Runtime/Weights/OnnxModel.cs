using System;
using System.Collections.Generic;

namespace BertGen.Runtime.Weights;

/// <summary>The parts of an ONNX <c>ModelProto</c> that weight import needs.</summary>
/// <param name="Initializers">The graph's initializers (constant tensors), in file order.</param>
/// <param name="Nodes">The graph's nodes, in file (topological) order.</param>
/// <param name="InputNames">Names of the graph inputs.</param>
/// <param name="OutputNames">Names of the graph outputs.</param>
internal sealed record OnnxModel(
    IReadOnlyList<OnnxTensor> Initializers,
    IReadOnlyList<OnnxNode> Nodes,
    IReadOnlyList<string> InputNames,
    IReadOnlyList<string> OutputNames);

/// <summary>One ONNX node: an operator applied to named values.</summary>
/// <param name="Name">Node name (may be empty).</param>
/// <param name="OpType">Operator, e.g. <c>MatMul</c>.</param>
/// <param name="Inputs">Input value names; an empty string marks an omitted optional input.</param>
/// <param name="Outputs">Output value names.</param>
/// <param name="IntAttributes">The node's integer attributes (e.g. Gemm's <c>transB</c>); others are not kept.</param>
internal sealed record OnnxNode(
    string Name,
    string OpType,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Outputs,
    IReadOnlyDictionary<string, long> IntAttributes);

/// <summary>
/// One ONNX <c>TensorProto</c>. Whatever field held the values (<c>raw_data</c>, <c>float_data</c>,
/// <c>int64_data</c>, …) they are presented as little-endian bytes in <see cref="Data"/>.
/// </summary>
/// <param name="Name">Initializer name.</param>
/// <param name="Dims">Dimensions, outermost first.</param>
/// <param name="DataType">ONNX <c>TensorProto.DataType</c> code (1 = FLOAT, 7 = INT64, 10 = FLOAT16, 16 = BFLOAT16, …).</param>
/// <param name="Data">The values, little-endian, packed.</param>
internal sealed record OnnxTensor(string Name, int[] Dims, int DataType, ReadOnlyMemory<byte> Data)
{
    /// <summary>ONNX code for float32.</summary>
    public const int Float = 1;

    /// <summary>ONNX code for int32.</summary>
    public const int Int32 = 6;

    /// <summary>ONNX code for int64.</summary>
    public const int Int64 = 7;

    /// <summary>ONNX code for float16.</summary>
    public const int Float16 = 10;

    /// <summary>ONNX code for double.</summary>
    public const int Double = 11;

    /// <summary>ONNX code for bfloat16.</summary>
    public const int BFloat16 = 16;

    /// <summary>Whether the tensor holds a floating-point type BertGen can load as weights.</summary>
    public bool IsFloatingPoint => DataType is Float or Float16 or BFloat16;

    /// <summary>Number of elements.</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (int d in Dims)
            {
                n = checked(n * d);
            }

            return n;
        }
    }

    /// <summary>This tensor as a <see cref="WeightTensor"/> under <paramref name="name"/> (defaults to its own name).</summary>
    public WeightTensor ToWeightTensor(string? name = null) => ToEncodedTensor(name);

    internal EncodedWeightTensor ToEncodedTensor(string? name = null)
    {
        WeightDataType type = DataType switch
        {
            Float => WeightDataType.Float32,
            Float16 => WeightDataType.Float16,
            BFloat16 => WeightDataType.BFloat16,
            Int64 => WeightDataType.Int64,
            _ => throw new WeightFileException($"ONNX initializer {MessageText.Quote(Name)} has data type {DataType}, which BertGen does not load"),
        };
        return new EncodedWeightTensor(name ?? Name, Dims, type, Data);
    }
}
