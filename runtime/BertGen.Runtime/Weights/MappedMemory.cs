using System;
using System.Buffers;
using BertGen.Runtime.Memory;

namespace BertGen.Runtime.Weights;

/// <summary>
/// Exposes a range of a read-only memory-mapped file as <see cref="Memory{T}"/>, so tensors of a mapped file share
/// <see cref="EncodedWeightTensor"/> with tensors parsed from managed arrays. The owner keeps the mapping
/// alive; this object only points into it. Because the pages come from a file and are never written, they can
/// be handed back once read (<see cref="ReleasePages"/>): a later read faults them in from the file again.
/// </summary>
internal sealed unsafe class MappedMemory : MemoryManager<byte>
{
    private readonly byte* _pointer;
    private readonly int _length;

    /// <summary>Points at <paramref name="length"/> bytes of a read-only file mapping (never anonymous memory).</summary>
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

    /// <summary>
    /// Drops the whole pages of [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>)
    /// from the resident set; the bytes stay readable (from the file).
    /// </summary>
    public void ReleasePages(int start, int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)start, (uint)_length, nameof(start));
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)length, (uint)(_length - start), nameof(length));
        ResidentPages.Release(_pointer + start, length);
    }

    protected override void Dispose(bool disposing)
    {
        // The mapping belongs to the reader that created this manager.
    }
}
