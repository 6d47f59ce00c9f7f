using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace BertGen.Runtime.Weights;

/// <summary>
/// Reads a safetensors file through a memory mapping: an 8-byte little-endian header length, a UTF-8 JSON
/// header mapping each tensor name to <c>{"dtype", "shape", "data_offsets": [begin, end]}</c> (offsets
/// relative to the data region that follows the header), and an optional <c>__metadata__</c> string map.
/// Validation is as strict as the reference implementation: the tensors must tile the data region exactly,
/// in order, without gaps or overlaps, and each byte range must match its dtype and shape. Tensors stay
/// valid until the reader is disposed.
/// </summary>
internal sealed unsafe class SafetensorsReader : IDisposable
{
    /// <summary>Largest header accepted (the reference implementation's limit), so a corrupt length cannot make us allocate gigabytes.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>No tensor of a file that exists can hold more bytes than this (2^62): a larger shape is damage, not data.</summary>
    private const long MaxTensorBytes = 1L << 62;

    private readonly MappedFile _file;
    private readonly byte* _pointer;
    private readonly List<WeightTensor> _tensors = [];
    private readonly Dictionary<string, WeightTensor> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _metadata = new(StringComparer.Ordinal);

    private SafetensorsReader(string path)
    {
        Path = path;
        long fileLength = InputFiles.Length(path);
        if (fileLength < 8)
        {
            throw new WeightFileException($"safetensors file '{path}' is {fileLength} bytes, shorter than its 8-byte header length");
        }

        _file = new MappedFile(path);
        try
        {
            _pointer = _file.Pointer;
            Parse(fileLength);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The file this reader maps.</summary>
    public string Path { get; }

    /// <summary>Tensors in file order (ascending data offset).</summary>
    public IReadOnlyList<WeightTensor> Tensors => _tensors;

    /// <summary>The <c>__metadata__</c> string map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _metadata;

    /// <summary>Opens and validates <paramref name="path"/>.</summary>
    public static SafetensorsReader Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (InputFiles.InPlaceProblem(path, "safetensors") is string problem)
        {
            throw new WeightFileException(problem);
        }

        return new SafetensorsReader(path);
    }

    /// <summary>The tensor called <paramref name="name"/>, or an exception naming it.</summary>
    public WeightTensor this[string name] =>
        _byName.TryGetValue(name, out WeightTensor? tensor)
            ? tensor
            : throw new WeightFileException($"safetensors file '{Path}' has no tensor '{name}'");

    /// <summary>Unmaps the file; tensors obtained from this reader must not be read afterwards.</summary>
    public void Dispose() => _file.Dispose();

    private void Parse(long fileLength)
    {
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(_pointer, 8));
        if (headerLength > MaxHeaderBytes)
        {
            // A text file, an archive, a PyTorch .bin: "declares a 8031924123371070824-byte header" said nothing useful.
            throw new WeightFileException(
                $"'{Path}' is not a safetensors file: such a file starts with its JSON header's length in 8 bytes, and these read "
                + $"{headerLength.ToString("N0", CultureInfo.InvariantCulture)}, above the format's limit of {MaxHeaderBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes");
        }

        if (headerLength == 0 || 8 + (long)headerLength > fileLength)
        {
            throw new WeightFileException($"safetensors file '{Path}' declares a {headerLength}-byte header but the file is {fileLength} bytes");
        }

        int headerBytes = (int)headerLength;
        long dataStart = 8 + headerBytes;
        long dataLength = fileLength - dataStart;
        ReadOnlySpan<byte> header = new(_pointer + 8, headerBytes);
        if (header[0] != (byte)'{')
        {
            throw new WeightFileException($"safetensors file '{Path}' has a header that is not a JSON object");
        }

        // The format says UTF-8; System.Text.Json only notices bad bytes when a name is read, so check them all first.
        if (InvalidUtf8.FirstBadByte(header) is int at and >= 0)
        {
            throw new WeightFileException($"safetensors file '{Path}' has a header that is not valid UTF-8 (byte {at} of the header is 0x{header[at]:X2})");
        }

        var entries = new List<(string Name, WeightDataType Type, int[] Shape, long Begin, long End)>();
        try
        {
            using JsonDocument document = JsonDocument.Parse(header.ToArray());
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    ReadMetadata(property.Value);
                    continue;
                }

                entries.Add(ReadEntry(property.Name, property.Value));
            }
        }
        catch (JsonException e)
        {
            throw new WeightFileException($"safetensors file '{Path}' has a header that is not valid JSON{JsonErrorText.Where(e)}: {JsonErrorText.Reason(e)}", e);
        }

        // A name given twice (JSON allows it) is said as such, before its two entries look like an overlap.
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (!names.Add(entry.Name))
            {
                throw new WeightFileException($"tensor {MessageText.Quote(entry.Name)} appears twice in the header");
            }
        }

        // The reference implementation requires the tensors to tile the data region: sorted by offset,
        // each begins where the previous one ended, the first at 0, the last at the end of the file.
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expectedBegin = 0;
        string previous = "(none)";
        foreach (var entry in entries)
        {
            if (entry.End > dataLength)
            {
                throw new WeightFileException($"tensor {MessageText.Quote(entry.Name)} ends at data offset {entry.End}, past the end of the data ({dataLength} bytes): the file is truncated");
            }

            if (entry.Begin < expectedBegin)
            {
                throw new WeightFileException($"tensor {MessageText.Quote(entry.Name)} starts at data offset {entry.Begin}, overlapping tensor {MessageText.Quote(previous)} which ends at {expectedBegin}");
            }

            if (entry.Begin > expectedBegin)
            {
                throw new WeightFileException($"tensor {MessageText.Quote(entry.Name)} starts at data offset {entry.Begin}, leaving a gap after offset {expectedBegin}");
            }

            if (entry.End - entry.Begin > int.MaxValue)
            {
                throw new WeightFileException($"tensor {MessageText.Quote(entry.Name)} is {entry.End - entry.Begin} bytes; BertGen reads tensors of up to 2 GiB");
            }

            var tensor = new EncodedWeightTensor(entry.Name, entry.Shape, entry.Type, _file.Memory(dataStart + entry.Begin, (int)(entry.End - entry.Begin)));
            _byName.Add(entry.Name, tensor);
            _tensors.Add(tensor);
            expectedBegin = entry.End;
            previous = entry.Name;
        }

        if (expectedBegin != dataLength)
        {
            throw new WeightFileException($"safetensors file '{Path}' has {dataLength - expectedBegin} bytes after its last tensor {MessageText.Quote(previous)} that no tensor claims");
        }
    }

    private void ReadMetadata(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new WeightFileException($"safetensors file '{Path}' has a __metadata__ that is not an object");
        }

        foreach (JsonProperty item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw new WeightFileException($"safetensors file '{Path}' has a non-string __metadata__ value {MessageText.Quote(item.Name)}");
            }

            _metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static (string Name, WeightDataType Type, int[] Shape, long Begin, long End) ReadEntry(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out JsonElement dtype) || dtype.ValueKind != JsonValueKind.String
            || !value.TryGetProperty("shape", out JsonElement shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
            || !value.TryGetProperty("data_offsets", out JsonElement offsets) || offsets.ValueKind != JsonValueKind.Array)
        {
            throw new WeightFileException($"tensor {MessageText.Quote(name)} lacks a string dtype, a shape array or a data_offsets array in the header");
        }

        string dtypeName = dtype.GetString() ?? throw new WeightFileException($"tensor {MessageText.Quote(name)} has a null dtype");
        WeightDataType type = WeightDataTypes.FromSafetensorsName(dtypeName)
            ?? throw new WeightFileException($"tensor {MessageText.Quote(name)} has dtype {MessageText.Quote(dtypeName)}; supported are {WeightDataTypes.SafetensorsNames}");

        var shape = new int[shapeElement.GetArrayLength()];
        int i = 0;
        long elements = 1;
        foreach (JsonElement d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int dim) || dim < 0)
            {
                throw new WeightFileException($"tensor {MessageText.Quote(name)} has a shape entry that is not a non-negative 32-bit integer");
            }

            shape[i++] = dim;
            if (dim != 0 && elements > MaxTensorBytes / WeightDataTypes.SizeOf(type) / dim)
            {
                throw new WeightFileException($"tensor {MessageText.Quote(name)} has shape {WeightTensor.FormatShape(shapeElement.EnumerateArray().Select(e => e.TryGetInt32(out int v) ? v : -1).ToArray())}, more bytes than any file can hold");
            }

            elements *= dim;
        }

        if (offsets.GetArrayLength() != 2
            || offsets[0].ValueKind != JsonValueKind.Number || offsets[1].ValueKind != JsonValueKind.Number
            || !offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end)
            || begin < 0 || end < begin)
        {
            throw new WeightFileException($"tensor {MessageText.Quote(name)} has data_offsets that are not two ordered non-negative integers");
        }

        long expectedBytes = elements * WeightDataTypes.SizeOf(type);
        if (end - begin != expectedBytes)
        {
            throw new WeightFileException($"tensor {MessageText.Quote(name)} of dtype {dtype.GetString()} and shape {WeightTensor.FormatShape(shape)} needs {expectedBytes} bytes but its data_offsets span {end - begin}");
        }

        return (name, type, shape, begin, end);
    }
}
