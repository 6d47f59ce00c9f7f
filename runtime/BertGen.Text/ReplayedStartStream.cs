using System;
using System.IO;

namespace BertGen.Text;

/// <summary>
/// A stream that cannot seek back, read from its start again: the bytes already taken from it to tell its content apart
/// (<see cref="TextFileLines.Open"/>'s gzip magic), then the rest of it. Read-only, forward-only; disposes the stream.
/// </summary>
internal sealed class ReplayedStartStream(ReadOnlyMemory<byte> start, Stream rest) : Stream
{
    private ReadOnlyMemory<byte> _start = start;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_start.IsEmpty)
        {
            return rest.Read(buffer);
        }

        int taken = Math.Min(buffer.Length, _start.Length);
        _start.Span[..taken].CopyTo(buffer);
        _start = _start[taken..];
        return taken;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            rest.Dispose();
        }

        base.Dispose(disposing);
    }
}
