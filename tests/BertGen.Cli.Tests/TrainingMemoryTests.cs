using System.IO;
using System.IO.Compression;
using System.Linq;
using BertGen.Cli.Training;
using Xunit;

namespace BertGen.Cli.Tests;

/// <summary><see cref="TrainingMemory.TextBytes"/>: what a corpus file holds in text, judged without reading it.</summary>
public sealed class TrainingMemoryTests : System.IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void APlainCorpusHoldsItsLength()
    {
        string path = _folder.File("corpus.txt");
        File.WriteAllText(path, "in the beginning\n");
        Assert.Equal(17, TrainingMemory.TextBytes(path));
    }

    [Fact]
    public void AGzipCorpusHoldsWhatItsTrailerRecords()
    {
        // 2 MB of one repeated line compresses ~300×: the trailer's ISIZE, not 3× the file, is the text's length.
        string path = _folder.File("corpus.txt.gz");
        string text = string.Concat(Enumerable.Repeat("and god said let there be light\n", 65_536));
        using (var gzip = new GZipStream(File.Create(path), CompressionLevel.Optimal))
        using (var writer = new StreamWriter(gzip))
        {
            writer.Write(text);
        }

        Assert.True(new FileInfo(path).Length * 3 < text.Length);
        Assert.Equal(text.Length, TrainingMemory.TextBytes(path));
    }

    [Fact]
    public void WhatIsNotThereOrHasNoLengthHoldsNothingKnown()
    {
        Assert.Equal(0, TrainingMemory.TextBytes(_folder.File("absent.txt")));
        Assert.Equal(0, TrainingMemory.TextBytes("/dev/null"));
    }
}
