using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Xunit;

namespace BertGen.Cli.Tests;

/// <summary>
/// Input given as a pipe, the way a shell hands it over: a process substitution (<c>--corpus &lt;(cat a.txt b.txt)</c>,
/// which arrives as <c>/dev/fd/63</c>) or a named FIFO; and a stop while a big corpus is still being read.
/// </summary>
[Collection(TrainingRunsCollection.Name)]
public sealed class PipedInputTests(TrainingRunsFixture runs)
{

    /// <summary>
    /// <c>/dev/fd/63</c> is a link whose text is <c>pipe:[…]</c>, not a path: every input check called it "a symbolic link
    /// to 'pipe:[…]', which does not exist". The corpus is read once, so a pipe now trains exactly as the file does.
    /// </summary>
    [Fact]
    public async Task A_corpus_through_process_substitution_trains_as_its_file_does()
    {
        string folder = runs.File("piped-corpus");
        string[] args = runs.PretrainArguments(folder, TrainingRunsFixture.PretrainSteps).Where((_, i) => i is not (1 or 2)).ToArray(); // without --corpus FILE
        (int code, string output, string error) = await RunInShell($"{Quoted(args)} --corpus <(cat {Quoted([runs.Corpus])})");

        Assert.True(code == 0, error);
        Assert.Equal(Metrics(runs.PretrainRun), Metrics(folder));
        Assert.Contains("held-out", output, StringComparison.Ordinal);
    }

    /// <summary>A command that reads its input file once takes a pipe for it as well.</summary>
    [Fact]
    public async Task Embed_reads_its_file_through_process_substitution()
    {
        (int code, string output, string error) = await RunInShell("embed --file <(printf 'hello world\\nsecond line\\n')");

        Assert.True(code == 0, error);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("{\"text\":\"hello world\",\"embedding\":[", lines[0], StringComparison.Ordinal);
    }

    /// <summary>A gzip stream cannot be proven whole (its trailer) before it is used: refused in one line, with the way out.</summary>
    [Fact]
    public async Task A_gzip_corpus_through_a_pipe_is_refused_with_the_way_out()
    {
        string gz = runs.File("piped-corpus.txt.gz");
        using (var gzip = new System.IO.Compression.GZipStream(File.Create(gz), System.IO.Compression.CompressionLevel.Fastest))
        {
            gzip.Write(File.ReadAllBytes(runs.Corpus));
        }

        string folder = runs.File("piped-gzip-corpus");
        string[] args = runs.PretrainArguments(folder, 1).Where((_, i) => i is not (1 or 2)).ToArray();
        (int code, _, string error) = await RunInShell($"{Quoted(args)} --corpus <(cat {Quoted([gz])})");

        Assert.Equal(1, code);
        Assert.Matches(@"^bertgen: error: corpus file '/dev/fd/\d+' is gzip data from a pipe, which cannot be checked whole before it is read; decompress it into the pipe \(zcat\) or give the \.gz file itself\n$", error);
        Assert.False(Directory.Exists(folder));
    }

    /// <summary>
    /// Fine-tuning reads its labelled files twice (the command's checks, then the run), so a pipe was at its end the second
    /// time: "has no examples". Refused up front instead, naming the option.
    /// </summary>
    [Fact]
    public async Task Training_files_read_twice_refuse_a_pipe_naming_the_option()
    {
        string folder = runs.File("piped-train");
        string[] args = runs.FinetuneArguments(folder).Where((_, i) => i is not (3 or 4)).ToArray(); // without --train FILE
        Assert.Equal("--eval", args[3]);
        (int code, _, string error) = await RunInShell($"{Quoted(args)} --train <(cat {Quoted([runs.Train])})");

        Assert.Equal(2, code);
        Assert.Matches(@"^bertgen: error: --train '/dev/fd/\d+' is a pipe, and training reads this file twice \(to check it, then to train\); give a file\n", error);
    }

    /// <summary>
    /// The refusal asked only the link's text, 'pipe:[N]': /dev/stdin fed by a pipe links to /proc/self/fd/0, so it
    /// passed and the second read found the pipe at its end, "vocabulary '/dev/stdin' is empty" (and a named FIFO, no link
    /// at all, waited forever for a second writer). The opened stream is asked instead.
    /// </summary>
    [Fact]
    public async Task A_vocabulary_piped_into_standard_input_is_refused_naming_the_option()
    {
        string folder = runs.File("piped-vocab");
        string[] args = [.. runs.PretrainArguments(folder, 1), "--vocab", "/dev/stdin"];
        (int code, _, string error) = await RunInShell($"{Quoted(args)} < <(cat {Quoted([Path.Combine(AppContext.BaseDirectory, "data", "bert-base-uncased-vocab.txt")])} 2>/dev/null)");

        Assert.Equal(2, code);
        Assert.Equal("bertgen: error: --vocab '/dev/stdin' is a pipe, and training reads this file twice (to check it, then to train); give a file\n", error);
        Assert.False(Directory.Exists(folder));
    }

    /// <summary>
    /// Ctrl-C while the corpus was still being read (minutes for a big one) waited for the whole read, the tokenisation and
    /// the evaluation before training, then checkpointed step 0. It now ends the read: one line, exit 130, no folder. The
    /// corpus here is a FIFO the test writes, so the stop lands mid-read for certain, and the read only goes on if it is
    /// fed: before, this run never ended.
    /// </summary>
    [Fact]
    public async Task CtrlC_while_the_corpus_is_read_ends_the_run_at_once_writing_nothing()
    {
        if (UnixProcess.IgnoresCtrlC())
        {
            return; // started from a shell's background job, whose children ignore Ctrl-C
        }

        string fifo = runs.File("fifo-corpus.txt");
        Assert.Equal(0, UnixProcess.MakeFifo(fifo));
        string folder = runs.File("stopped-while-reading");
        string[] args = [.. runs.PretrainArguments(folder, 1).Where((_, i) => i is not (1 or 2)), "--corpus", fifo];
        using Process process = Process.Start(BertGenProcess.StartInfo(args))!;
        try
        {
            byte[] corpus = File.ReadAllBytes(runs.Corpus);
            using FileStream writer = await Task.Run(() => new FileStream(fifo, FileMode.Open, FileAccess.Write)).WaitAsync(TimeSpan.FromMinutes(1));
            writer.Write(corpus);
            writer.Flush();

            Assert.Equal(0, UnixProcess.Signal(process.Id, UnixProcess.SigInt));

            // Feed it on (never closing the pipe) until it ends: a reader that goes on reading would never reach the end.
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            var clock = Stopwatch.StartNew();
            while (!process.HasExited && clock.Elapsed < TimeSpan.FromMinutes(1))
            {
                try
                {
                    writer.Write(corpus);
                    writer.Flush();
                }
                catch (IOException)
                {
                    break; // the reader closed the pipe: it has stopped
                }

                await Task.Delay(50);
            }

            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
            Assert.True(process.ExitCode == 130, $"exit code {process.ExitCode}; stderr: {await error}");
            Assert.Equal("", await output);
            Assert.Equal("bertgen: error: interrupted before training began; nothing was written; run it again to start over\n", await error);
            Assert.False(Directory.Exists(folder));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    // bash -c 'exec dotnet bertgen.dll ARGS', the command line given with its process substitution.
    private static async Task<(int Code, string Output, string Error)> RunInShell(string bertgenArguments)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec {Quoted([BertGenProcess.Host, BertGenProcess.App])} {bertgenArguments}");
        start.Environment.Remove("OMPI_COMM_WORLD_SIZE");
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        return (process.ExitCode, await output, await error);
    }

    private static string Quoted(string[] words) => string.Join(' ', words.Select(w => "'" + w.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));

    // metrics.csv without its seconds and tokens/s (the only columns that differ between two runs of the same steps).
    private static string[] Metrics(string folder)
    {
        string[] rows = File.ReadAllLines(Path.Combine(folder, "metrics.csv"));
        string[] header = rows[0].Split(',');
        int[] kept = Enumerable.Range(0, header.Length).Where(i => !header[i].Contains("second", StringComparison.Ordinal) && !header[i].Contains("per_s", StringComparison.Ordinal) && !header[i].Contains("time", StringComparison.Ordinal)).ToArray();
        return rows.Select(r => string.Join(',', kept.Select(i => r.Split(',')[i]))).ToArray();
    }



}
