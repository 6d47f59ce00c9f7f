using System;
using System.Runtime.InteropServices;

namespace BertGen.Runtime.Memory;

/// <summary>
/// One native, 64-byte-aligned block of floats: the parameter buffer, the gradient buffer or the
/// activation arena of a generated model. Aligned so that every tensor the generator places at a
/// multiple of 16 floats starts on a cache line and a <c>Vector512</c> load never splits one.
/// Native memory keeps the GC out of the hot loops and lets kernels take raw pointers without pinning.
/// The zeroes come from the allocator (<c>calloc</c>), not from writing them: a large block is fresh pages
/// from the operating system, which are resident only once touched, so a buffer whose parts are never written
/// (or are handed back, see <see cref="ResidentPages"/>) costs address space, not memory.
/// </summary>
public sealed unsafe class AlignedBuffer : IDisposable
{
    /// <summary>Alignment of the block and of every tensor placed in it, in bytes.</summary>
    public const int AlignmentBytes = 64;

    private readonly object? _owner;
    private void* _allocation;
    private float* _data;

    /// <summary>Allocates <paramref name="length"/> floats, zeroed.</summary>
    /// <param name="length">Floats in the block.</param>
    /// <param name="owner">The object whose part the block is (a generated pass owns its arena): used after
    /// <see cref="Dispose"/>, the block's <see cref="ObjectDisposedException"/> names the owner's type, which the
    /// user disposed, rather than this buffer's.</param>
    public AlignedBuffer(long length, object? owner = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _owner = owner;
        Length = length;
        nuint bytes = (nuint)Math.Max(1, length) * sizeof(float);
        // There is no aligned calloc: over-allocate by one alignment and start at the first aligned address.
        _allocation = NativeMemory.AllocZeroed(bytes + AlignmentBytes - 1);
        _data = (float*)(((nuint)_allocation + AlignmentBytes - 1) & ~(nuint)(AlignmentBytes - 1));
    }

    /// <summary>Number of floats in the block.</summary>
    public long Length { get; }

    /// <summary>Start of the block; valid until <see cref="Dispose"/>.</summary>
    public float* Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_data == null, _owner ?? this);
            return _data;
        }
    }

    /// <summary>A span over <paramref name="length"/> floats starting at float <paramref name="offset"/>.</summary>
    public Span<float> Slice(long offset, int length)
    {
        if (offset < 0 || length < 0 || offset + length > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, {offset + length}) is outside a buffer of {Length} floats.");
        }

        return new Span<float>(Pointer + offset, length);
    }

    /// <summary>The whole block as a span (blocks above 2^31 floats are not supported as spans).</summary>
    public Span<float> AsSpan() => Slice(0, checked((int)Length));

    /// <summary>Frees the block.</summary>
    public void Dispose()
    {
        if (_allocation != null)
        {
            NativeMemory.Free(_allocation);
            _allocation = null;
            _data = null;
        }

        GC.SuppressFinalize(this);
    }

    ~AlignedBuffer() => Dispose();
}
