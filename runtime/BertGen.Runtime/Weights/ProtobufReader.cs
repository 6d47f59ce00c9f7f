using System;
using System.Buffers.Binary;
using System.Text;

namespace BertGen.Runtime.Weights;

/// <summary>
/// A forward-only reader of the protocol buffers wire format, enough to walk an ONNX model without protoc:
/// tags, varints, fixed 32/64-bit values and length-delimited fields. Length-delimited payloads come back
/// as slices of the input (no copy), so a 90 MB model's tensors are not duplicated while parsing.
/// Every read is bounds-checked; malformed input throws <see cref="WeightFileException"/>.
/// </summary>
internal struct ProtobufReader
{
    /// <summary>Varint wire type.</summary>
    public const int Varint = 0;

    /// <summary>Fixed 64-bit wire type.</summary>
    public const int Fixed64 = 1;

    /// <summary>Length-delimited wire type (strings, bytes, sub-messages, packed repeated fields).</summary>
    public const int LengthDelimited = 2;

    /// <summary>Fixed 32-bit wire type.</summary>
    public const int Fixed32 = 5;

    private readonly ReadOnlyMemory<byte> _data;
    private readonly string _context;
    private int _position;

    public ProtobufReader(ReadOnlyMemory<byte> data, string context)
    {
        _data = data;
        _context = context;
        _position = 0;
    }

    /// <summary>Whether any bytes remain.</summary>
    public readonly bool HasMore => _position < _data.Length;

    /// <summary>Reads the next field's tag.</summary>
    public (int Field, int WireType) ReadTag()
    {
        ulong tag = ReadVarint();
        int field = (int)(tag >> 3);
        int wireType = (int)(tag & 7);
        if (field == 0)
        {
            throw Malformed("field number 0");
        }

        return (field, wireType);
    }

    /// <summary>Reads a base-128 varint.</summary>
    public ulong ReadVarint()
    {
        ReadOnlySpan<byte> span = _data.Span;
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_position >= span.Length)
            {
                throw Malformed("a varint runs past the end");
            }

            byte b = span[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw Malformed("a varint is longer than 10 bytes");
    }

    /// <summary>Reads a varint-encoded int64 (two's complement, not zigzag, as ONNX uses).</summary>
    public long ReadInt64() => (long)ReadVarint();

    /// <summary>Reads a fixed 32-bit little-endian float.</summary>
    public float ReadFloat() => BinaryPrimitives.ReadSingleLittleEndian(Take(4).Span);

    /// <summary>Reads a fixed 64-bit little-endian double.</summary>
    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8).Span);

    /// <summary>Reads a length-delimited payload as a slice of the input.</summary>
    public ReadOnlyMemory<byte> ReadBytes()
    {
        ulong length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
        {
            throw Malformed($"a {length}-byte field runs past the end");
        }

        return Take((int)length);
    }

    /// <summary>Reads a length-delimited UTF-8 string.</summary>
    public string ReadString() => Encoding.UTF8.GetString(ReadBytes().Span);

    /// <summary>Skips a field of the given wire type.</summary>
    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case Varint:
                ReadVarint();
                break;
            case Fixed64:
                Take(8);
                break;
            case LengthDelimited:
                ReadBytes();
                break;
            case Fixed32:
                Take(4);
                break;
            default:
                throw Malformed($"unsupported wire type {wireType}");
        }
    }

    /// <summary>Builds the exception for malformed input, naming what was being read.</summary>
    public readonly WeightFileException Malformed(string problem) =>
        new($"malformed protobuf in {_context} at byte {_position}: {problem}");

    private ReadOnlyMemory<byte> Take(int count)
    {
        if (count > _data.Length - _position)
        {
            throw Malformed($"a {count}-byte value runs past the end");
        }

        ReadOnlyMemory<byte> slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }
}
