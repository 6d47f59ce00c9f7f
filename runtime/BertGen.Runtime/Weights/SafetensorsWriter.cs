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
/// Writes float32 tensors as a standard safetensors file (what HuggingFace <c>safetensors.torch.load_file</c>
/// reads). The file is written under a temporary name in the destination folder, flushed to disk and then
/// renamed over the destination, so a reader never sees a half-written checkpoint even if the process dies.
/// </summary>
internal static class SafetensorsWriter
{
    /// <summary>
    /// Writes <paramref name="entries"/>, each a slice of <paramref name="buffer"/>, to <paramref name="path"/>
    /// in F32 with the given <c>__metadata__</c> (HuggingFace expects <c>format</c> = <c>pt</c>).
    /// </summary>
    public static void Write(string path, IReadOnlyList<SafetensorsEntry> entries, ReadOnlySpan<float> buffer, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(entries);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (SafetensorsEntry entry in entries)
        {
            if (entry.Name == "__metadata__" || entry.Name.Length == 0)
            {
                throw new WeightFileException($"'{entry.Name}' cannot be a tensor name in a safetensors file");
            }

            if (!names.Add(entry.Name))
            {
                throw new WeightFileException($"tensor '{entry.Name}' would be written twice");
            }

            if (entry.Offset < 0 || entry.Offset + entry.Length > buffer.Length)
            {
                throw new WeightFileException($"tensor '{entry.Name}' spans floats [{entry.Offset}, {entry.Offset + entry.Length}) outside a buffer of {buffer.Length}");
            }
        }

        byte[] header = BuildHeader(entries, metadata);
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath) ?? ".";
        string temporary = Path.Combine(directory, "." + Path.GetFileName(fullPath) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Span<byte> lengthPrefix = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(lengthPrefix, (ulong)header.Length);
                stream.Write(lengthPrefix);
                stream.Write(header);
                foreach (SafetensorsEntry entry in entries)
                {
                    WriteFloats(stream, buffer.Slice(checked((int)entry.Offset), checked((int)entry.Length)));
                }

                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static byte[] BuildHeader(IReadOnlyList<SafetensorsEntry> entries, IReadOnlyDictionary<string, string>? metadata)
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
            foreach (SafetensorsEntry entry in entries)
            {
                long bytes = entry.Length * sizeof(float);
                writer.WriteStartObject(entry.Name);
                writer.WriteString("dtype", "F32");
                writer.WriteStartArray("shape");
                foreach (int d in entry.Shape)
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

    private static void WriteFloats(Stream stream, ReadOnlySpan<float> values)
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
}
