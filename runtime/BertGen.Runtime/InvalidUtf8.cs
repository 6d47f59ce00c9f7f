using System;
using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace BertGen.Runtime;

/// <summary>
/// Where bytes stop being UTF-8, for the one-line error of every reader that takes text from a file (a vocabulary, a
/// corpus line, a safetensors header, a tokenizer or settings file): System.Text.Json notices a bad byte only when it
/// reads that string, and a lenient decoder would make it U+FFFD.
/// </summary>
internal static class InvalidUtf8
{
    /// <summary>The offset of the first byte that is not part of a valid UTF-8 sequence, or -1 when all are valid.</summary>
    public static int FirstBadByte(ReadOnlySpan<byte> bytes)
    {
        if (Utf8.IsValid(bytes))
        {
            return -1;
        }

        int at = 0;
        while (Rune.DecodeFromUtf8(bytes[at..], out _, out int consumed) == OperationStatus.Done)
        {
            at += consumed;
        }

        return at;
    }
}
