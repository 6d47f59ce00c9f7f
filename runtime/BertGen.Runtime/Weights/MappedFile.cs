using System;
using System.IO;
using System.IO.MemoryMappedFiles;

namespace BertGen.Runtime.Weights;

/// <summary>
/// A whole file memory-mapped read-only: weight files and pretrained-package DLLs are read in place, so opening
/// one costs address space, and only the pages a loader touches (and has not yet released, see
/// <see cref="MappedMemory.ReleasePages"/>) count as memory. Ranges handed out stay valid until disposal.
/// </summary>
internal sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _pointer;

    /// <summary>Maps <paramref name="path"/>, which must be non-empty (an empty file cannot be mapped).</summary>
    public MappedFile(string path)
    {
        Length = InputFiles.Length(path);
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        try
        {
            _view = _file.CreateViewAccessor(0, Length, MemoryMappedFileAccess.Read);
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref _pointer);
            _pointer += _view.PointerOffset;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>File size in bytes.</summary>
    public long Length { get; }

    /// <summary>The first byte of the file; valid until <see cref="Dispose"/>.</summary>
    public byte* Pointer => _pointer != null ? _pointer : throw new ObjectDisposedException(nameof(MappedFile));

    /// <summary>Bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) in place.</summary>
    public ReadOnlyMemory<byte> Memory(long offset, int length)
    {
        if (offset < 0 || length < 0 || offset + length > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, {offset + length}) is outside a file of {Length} bytes");
        }

        return new MappedMemory(Pointer + offset, length).Memory;
    }

    /// <summary>Unmaps the file.</summary>
    public void Dispose()
    {
        if (_pointer != null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _pointer = null;
        }

        _view?.Dispose();
        _file.Dispose();
    }
}
