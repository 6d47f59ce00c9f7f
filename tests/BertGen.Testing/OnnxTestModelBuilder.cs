using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace BertGen.Testing;

/// <summary>
/// Writes small ONNX models in protobuf wire format, straight from onnx.proto's field numbers, to feed the
/// reader and importer shapes of graph the real model does not have. Deliberately separate from the reader.
/// </summary>
public sealed class OnnxTestModelBuilder
{
    private readonly List<byte[]> _initializers = [];
    private readonly List<byte[]> _nodes = [];

    /// <summary>A float32 initializer stored in raw_data, dims packed.</summary>
    public OnnxTestModelBuilder RawFloat(string name, int[] dims, float[] values)
    {
        var tensor = new MemoryStream();
        WritePackedVarints(tensor, 1, Array.ConvertAll(dims, d => (long)d));
        WriteVarintField(tensor, 2, 1);
        WriteBytesField(tensor, 8, Encoding.UTF8.GetBytes(name));
        var raw = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length);
        WriteBytesField(tensor, 9, raw);
        _initializers.Add(tensor.ToArray());
        return this;
    }

    /// <summary>A float32 initializer stored in float_data (packed), dims unpacked, name written first.</summary>
    public OnnxTestModelBuilder TypedFloat(string name, int[] dims, float[] values)
    {
        var tensor = new MemoryStream();
        WriteBytesField(tensor, 8, Encoding.UTF8.GetBytes(name));
        foreach (int d in dims)
        {
            WriteVarintField(tensor, 1, d);
        }

        WriteVarintField(tensor, 2, 1);
        var packed = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, packed, 0, packed.Length);
        WriteBytesField(tensor, 4, packed);
        _initializers.Add(tensor.ToArray());
        return this;
    }

    /// <summary>An int64 initializer in int64_data.</summary>
    public OnnxTestModelBuilder Int64(string name, int[] dims, long[] values)
    {
        var tensor = new MemoryStream();
        WritePackedVarints(tensor, 1, Array.ConvertAll(dims, d => (long)d));
        WriteVarintField(tensor, 2, 7);
        WritePackedVarints(tensor, 7, values);
        WriteBytesField(tensor, 8, Encoding.UTF8.GetBytes(name));
        _initializers.Add(tensor.ToArray());
        return this;
    }

    /// <summary>A float initializer whose data lives in an external file (data_location = EXTERNAL).</summary>
    public OnnxTestModelBuilder External(string name, int[] dims)
    {
        var tensor = new MemoryStream();
        WritePackedVarints(tensor, 1, Array.ConvertAll(dims, d => (long)d));
        WriteVarintField(tensor, 2, 1);
        WriteBytesField(tensor, 8, Encoding.UTF8.GetBytes(name));
        WriteVarintField(tensor, 14, 1);
        _initializers.Add(tensor.ToArray());
        return this;
    }

    /// <summary>A node with optional integer attributes.</summary>
    public OnnxTestModelBuilder Node(string opType, string[] inputs, string[] outputs, params (string Name, long Value)[] attributes)
    {
        var node = new MemoryStream();
        foreach (string input in inputs)
        {
            WriteBytesField(node, 1, Encoding.UTF8.GetBytes(input));
        }

        foreach (string output in outputs)
        {
            WriteBytesField(node, 2, Encoding.UTF8.GetBytes(output));
        }

        WriteBytesField(node, 3, Encoding.UTF8.GetBytes(opType + "_" + _nodes.Count));
        WriteBytesField(node, 4, Encoding.UTF8.GetBytes(opType));
        foreach ((string name, long value) in attributes)
        {
            var attribute = new MemoryStream();
            WriteBytesField(attribute, 1, Encoding.UTF8.GetBytes(name));
            WriteVarintField(attribute, 3, value);
            WriteVarintField(attribute, 20, 2);
            WriteBytesField(node, 5, attribute.ToArray());
        }

        _nodes.Add(node.ToArray());
        return this;
    }

    /// <summary>The ModelProto bytes: ir_version, producer, a graph with inputs/outputs "x"/"y".</summary>
    public byte[] Build()
    {
        var graph = new MemoryStream();
        foreach (byte[] node in _nodes)
        {
            WriteBytesField(graph, 1, node);
        }

        WriteBytesField(graph, 2, Encoding.UTF8.GetBytes("test"));
        foreach (byte[] initializer in _initializers)
        {
            WriteBytesField(graph, 5, initializer);
        }

        WriteBytesField(graph, 11, ValueInfo("x"));
        WriteBytesField(graph, 12, ValueInfo("y"));

        var model = new MemoryStream();
        WriteVarintField(model, 1, 8);
        WriteBytesField(model, 2, Encoding.UTF8.GetBytes("BertGen tests"));
        WriteBytesField(model, 7, graph.ToArray());
        return model.ToArray();
    }

    private static byte[] ValueInfo(string name)
    {
        var info = new MemoryStream();
        WriteBytesField(info, 1, Encoding.UTF8.GetBytes(name));
        return info.ToArray();
    }

    private static void WriteVarint(Stream stream, ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        stream.WriteByte((byte)value);
    }

    private static void WriteVarintField(Stream stream, int field, long value)
    {
        WriteVarint(stream, (ulong)field << 3);
        WriteVarint(stream, (ulong)value);
    }

    private static void WriteBytesField(Stream stream, int field, byte[] bytes)
    {
        WriteVarint(stream, ((ulong)field << 3) | 2);
        WriteVarint(stream, (ulong)bytes.Length);
        stream.Write(bytes);
    }

    private static void WritePackedVarints(Stream stream, int field, long[] values)
    {
        var packed = new MemoryStream();
        foreach (long v in values)
        {
            WriteVarint(packed, (ulong)v);
        }

        WriteBytesField(stream, field, packed.ToArray());
    }
}
