using System;
using System.Buffers;

namespace BertGen.Runtime.Weights;

/// <summary>
/// Exposes a range of a memory-mapped view as <see cref="Memory{T}"/>, so tensors of a mapped file share
/// <see cref="EncodedWeightTensor"/> with tensors parsed from managed arrays. The owner keeps the mapping
/// alive; this object only points into it.
/// </summary>
internal sealed unsafe class MappedMemory : MemoryManager<byte>
{
    private readonly byte* _pointer;
    private readonly int _length;

    public MappedMemory(byte* pointer, int length)
    {
        _pointer = pointer;
        _length = length;
    }

    public override Span<byte> GetSpan() => new(_pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)elementIndex, (uint)_length, nameof(elementIndex));
        return new MemoryHandle(_pointer + elementIndex);
    }

    public override void Unpin()
    {
        // Mapped memory never moves.
    }

    protected override void Dispose(bool disposing)
    {
        // The mapping belongs to the reader that created this manager.
    }
}
