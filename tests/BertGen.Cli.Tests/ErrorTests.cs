using System;
using System.IO;
using System.Text;
using System.Threading.Tasks;
using BertGen.Runtime;
using BertGen.Runtime.Weights;
using Xunit;

namespace BertGen.Cli.Tests;

/// <summary>Every failure is one line <c>bertgen: error: …</c> on stderr, exit 2 for usage and 1 for failed work, no stack trace.</summary>
public sealed class ErrorTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void ABatchBudgetNoInputFitsIsRefusedBeforeServeListens()
    {
        // It was refused once the model had loaded, after a "listening on …" line: two lines, and a port bound for nothing.
        string line = Cli.Run("serve", "--port", "0", "--max-batch-tokens", "100").AssertOneLineError(2);

        Assert.Equal("bertgen: error: --max-batch-tokens must be at least 512, the positions of the compiled shape that holds the longest input, not 100", line);
    }

    [Theory]
    [InlineData("--port", "99999", "--port must be between 0 and 65535, not 99999")]
    [InlineData("--port", "-1", "--port must be between 0 and 65535, not -1")]
    [InlineData("--max-batch-tokens", "0", "--max-batch-tokens must be positive, not 0")]
    [InlineData("--max-concurrent-requests", "-3", "--max-concurrent-requests must be positive, not -3")]
    [InlineData("--max-client-batch-size", "0", "--max-client-batch-size must be positive, not 0")]
    [InlineData("--payload-limit", "-1", "--payload-limit must be positive, not -1")]
    public void AServeOptionOutOfRangeIsEchoed(string option, string value, string message)
    {
        // Refused without the value given, as no other option's refusal is (--port 99999 said only "must be between 0 and 65535").
        string line = Cli.Run("serve", option, value).AssertOneLineError(2);

        Assert.Equal($"bertgen: error: {message}", line);
    }

    [Fact]
    public void MissingInputFile()
    {
        string line = Cli.Run("embed", "--file", _folder.File("absent.txt")).AssertOneLineError(1);
        Assert.Contains("absent.txt' does not exist", line, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingWeightsFile()
    {
        string line = Cli.Run("embed", "--model", "minilm-l6", "--weights", _folder.File("absent.safetensors"), "x").AssertOneLineError(1);
        Assert.Contains("absent.safetensors' does not exist", line, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedSafetensors()
    {
        string path = TinySafetensors([10, 4]);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 20)]);
        string line = Cli.Run("embed", "--model", "minilm-l6", "--weights", path, "x").AssertOneLineError(1);
        Assert.Contains("truncated", line, StringComparison.Ordinal);
    }

    [Fact]
    public void CorruptedSafetensorsHeader()
    {
        string path = TinySafetensors([10, 4]);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[8] = (byte)'X';
        File.WriteAllBytes(path, bytes);
        Cli.Run("embed", "--model", "minilm-l6", "--weights", path, "x").AssertOneLineError(1);
    }

    [Fact]
    public void CorruptedOnnx()
    {
        string path = _folder.File("model.onnx");
        var random = new Random(7);
        var bytes = new byte[4096];
        random.NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        Cli.Run("embed", "--model", "minilm-l6", "--weights", path, "x").AssertOneLineError(1);
    }

    [Fact]
    public void WeightsWhoseShapesDoNotMatch()
    {
        string path = TinySafetensors([10, 4]);
        string line = Cli.Run("embed", "--model", "minilm-l6", "--weights", path, "x").AssertOneLineError(1);
        Assert.Contains("embeddings.word_embeddings.weight", line, StringComparison.Ordinal);
        Assert.Contains("[30522, 384]", line, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyStandardInput()
    {
        string line = Cli.RunWithInput("\n   \n\r\n", "embed").AssertOneLineError(1);
        Assert.Contains("empty input", line, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyFile()
    {
        string path = _folder.File("empty.txt");
        File.WriteAllBytes(path, []);
        Assert.Contains("empty input", Cli.Run("similarity", "--file", path).AssertOneLineError(1), StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidUtf8OnStandardInputNamesLineAndByte()
    {
        // Line 2 is "ab" then a lone continuation byte at its 3rd byte.
        byte[] input = [.. "first line\n"u8, .. "ab"u8, 0x80, .. "c\n"u8];
        string line = Cli.RunWithInput(input, "embed").AssertOneLineError(1);
        Assert.Contains("invalid UTF-8 on line 2 at byte 3 (0x80", line, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidUtf8InAFile()
    {
        // An overlong encoding of '/', which a lenient decoder would accept or replace.
        string path = _folder.File("bad.txt");
        File.WriteAllBytes(path, [.. "ok\n"u8, 0xC0, 0xAF, .. "\n"u8]);
        string line = Cli.Run("embed", "--file", path).AssertOneLineError(1);
        Assert.Contains("bad.txt: invalid UTF-8 on line 2 at byte 1", line, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownModel()
    {
        string line = Cli.Run("embed", "--model", "gpt-2", "x").AssertOneLineError(2);
        Assert.Contains("unknown model 'gpt-2'", line, StringComparison.Ordinal);
        Assert.Contains("minilm", line, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownCompiledModelIsOneMessageEverywhere()
    {
        // bench said "unknown model 'x'; compiled: …", inspect "unknown model 'x': no compiled spec of that name; compiled: …".
        string inspect = Cli.Run("inspect", "gpt-2").AssertOneLineError(2);
        Assert.StartsWith("bertgen: error: unknown model 'gpt-2': no compiled model of that name; compiled: ", inspect, StringComparison.Ordinal);
        Assert.Contains("bert-tiny", inspect, StringComparison.Ordinal);
        Assert.Equal(inspect, Cli.Run("bench", "-m", "gpt-2").AssertOneLineError(2));
        Assert.Equal(inspect, Cli.Run("pretrain", "--model", "gpt-2", "--checkpoints", _folder.File("never-gpt-2")).AssertOneLineError(2));
    }

    [Fact]
    public void CompiledModelWithoutWeights()
    {
        Assert.Contains("--weights", Cli.Run("embed", "--model", "bert-tiny", "x").AssertOneLineError(2), StringComparison.Ordinal);
    }

    [Fact]
    public void WeightsOfAnUnknownFormat()
    {
        string path = _folder.File("weights.bin");
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Contains(".safetensors or .onnx", Cli.Run("embed", "--model", "minilm-l6", "--weights", path, "x").AssertOneLineError(2), StringComparison.Ordinal);
    }

    [Fact]
    public void MissingAndMismatchedVocabulary()
    {
        Cli.Run("embed", "--vocab", _folder.File("absent-vocab.txt"), "x").AssertOneLineError(1);

        string small = _folder.File("small-vocab.txt");
        File.WriteAllText(small, "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n");
        Assert.Contains("has 6 tokens", Cli.Run("embed", "--vocab", small, "x").AssertOneLineError(1), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("embed", "--frobnicate", "x")]
    [InlineData("similarity", "a", "-z", "b")]
    [InlineData("embed", "--pooling", "max", "x")]
    [InlineData("similarity", "--format", "xml", "a", "b")]
    [InlineData("inspect", "bert-base", "--format", "csv")]
    [InlineData("embed", "--threads", "0", "x")]
    [InlineData("embed", "--threads", "many", "x")]
    [InlineData("pretrain", "--replicas", "0")]
    [InlineData("finetune", "--replicas", "65")]
    [InlineData("train")]
    [InlineData]
    public void UsageErrors(params string[] args) => Cli.Run(args).AssertOneLineError(2);

    [Theory]
    [InlineData("cannot parse argument 'many' for option '--threads' as an integer", "embed", "--threads", "many", "x")] // an int?
    [InlineData("cannot parse argument '1.5' for option '--top-k' as an integer", "fill-mask", "--checkpoint", "none", "--top-k", "1.5", "a [MASK]")]
    [InlineData("cannot parse argument 'x' for option '--steps' as an integer", "pretrain", "--steps", "x")] // a long
    [InlineData("cannot parse argument '-1' for option '--seed' as an integer of 0 or more", "pretrain", "--seed", "-1")] // a ulong
    [InlineData("cannot parse argument '1e-4x' for option '--lr' as a number", "finetune", "--lr", "1e-4x")] // a double
    public void ANumberThatDoesNotParseIsNamedInWordsNotDotNetTypes(string expected, params string[] args)
    {
        // Was "… as expected type 'System.Nullable`1[System.Int32]'".
        string line = Cli.Run(args).AssertOneLineError(2);
        Assert.StartsWith("bertgen: error: " + expected + " (see 'bertgen ", line, StringComparison.Ordinal);
    }

    [Fact]
    public void ReplicasThatDoNotFitInMemory_AreRefusedBeforeAnythingIsAllocated()
    {
        // 64 BERT-base replicas at 8×128 need ~215 GiB: more than any machine running these tests has, and a process the
        // kernel kills for memory says nothing.
        string line = Cli.Run("pretrain", "--model", "bert-base", "--batch", "8", "--replicas", "64", "--checkpoints", _folder.File("replicas")).AssertOneLineError(1);
        Assert.Contains("--replicas 64 needs 215.", line, StringComparison.Ordinal);
        Assert.Contains("use fewer replicas", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_folder.File("replicas")));
    }

    [Theory]
    [InlineData("corpus.txt", "1,099,512")]
    [InlineData("corpus.txt.gz", "3,298,535")]
    public void ACorpusThatWouldNotFitInMemory_IsRefusedBeforeItIsRead(string name, string megabytes)
    {
        // A sparse file of 1 TiB: no disk, and ~16 TiB once tokenised into instances, more than any machine running these
        // tests has. A real corpus that size was read until the kernel killed the process for memory, which prints nothing;
        // a .gz is counted as 3× its own length.
        string corpus = _folder.File(name);
        using (FileStream stream = File.Create(corpus))
        {
            stream.SetLength(1L << 40);
        }

        string line = Cli.Run("pretrain", "--model", "bert-tiny", "--corpus", corpus, "--checkpoints", _folder.File("huge")).AssertOneLineError(1);
        Assert.Contains($"the corpus '{corpus}' ({megabytes} MB of text) needs about ", line, StringComparison.Ordinal);
        Assert.EndsWith("GiB this machine has available: pretrain on a part of it", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_folder.File("huge")));
    }

    [Fact]
    public async Task ReplicaZeroRefusingTheFolder_EndsTheOtherReplicasBeforeTheyReadTheirData()
    {
        // Replica 0 refuses the folder at once (metrics.csv is a folder). The corpus is a FIFO no one writes, whose open
        // blocks: a replica that read its data before learning of replica 0's error would never learn of it (with an
        // ordinary big corpus it learned only after loading it, minutes later).
        string run = _folder.File("run");
        Directory.CreateDirectory(Path.Combine(run, "metrics.csv"));
        string corpus = _folder.File("corpus.fifo");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", corpus))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        Task<CliResult> refused = Task.Run(() => Cli.Run("pretrain", "--replicas", "2", "--corpus", corpus, "--checkpoints", run));
        if (await Task.WhenAny(refused, Task.Delay(TimeSpan.FromMinutes(1))) != refused)
        {
            using (new FileStream(corpus, FileMode.Open, FileAccess.Write))
            {
                // An empty corpus for the replica waiting on it: it fails and the run ends, instead of blocking the test host.
            }

            Assert.Fail("replica 1 opened the corpus before it learned that replica 0 had failed");
        }

        string line = (await refused).AssertOneLineError(1);
        Assert.Contains("metrics.csv': it is a folder", line, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownCommandIsNamed()
    {
        Assert.Contains("'train'", Cli.Run("train").AssertOneLineError(2), StringComparison.Ordinal);
    }

    [Fact]
    public void TextsStartingWithADashGoAfterDoubleDash()
    {
        Assert.Contains("'--frobnicate'", Cli.Run("embed", "--frobnicate").AssertOneLineError(2), StringComparison.Ordinal);
        CliResult result = Cli.Run("embed", "--", "-5 degrees", "--not-an-option");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(2, result.OutputLines.Length);
    }

    [Fact]
    public void NoInputFromATerminal()
    {
        // Standard input is a terminal (not redirected) and nothing else was given: say so rather than wait.
        Assert.Contains("no input", Cli.Run("embed").AssertOneLineError(2), StringComparison.Ordinal);
    }

    [Fact]
    public void VerboseAddsTheDetails()
    {
        string path = TinySafetensors([10, 4]);
        CliResult result = Cli.Run("embed", "--verbose", "--model", "minilm-l6", "--weights", path, "x");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("bertgen: error: ", result.ErrorLines[0], StringComparison.Ordinal);
        Assert.Contains(nameof(WeightFileException), result.Error, StringComparison.Ordinal);
        Assert.Contains("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void VerboseSuccessReportsStageTimings()
    {
        CliResult result = Cli.Run("embed", "--verbose", "timed");
        Assert.Equal(0, result.ExitCode);
        Assert.Single(result.OutputLines);
        Assert.All(result.ErrorLines, line => Assert.Matches(@"^bertgen: time: [a-zA-Z ]+: \d+\.\d ms$", line));
        Assert.Contains(result.ErrorLines, line => line.StartsWith("bertgen: time: pack weights", StringComparison.Ordinal));
        Assert.Contains(result.ErrorLines, line => line.StartsWith("bertgen: time: embed the first chunk", StringComparison.Ordinal));
    }

    [Fact]
    public void HelpForEveryCommand()
    {
        foreach (string command in new[] { "embed", "similarity", "inspect" })
        {
            CliResult result = Cli.Run(command, "--help");
            Assert.Equal(0, result.ExitCode);
            Assert.Equal("", result.Error);
            Assert.Contains("Usage:", result.Output, StringComparison.Ordinal);
        }

        Assert.Contains("--pooling", Cli.Run("embed", "--help").Output, StringComparison.Ordinal);
        CliResult root = Cli.Run("--help");
        Assert.Contains("similarity", root.Output, StringComparison.Ordinal);
    }

    /// <summary>A valid safetensors file holding one word-embedding tensor of the given shape.</summary>
    private string TinySafetensors(int[] shape)
    {
        string path = _folder.File($"tiny-{Guid.NewGuid():N}.safetensors");
        var table = new[] { new ParameterInfo("embeddings.word_embeddings.weight", 0, shape, ParameterKind.Embedding) };
        var values = new float[shape[0] * shape[1]];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = i * 0.5f;
        }

        ParameterSaver.SaveSafetensors(path, table, values);
        Assert.Equal((byte)'{', File.ReadAllBytes(path)[8]);
        return path;
    }
}
