using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using Xunit;

namespace BertGen.Text.Tests;

/// <summary>
/// Damaged corpus and labelled-text files are errors naming the file and line, never a shorter or altered data set
/// (issue 15: a gzip corpus cut at 70% was read as 41 of 60 documents with exit 0).
/// </summary>
public sealed class DamagedTextFileTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "bertgen-text-tests-" + Guid.NewGuid().ToString("N"));

    public DamagedTextFileTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>60 documents of 20 sentences, as a corpus file's text.</summary>
    private static string CorpusText() => string.Join("\n\n", Enumerable.Range(0, 60).Select(d =>
        string.Join("\n", Enumerable.Range(0, 20).Select(s => $"document {d} sentence {s} says something about the weather")))) + "\n";

    [Fact]
    public void AnIntactGzipCorpusReadsAsItsText()
    {
        string text = CorpusText();
        string path = Write("corpus.txt.gz", Gzip(text));

        Assert.Equal(SentenceCorpusReader.Read(new StringReader(text)), SentenceCorpusReader.ReadFile(path));
        Assert.Equal(60, SentenceCorpusReader.ReadFile(path).Count);
    }

    [Theory]
    [InlineData(0.7)]
    [InlineData(0.999)]
    public void ATruncatedGzipCorpusIsRefused(double kept)
    {
        byte[] whole = Gzip(CorpusText());
        string path = Write("cut.txt.gz", whole[..(int)(whole.Length * kept)]);

        TextDataException error = Assert.Throws<TextDataException>(() => SentenceCorpusReader.ReadFile(path));

        Assert.Contains("is truncated or has bytes after its end", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0 })]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o', (byte)'\n' })]
    [InlineData(new byte[] { 0x1F, 0x8B })]
    public void BytesAfterTheGzipStreamAreRefused(byte[] trailing)
    {
        string path = Write("padded.txt.gz", [.. Gzip(CorpusText()), .. trailing]);

        TextDataException error = Assert.Throws<TextDataException>(() => SentenceCorpusReader.ReadFile(path));

        Assert.Contains("is truncated or has bytes after its end", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACorruptGzipBlockIsATextErrorNotAnUnsupportedCompressionMethod()
    {
        byte[] bytes = Gzip(CorpusText());
        bytes[bytes.Length / 2] ^= 0x10;
        string path = Write("corrupt.txt.gz", bytes);

        TextDataException error = Assert.Throws<TextDataException>(() => SentenceCorpusReader.ReadFile(path));

        Assert.StartsWith($"gzip file '{path}' is", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConcatenatedGzipMembersAreOneFile()
    {
        string first = "a first document\nof two lines\n\n";
        string second = "a second document\n";
        string path = Write("members.txt.gz", [.. Gzip(first), .. Gzip(second)]);

        Assert.Equal(SentenceCorpusReader.Read(new StringReader(first + second)), SentenceCorpusReader.ReadFile(path));
    }

    [Fact]
    public void InvalidUtf8InACorpusNamesItsLineAndByte()
    {
        // Issue 15: this was "internal error (DecoderFallbackException)" with no line number.
        byte[] bytes = [.. "first line\nsecond line\nthird "u8, 0xC3, 0x28, .. " line\n"u8];
        string plain = Write("bad.txt", bytes);
        string zipped = Write("bad.txt.gz", Gzip(bytes));

        Assert.Equal($"{plain} line 3: invalid UTF-8 at byte 7 (0xC3)", Assert.Throws<TextDataException>(() => SentenceCorpusReader.ReadFile(plain)).Message);
        Assert.Equal($"{zipped} line 3: invalid UTF-8 at byte 7 (0xC3)", Assert.Throws<TextDataException>(() => SentenceCorpusReader.ReadFile(zipped)).Message);
    }

    [Fact]
    public void AFileCutMidLineIsRefused()
    {
        string path = Write("cut.txt", Encoding.UTF8.GetBytes("a whole line\nand half a li"));

        TextDataException error = Assert.Throws<TextDataException>(() => SentenceCorpusReader.ReadFile(path));

        Assert.Equal($"{path} ends in the middle of line 2 (no line break after it): the file looks cut off; if it is complete, end it with a line break", error.Message);
    }

    [Fact]
    public void LabelledTextFilesAreCheckedTheSameWay()
    {
        byte[] whole = Gzip("OT\tIn the beginning\nNT\tJesus wept\n");
        string cut = Write("cut.tsv.gz", whole[..^3]);
        string badUtf8 = Write("bad.tsv", [.. "OT\tfine\nNT\t"u8, 0xFF, .. "\n"u8]);
        string midLine = Write("mid.tsv", Encoding.UTF8.GetBytes("OT\tfine\nNT\tJesus"));

        Assert.Contains("is truncated or has bytes after its end", Assert.Throws<TextDataException>(() => LabelledTextReader.ReadFile(cut)).Message, StringComparison.Ordinal);
        Assert.Equal($"{badUtf8} line 2: invalid UTF-8 at byte 4 (0xFF)", Assert.Throws<TextDataException>(() => LabelledTextReader.ReadFile(badUtf8)).Message);
        Assert.Contains("ends in the middle of line 2", Assert.Throws<TextDataException>(() => LabelledTextReader.ReadFile(midLine)).Message, StringComparison.Ordinal);
        Assert.Equal(2, LabelledTextReader.ReadFile(Write("whole.tsv.gz", whole)).Count);
    }

    [Fact]
    public void LineBreaksAreSplitAsStreamReaderSplitsThem()
    {
        string text = "\uFEFFone\r\ntwo\rthree\n\nfour\r\n";
        string path = Write("breaks.txt", Encoding.UTF8.GetBytes(text));

        List<string> expected = [];
        using (var reader = new StringReader(text[1..]))
        {
            while (reader.ReadLine() is { } line)
            {
                expected.Add(line);
            }
        }

        Assert.Equal(expected, TextFileLines.Read(path, "test").Select(l => l.Text));
        Assert.Equal([1, 2, 3, 4, 5], TextFileLines.Read(path, "test").Select(l => l.Number));
    }

    [Fact]
    public void AFolderIsNotAFile()
    {
        TextDataException error = Assert.Throws<TextDataException>(() => SentenceCorpusReader.ReadFile(_folder));

        Assert.Equal($"corpus file '{_folder}' is a folder, not a file", error.Message);
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Gzip(string text) => Gzip(Encoding.UTF8.GetBytes(text));

    private static byte[] Gzip(byte[] bytes)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }
}
