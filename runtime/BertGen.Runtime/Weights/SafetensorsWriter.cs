using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace BertGen.Runtime.Weights;

/// <summary>Where one tensor to be written lies in a float32 buffer.</summary>
/// <param name="Name">Name to store it under.</param>
/// <param name="Shape">Dimensions, outermost first.</param>
/// <param name="Offset">First element in the source buffer, in floats.</param>
internal sealed record SafetensorsEntry(string Name, int[] Shape, long Offset)
{
    /// <summary>Number of elements.</summary>
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

/// <summary>
/// One tensor to write with <see cref="SafetensorsWriter"/>: its header fields and a writer of exactly its bytes
/// (little-endian, <see cref="WeightDataTypes.SizeOf"/> per element), so tensors of any dtype and any source —
/// a slice of the parameter buffer, a row-by-row quantisation — stream into one file without an image of it.
/// </summary>
internal sealed record SafetensorsTensorData(string Name, WeightDataType DataType, int[] Shape, Action<Stream> WriteBytes)
{
    /// <summary>Bytes the tensor occupies in the file.</summary>
    public long ByteLength
    {
        get
        {
            long n = WeightDataTypes.SizeOf(DataType);
            foreach (int d in Shape)
            {
                n = checked(n * d);
            }

            return n;
        }
    }
}

/// <summary>
/// Writes tensors as a standard safetensors file (what HuggingFace <c>safetensors.torch.load_file</c> reads).
/// The file is written through <see cref="AtomicFile"/>, so a reader never sees a half-written checkpoint even if the
/// process dies.
/// </summary>
internal static unsafe class SafetensorsWriter
{
    /// <summary>
    /// Writes <paramref name="entries"/>, each a slice of <paramref name="buffer"/>, to <paramref name="path"/>
    /// in F32 with the given <c>__metadata__</c> (HuggingFace expects <c>format</c> = <c>pt</c>).
    /// </summary>
    public static void Write(string path, IReadOnlyList<SafetensorsEntry> entries, ReadOnlySpan<float> buffer, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (SafetensorsEntry entry in entries)
        {
            if (entry.Offset < 0 || entry.Offset + entry.Length > buffer.Length)
            {
                throw new WeightFileException($"tensor '{entry.Name}' spans floats [{entry.Offset}, {entry.Offset + entry.Length}) outside a buffer of {buffer.Length}");
            }
        }

        fixed (float* start = buffer)
        {
            // The buffer stays pinned while the file is written; each tensor captures its address.
            nint address = (nint)start;
            var tensors = new List<SafetensorsTensorData>(entries.Count);
            foreach (SafetensorsEntry entry in entries)
            {
                nint tensor = address + (nint)(entry.Offset * sizeof(float));
                int length = checked((int)entry.Length);
                tensors.Add(new SafetensorsTensorData(entry.Name, WeightDataType.Float32, entry.Shape,
                    stream => WriteFloats(stream, new ReadOnlySpan<float>((void*)tensor, length))));
            }

            Write(path, tensors, metadata);
        }
    }

    /// <summary>Writes <paramref name="tensors"/> in order to <paramref name="path"/>, atomically.</summary>
    internal static void Write(string path, IReadOnlyList<SafetensorsTensorData> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (SafetensorsTensorData tensor in tensors)
        {
            if (tensor.Name == "__metadata__" || tensor.Name.Length == 0)
            {
                throw new WeightFileException($"'{tensor.Name}' cannot be a tensor name in a safetensors file");
            }

            if (!names.Add(tensor.Name))
            {
                throw new WeightFileException($"tensor '{tensor.Name}' would be written twice");
            }
        }

        byte[] header = BuildHeader(tensors, metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> lengthPrefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(lengthPrefix, (ulong)header.Length);
            stream.Write(lengthPrefix);
            stream.Write(header);
            foreach (SafetensorsTensorData tensor in tensors)
            {
                long before = stream.Position;
                tensor.WriteBytes(stream);
                if (stream.Position - before != tensor.ByteLength)
                {
                    throw new WeightFileException($"tensor '{tensor.Name}' wrote {stream.Position - before} bytes; its dtype and shape need {tensor.ByteLength}");
                }
            }
        });
    }

    /// <summary>Writes float32 values little-endian.</summary>
    internal static void WriteFloats(Stream stream, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }

        Span<byte> one = stackalloc byte[4];
        foreach (float v in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(one, v);
            stream.Write(one);
        }
    }

    private static byte[] BuildHeader(IReadOnlyList<SafetensorsTensorData> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var output = new ArrayBufferWriter<byte>();
        // Names go out as plain UTF-8 (the reference writer's serde_json does the same) rather than \u escapes.
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using (var writer = new Utf8JsonWriter(output, options))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject("__metadata__");
                foreach (KeyValuePair<string, string> item in metadata)
                {
                    writer.WriteString(item.Key, item.Value);
                }

                writer.WriteEndObject();
            }

            long offset = 0;
            foreach (SafetensorsTensorData tensor in tensors)
            {
                long bytes = tensor.ByteLength;
                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", WeightDataTypes.SafetensorsName(tensor.DataType));
                writer.WriteStartArray("shape");
                foreach (int d in tensor.Shape)
                {
                    writer.WriteNumberValue(d);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + bytes);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += bytes;
            }

            writer.WriteEndObject();
        }

        // Pad with spaces (allowed by the format) so the data region starts 8-byte aligned, as the
        // reference writer does; readers that map the file can then view it as float[] directly.
        int padded = (output.WrittenCount + 7) & ~7;
        byte[] header = new byte[padded];
        output.WrittenSpan.CopyTo(header);
        header.AsSpan(output.WrittenCount).Fill((byte)' ');
        return header;
    }
}
