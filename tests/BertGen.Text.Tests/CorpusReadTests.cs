using System;
using System.IO;
using System.IO.Compression;
using System.IO.Pipes;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace BertGen.Text.Tests;

/// <summary>
/// A corpus read through a pipe (what a shell's <c>&lt;(cat a.txt b.txt)</c> passes: <c>/dev/fd/63</c>, a link whose text
/// is <c>pipe:[…]</c>), and a corpus read stopped by its cancellation token.
/// </summary>
public sealed class CorpusReadTests
{
    private static string CorpusText() => string.Join("\n\n", Enumerable.Range(0, 12).Select(d =>
        string.Join("\n", Enumerable.Range(0, 15).Select(s => $"document {d} sentence {s} says something about the weather")))) + "\n";

    /// <summary>
    /// The link's text names no file, so the reader called it "a symbolic link to 'pipe:[…]', which does not exist"; and
    /// its sniff for gzip seeked back, which a pipe cannot ("Stream does not support seeking", an internal error).
    /// </summary>
    [Fact]
    public async Task A_plain_corpus_through_a_pipe_reads_as_its_text()
    {
        string text = CorpusText();

        var read = await ThroughPipe(Encoding.UTF8.GetBytes(text), path => SentenceCorpusReader.ReadFile(path));

        Assert.Equal(SentenceCorpusReader.Read(new StringReader(text)), read);
        Assert.Equal(12, read.Count);
    }

    /// <summary>A gzip stream's trailer, which proves it whole, comes after its data: from a pipe it is refused, not trusted.</summary>
    [Fact]
    public async Task A_gzip_corpus_through_a_pipe_is_refused_with_the_way_out()
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(CorpusText()));
        }

        TextDataException error = await Assert.ThrowsAsync<TextDataException>(() => ThroughPipe(compressed.ToArray(), path => SentenceCorpusReader.ReadFile(path)));

        Assert.Matches(@"^corpus file '/proc/self/fd/\d+' is gzip data from a pipe, which cannot be checked whole before it is read; decompress it into the pipe \(zcat\) or give the \.gz file itself$", error.Message);
    }

    /// <summary>A stop asked for while a big corpus is read or built into instances ends that work, instead of minutes later.</summary>
    [Fact]
    public void A_cancelled_corpus_read_and_instance_build_stop()
    {
        string path = Path.Combine(Path.GetTempPath(), $"bertgen-corpus-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, CorpusText());
        try
        {
            using var stop = new CancellationTokenSource();
            stop.Cancel();
            var tokenizer = BertWordPieceTokenizer.Create(TestData.Vocabulary);

            Assert.Throws<OperationCanceledException>(() => SentenceCorpusReader.ReadFile(path, stop.Token));
            Assert.Throws<OperationCanceledException>(() => PretrainingCorpus.Load(path, tokenizer, stop.Token));
            PretrainingCorpus corpus = PretrainingCorpus.Load(path, tokenizer);
            Assert.Throws<OperationCanceledException>(() => new PretrainingBatchStream(corpus, TestData.Vocabulary, new PretrainingOptions { MaxSeqLength = 32 }, 2, cancellation: stop.Token));
            Assert.True(new PretrainingBatchStream(corpus, TestData.Vocabulary, new PretrainingOptions { MaxSeqLength = 32 }, 2).InstanceCount > 2);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // Reads `content` through an anonymous pipe by its /proc/self/fd path, as a process substitution's /dev/fd/63 is read.
    private static async Task<T> ThroughPipe<T>(byte[] content, Func<string, T> read)
    {
        using var pipe = new AnonymousPipeServerStream(PipeDirection.Out, HandleInheritability.None);
        string path = $"/proc/self/fd/{pipe.ClientSafePipeHandle.DangerousGetHandle()}";
        Assert.StartsWith("pipe:[", new FileInfo(path).LinkTarget, StringComparison.Ordinal);
        Task<T> reading = Task.Run(() => read(path));
        try
        {
            await pipe.WriteAsync(content);
        }
        catch (IOException)
        {
            // The reader refused the stream and closed its end first.
        }

        pipe.Dispose(); // the end of the data
        return await reading.WaitAsync(TimeSpan.FromMinutes(1));
    }
}
