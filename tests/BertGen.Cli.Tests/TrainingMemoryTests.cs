using System.IO;
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
    public void AGzipCorpusIsCountedAsThreeTimesItsLength_WhateverItsTrailerSays()
    {
        // A gzip file cut short ends in whatever bytes were there, not its length; trusting them refused a damaged corpus
        // for memory (up to 4 GiB × 16) instead of the reader naming the damage.
        string path = _folder.File("corpus.txt.gz");
        File.WriteAllBytes(path, [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 0xFF, 0xFF, 0xFF, 0xFF]);
        Assert.Equal(54, TrainingMemory.TextBytes(path));
    }

    [Fact]
    public void WhatIsNotThereOrHasNoLengthHoldsNothingKnown()
    {
        Assert.Equal(0, TrainingMemory.TextBytes(_folder.File("absent.txt")));
        Assert.Equal(0, TrainingMemory.TextBytes("/dev/null"));
    }
}
