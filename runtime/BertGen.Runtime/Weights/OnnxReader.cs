using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;

namespace BertGen.Runtime.Weights;

/// <summary>
/// Decodes an ONNX <c>ModelProto</c> from its protobuf bytes by hand, keeping only the graph's initializers,
/// nodes and input/output names (field numbers from onnx/onnx.proto). Tensor payloads are slices of the
/// input array, which must therefore stay alive and unchanged while the model is used.
/// </summary>
internal static class OnnxReader
{
    // ModelProto
    private const int ModelGraph = 7;

    // GraphProto
    private const int GraphNode = 1;
    private const int GraphInitializer = 5;
    private const int GraphInput = 11;
    private const int GraphOutput = 12;

    // NodeProto
    private const int NodeInput = 1;
    private const int NodeOutput = 2;
    private const int NodeName = 3;
    private const int NodeOpType = 4;
    private const int NodeAttribute = 5;

    // AttributeProto
    private const int AttributeName = 1;
    private const int AttributeInt = 3;
    private const int AttributeType = 20;
    private const int AttributeTypeInt = 2;

    // ValueInfoProto
    private const int ValueInfoName = 1;

    // TensorProto
    private const int TensorDims = 1;
    private const int TensorDataType = 2;
    private const int TensorFloatData = 4;
    private const int TensorInt32Data = 5;
    private const int TensorInt64Data = 7;
    private const int TensorName = 8;
    private const int TensorRawData = 9;
    private const int TensorDoubleData = 10;
    private const int TensorDataLocation = 14;

    /// <summary>Reads and decodes the ONNX file at <paramref name="path"/>.</summary>
    public static OnnxModel ReadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Read(File.ReadAllBytes(path));
    }

    /// <summary>Decodes ONNX model bytes.</summary>
    public static OnnxModel Read(ReadOnlyMemory<byte> bytes)
    {
        var reader = new ProtobufReader(bytes, "ModelProto");
        OnnxModel? model = null;
        while (reader.HasMore)
        {
            (int field, int wire) = reader.ReadTag();
            if (field == ModelGraph && wire == ProtobufReader.LengthDelimited)
            {
                model = ReadGraph(reader.ReadBytes());
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return model ?? throw new WeightFileException("ONNX model has no graph (is this an ONNX file?)");
    }

    private static OnnxModel ReadGraph(ReadOnlyMemory<byte> bytes)
    {
        var reader = new ProtobufReader(bytes, "GraphProto");
        var initializers = new List<OnnxTensor>();
        var nodes = new List<OnnxNode>();
        var inputs = new List<string>();
        var outputs = new List<string>();
        while (reader.HasMore)
        {
            (int field, int wire) = reader.ReadTag();
            if (wire != ProtobufReader.LengthDelimited)
            {
                reader.Skip(wire);
                continue;
            }

            switch (field)
            {
                case GraphNode:
                    nodes.Add(ReadNode(reader.ReadBytes()));
                    break;
                case GraphInitializer:
                    initializers.Add(ReadTensor(reader.ReadBytes()));
                    break;
                case GraphInput:
                    inputs.Add(ReadValueInfoName(reader.ReadBytes()));
                    break;
                case GraphOutput:
                    outputs.Add(ReadValueInfoName(reader.ReadBytes()));
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return new OnnxModel(initializers, nodes, inputs, outputs);
    }

    private static OnnxNode ReadNode(ReadOnlyMemory<byte> bytes)
    {
        var reader = new ProtobufReader(bytes, "NodeProto");
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new Dictionary<string, long>(StringComparer.Ordinal);
        string name = string.Empty;
        string opType = string.Empty;
        while (reader.HasMore)
        {
            (int field, int wire) = reader.ReadTag();
            switch (field)
            {
                case NodeInput when wire == ProtobufReader.LengthDelimited:
                    inputs.Add(reader.ReadString());
                    break;
                case NodeOutput when wire == ProtobufReader.LengthDelimited:
                    outputs.Add(reader.ReadString());
                    break;
                case NodeName when wire == ProtobufReader.LengthDelimited:
                    name = reader.ReadString();
                    break;
                case NodeOpType when wire == ProtobufReader.LengthDelimited:
                    opType = reader.ReadString();
                    break;
                case NodeAttribute when wire == ProtobufReader.LengthDelimited:
                    ReadIntAttribute(reader.ReadBytes(), attributes);
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return new OnnxNode(name, opType, inputs, outputs, attributes);
    }

    private static void ReadIntAttribute(ReadOnlyMemory<byte> bytes, Dictionary<string, long> attributes)
    {
        var reader = new ProtobufReader(bytes, "AttributeProto");
        string? name = null;
        long? value = null;
        long type = 0;
        while (reader.HasMore)
        {
            (int field, int wire) = reader.ReadTag();
            switch (field)
            {
                case AttributeName when wire == ProtobufReader.LengthDelimited:
                    name = reader.ReadString();
                    break;
                case AttributeInt when wire == ProtobufReader.Varint:
                    value = reader.ReadInt64();
                    break;
                case AttributeType when wire == ProtobufReader.Varint:
                    type = reader.ReadInt64();
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        // Old exporters omit the type field; a present `i` is enough to call it an int attribute.
        if (name is not null && value is long v && (type == AttributeTypeInt || type == 0))
        {
            attributes[name] = v;
        }
    }

    private static string ReadValueInfoName(ReadOnlyMemory<byte> bytes)
    {
        var reader = new ProtobufReader(bytes, "ValueInfoProto");
        string name = string.Empty;
        while (reader.HasMore)
        {
            (int field, int wire) = reader.ReadTag();
            if (field == ValueInfoName && wire == ProtobufReader.LengthDelimited)
            {
                name = reader.ReadString();
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return name;
    }

    private static OnnxTensor ReadTensor(ReadOnlyMemory<byte> bytes)
    {
        var reader = new ProtobufReader(bytes, "TensorProto");
        var dims = new List<long>();
        int dataType = 0;
        string name = string.Empty;
        ReadOnlyMemory<byte>? raw = null;
        var floats = new List<float>();
        var int32s = new List<long>();
        var int64s = new List<long>();
        var doubles = new List<double>();
        bool external = false;
        while (reader.HasMore)
        {
            (int field, int wire) = reader.ReadTag();
            switch (field)
            {
                case TensorDims:
                    ReadRepeatedVarints(ref reader, wire, dims);
                    break;
                case TensorDataType when wire == ProtobufReader.Varint:
                    dataType = (int)reader.ReadInt64();
                    break;
                case TensorFloatData:
                    ReadRepeatedFloats(ref reader, wire, floats);
                    break;
                case TensorInt32Data:
                    ReadRepeatedVarints(ref reader, wire, int32s);
                    break;
                case TensorInt64Data:
                    ReadRepeatedVarints(ref reader, wire, int64s);
                    break;
                case TensorDoubleData:
                    ReadRepeatedDoubles(ref reader, wire, doubles);
                    break;
                case TensorName when wire == ProtobufReader.LengthDelimited:
                    name = reader.ReadString();
                    break;
                case TensorRawData when wire == ProtobufReader.LengthDelimited:
                    raw = reader.ReadBytes();
                    break;
                case TensorDataLocation when wire == ProtobufReader.Varint:
                    external = reader.ReadInt64() == 1;
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        if (external)
        {
            throw new WeightFileException($"ONNX initializer {MessageText.Quote(name)} keeps its data in an external file, which BertGen does not read");
        }

        var shape = new int[dims.Count];
        long elements = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (dims[i] < 0 || dims[i] > int.MaxValue)
            {
                throw new WeightFileException($"ONNX initializer {MessageText.Quote(name)} has dimension {dims[i]}");
            }

            shape[i] = (int)dims[i];

            // A tensor's bytes are a slice of the file, which a protobuf limits to 2 GB: a shape beyond that is damage.
            if (shape[i] != 0 && elements > int.MaxValue / shape[i])
            {
                throw new WeightFileException($"ONNX initializer {MessageText.Quote(name)} has shape {WeightTensor.FormatShape(shape.AsSpan(0, i + 1).ToArray())}, more elements than an ONNX file can hold");
            }

            elements *= shape[i];
        }

        ReadOnlyMemory<byte> data = raw ?? PackTypedValues(dataType, floats, int32s, int64s, doubles);
        var tensor = new OnnxTensor(name, shape, dataType, data);
        int elementSize = dataType switch
        {
            OnnxTensor.Float or OnnxTensor.Int32 => 4,
            OnnxTensor.Int64 or OnnxTensor.Double => 8,
            OnnxTensor.Float16 or OnnxTensor.BFloat16 => 2,
            _ => 0,
        };
        if (elementSize != 0 && data.Length != tensor.ElementCount * elementSize)
        {
            throw new WeightFileException($"ONNX initializer {MessageText.Quote(name)} of shape {WeightTensor.FormatShape(shape)} and data type {dataType} has {data.Length} bytes of data, expected {tensor.ElementCount * elementSize}");
        }

        return tensor;
    }

    // The typed fields are packed little-endian so every initializer looks like raw_data to its users.
    private static byte[] PackTypedValues(int dataType, List<float> floats, List<long> int32s, List<long> int64s, List<double> doubles)
    {
        switch (dataType)
        {
            case OnnxTensor.Float:
            {
                var bytes = new byte[floats.Count * 4];
                for (int i = 0; i < floats.Count; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), floats[i]);
                }

                return bytes;
            }

            case OnnxTensor.Int64:
            {
                var bytes = new byte[int64s.Count * 8];
                for (int i = 0; i < int64s.Count; i++)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), int64s[i]);
                }

                return bytes;
            }

            case OnnxTensor.Int32:
            {
                var bytes = new byte[int32s.Count * 4];
                for (int i = 0; i < int32s.Count; i++)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), (int)int32s[i]);
                }

                return bytes;
            }

            case OnnxTensor.Float16 or OnnxTensor.BFloat16:
            {
                // onnx.proto: 16-bit floats in int32_data carry their bit pattern in the low 16 bits.
                var bytes = new byte[int32s.Count * 2];
                for (int i = 0; i < int32s.Count; i++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), (ushort)int32s[i]);
                }

                return bytes;
            }

            case OnnxTensor.Double:
            {
                var bytes = new byte[doubles.Count * 8];
                for (int i = 0; i < doubles.Count; i++)
                {
                    BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * 8), doubles[i]);
                }

                return bytes;
            }

            default:
                return [];
        }
    }

    private static void ReadRepeatedVarints(ref ProtobufReader reader, int wire, List<long> values)
    {
        if (wire == ProtobufReader.Varint)
        {
            values.Add(reader.ReadInt64());
            return;
        }

        if (wire != ProtobufReader.LengthDelimited)
        {
            throw reader.Malformed($"wire type {wire} for a repeated integer field");
        }

        var packed = new ProtobufReader(reader.ReadBytes(), "packed integers");
        while (packed.HasMore)
        {
            values.Add(packed.ReadInt64());
        }
    }

    private static void ReadRepeatedFloats(ref ProtobufReader reader, int wire, List<float> values)
    {
        if (wire == ProtobufReader.Fixed32)
        {
            values.Add(reader.ReadFloat());
            return;
        }

        if (wire != ProtobufReader.LengthDelimited)
        {
            throw reader.Malformed($"wire type {wire} for a repeated float field");
        }

        ReadOnlySpan<byte> packed = reader.ReadBytes().Span;
        if (packed.Length % 4 != 0)
        {
            throw reader.Malformed("packed floats whose length is not a multiple of 4");
        }

        for (int i = 0; i < packed.Length; i += 4)
        {
            values.Add(BinaryPrimitives.ReadSingleLittleEndian(packed.Slice(i)));
        }
    }

    private static void ReadRepeatedDoubles(ref ProtobufReader reader, int wire, List<double> values)
    {
        if (wire == ProtobufReader.Fixed64)
        {
            values.Add(reader.ReadDouble());
            return;
        }

        if (wire != ProtobufReader.LengthDelimited)
        {
            throw reader.Malformed($"wire type {wire} for a repeated double field");
        }

        ReadOnlySpan<byte> packed = reader.ReadBytes().Span;
        if (packed.Length % 8 != 0)
        {
            throw reader.Malformed("packed doubles whose length is not a multiple of 8");
        }

        for (int i = 0; i < packed.Length; i += 8)
        {
            values.Add(BinaryPrimitives.ReadDoubleLittleEndian(packed.Slice(i)));
        }
    }
}
