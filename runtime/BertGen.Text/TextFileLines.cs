using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Text;
using BertGen.Runtime;

namespace BertGen.Text;

/// <summary>
/// The lines of a UTF-8 text data file (a corpus, a labelled-text file), plain or gzip-compressed (told apart by
/// content, not by name), checked as they are read so that damage is an error naming the file and line instead of a
/// shorter or altered data set:
/// <list type="bullet">
/// <item>bytes are decoded strictly: an invalid UTF-8 sequence names its line and byte;</item>
/// <item>a gzip file must be whole (<see cref="CheckedGzipStream"/>): not cut short, nothing after its end;</item>
/// <item>the last line must end with a line break, so a file cut mid-line is not read as a shorter last line;</item>
/// <item>a line may not exceed <see cref="MaxLineBytes"/> (a binary file has no line breaks to stop at).</item>
/// </list>
/// Line breaks are LF, CRLF or a lone CR (as <see cref="StreamReader.ReadLine()"/> splits); a UTF-8 byte-order mark
/// at the start is skipped. Internal: a program reads data files through <see cref="SentenceCorpusReader"/> and
/// <see cref="LabelledTextReader"/>, whose documentation states these checks.
/// </summary>
internal static class TextFileLines
{
    /// <summary>The longest line read (16 MiB): far beyond any sentence or labelled example.</summary>
    public const int MaxLineBytes = 16 << 20;

    /// <summary>Opens <paramref name="path"/> as decompressed content: gunzipped and checked when it starts with the gzip magic bytes.</summary>
    /// <param name="path">The file.</param>
    /// <param name="what">What the file is, for messages (<c>corpus</c>, <c>labelled text</c>).</param>
    public static Stream Open(string path, string what)
    {
        if (InputFiles.Problem(path, what) is string problem)
        {
            throw new TextDataException(problem);
        }

        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            byte[] magic = new byte[2];
            int read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            bool gzip = read == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
            if (file.CanSeek)
            {
                file.Position = 0;
                return gzip ? new CheckedGzipStream(file, path) : file;
            }

            // A pipe (a FIFO, or a shell's `<(zcat a.gz b.gz)`): read once, front to back. Its gzip trailer cannot be
            // reached before the data is used, so gzip is taken whole only from a file.
            return gzip
                ? throw new TextDataException($"{what} file {MessageText.QuotePath(path)} is gzip data from a pipe, which cannot be checked whole before it is read; "
                    + "decompress it into the pipe (zcat) or give the .gz file itself")
                : new ReplayedStartStream(magic.AsMemory(0, read), file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Every line of <paramref name="path"/> with its number (from 1), as described on the type.</summary>
    public static IEnumerable<(int Number, string Text)> Read(string path, string what)
    {
        using Stream content = Open(path, what);
        foreach ((int number, string text) in Read(content, path))
        {
            yield return (number, text);
        }
    }

    /// <summary>Every line of <paramref name="content"/>, checked as <see cref="Read(string, string)"/> describes.</summary>
    public static IEnumerable<(int Number, string Text)> Read(Stream content, string sourceName)
    {
        byte[] chunk = ArrayPool<byte>.Shared.Rent(1 << 16);
        var line = new ArrayBufferWriter<byte>(256);
        try
        {
            int number = 0;
            bool start = true;
            bool afterCarriageReturn = false;
            bool lineOpen = false;
            int read;
            while ((read = content.Read(chunk, 0, chunk.Length)) > 0)
            {
                int at = 0;
                if (start)
                {
                    start = false;
                    if (read >= 3 && chunk[0] == 0xEF && chunk[1] == 0xBB && chunk[2] == 0xBF)
                    {
                        at = 3;
                    }
                }

                while (at < read)
                {
                    if (afterCarriageReturn)
                    {
                        afterCarriageReturn = false;
                        if (chunk[at] == (byte)'\n')
                        {
                            at++;
                            continue;
                        }
                    }

                    int end = chunk.AsSpan(at, read - at).IndexOfAny((byte)'\n', (byte)'\r');
                    int length = end < 0 ? read - at : end;
                    if (line.WrittenCount + length > MaxLineBytes)
                    {
                        throw new TextDataException($"{sourceName} line {number + 1} is longer than {MaxLineBytes >> 20} MiB: this is not a text file of lines");
                    }

                    line.Write(chunk.AsSpan(at, length));
                    lineOpen = true;
                    if (end < 0)
                    {
                        break;
                    }

                    afterCarriageReturn = chunk[at + end] == (byte)'\r';
                    at += end + 1;
                    number++;
                    yield return (number, Decode(line.WrittenSpan, sourceName, number));
                    line.ResetWrittenCount();
                    lineOpen = false;
                }
            }

            if (lineOpen)
            {
                throw new TextDataException(
                    $"{sourceName} ends in the middle of line {number + 1} (no line break after it): the file looks cut off; if it is complete, end it with a line break");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private static string Decode(ReadOnlySpan<byte> bytes, string sourceName, int number)
    {
        int at = InvalidUtf8.FirstBadByte(bytes);
        if (at < 0)
        {
            return Encoding.UTF8.GetString(bytes);
        }

        throw new TextDataException($"{sourceName} line {number}: invalid UTF-8 at byte {at + 1} (0x{bytes[at]:X2})");
    }
}
