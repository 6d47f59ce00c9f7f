using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO.Hashing;

namespace BertGen.Text;

/// <summary>
/// A 64-bit digest (XxHash64) of the integers a batch stream's batches are made of, taken once when the stream is
/// built. A saved stream position carries it, so a resume over other data that happens to give as many examples is
/// refused instead of training on silently. Each list goes in after its length, so <c>[1 2][3]</c> and <c>[1][2 3]</c>
/// differ; every integer is written little-endian, so the processes of a data-parallel job on different machines agree.
/// </summary>
internal sealed class ContentFingerprintBuilder
{
    private readonly XxHash64 _hash = new();
    private readonly byte[] _buffer = new byte[4096];
    private int _used;

    public void Add(int value)
    {
        if (_used + sizeof(int) > _buffer.Length)
        {
            Flush();
        }

        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_used), value);
        _used += sizeof(int);
    }

    public void Add(ulong value)
    {
        Add(unchecked((int)value));
        Add(unchecked((int)(value >> 32)));
    }

    public void Add(bool value) => Add(value ? 1 : 0);

    public void Add(double value) => Add(unchecked((ulong)BitConverter.DoubleToInt64Bits(value)));

    public void Add(IReadOnlyList<int> values)
    {
        Add(values.Count);
        for (int i = 0; i < values.Count; i++)
        {
            Add(values[i]);
        }
    }

    public ulong Finish()
    {
        Flush();
        return _hash.GetCurrentHashAsUInt64();
    }

    private void Flush()
    {
        _hash.Append(_buffer.AsSpan(0, _used));
        _used = 0;
    }
}
