using System;
using System.IO;

namespace BertGen.Text;

/// <summary>
/// A stream that cannot seek back, read from its start again: the bytes already taken from it to tell its content apart
/// (<see cref="TextFileLines.Open"/>'s gzip magic), then the rest of it. Read-only, forward-only; disposes the stream.
/// </summary>
internal sealed class ReplayedStartStream(ReadOnlyMemory<byte> start, Stream rest) : ForwardReadStream
{
    private ReadOnlyMemory<byte> _start = start;

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

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            rest.Dispose();
        }

        base.Dispose(disposing);
    }
}
