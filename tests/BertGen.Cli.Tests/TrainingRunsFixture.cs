using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using Xunit;

namespace BertGen.Cli.Tests;

/// <summary>
/// One short pretraining run of bert-tiny and one fine-tuning run of bert-tiny-classifier from it, on small slices
/// of the bundled King James data, shared by the tests of the commands that read their checkpoints.
/// </summary>
public sealed class TrainingRunsFixture : IDisposable
{
    public const int PretrainSteps = 3;
    public const int FinetuneSteps = 2;

    private readonly TemporaryFolder _folder = new();

    public TrainingRunsFixture()
    {
        Corpus = _folder.File("corpus.txt");
        WriteCorpusSlice(Corpus, documents: 10, linesPerDocument: 30);
        Train = _folder.File("train.tsv");
        Dev = _folder.File("dev.tsv");
        WriteTaskSlice(Path.Combine(AppContext.BaseDirectory, "data", "kjv-testament-train.tsv.gz"), Train, perLabel: 40);
        WriteTaskSlice(Path.Combine(AppContext.BaseDirectory, "data", "kjv-testament-dev.tsv.gz"), Dev, perLabel: 12);

        PretrainRun = _folder.File("pretrain");
        Pretrain = Cli.Run(PretrainArguments(PretrainRun, PretrainSteps));
        Assert.True(Pretrain.ExitCode == 0, Pretrain.Error);

        FinetuneRun = _folder.File("finetune");
        Finetune = Cli.Run([.. FinetuneArguments(FinetuneRun), "--init", PretrainRun]);
        Assert.True(Finetune.ExitCode == 0, Finetune.Error);
    }

    public string Corpus { get; }

    public string Train { get; }

    public string Dev { get; }

    /// <summary>The pretraining run's checkpoint folder (checkpoint-000000003 inside).</summary>
    public string PretrainRun { get; }

    internal CliResult Pretrain { get; }

    public string FinetuneRun { get; }

    internal CliResult Finetune { get; }

    public string File(string name) => _folder.File(name);

    /// <summary>bert-tiny at its 8 × 128 shape, one held-out batch, evaluations only before and after.</summary>
    public string[] PretrainArguments(string checkpoints, int steps, int batch = 8) =>
        ["pretrain", "--corpus", Corpus, "--steps", steps.ToString(System.Globalization.CultureInfo.InvariantCulture), "--batch", batch.ToString(System.Globalization.CultureInfo.InvariantCulture), "--eval-batches", "1",
         "--eval-every", "1000", "--warmup", "1", "--checkpoints", checkpoints];

    public string[] FinetuneArguments(string checkpoints, string? train = null, int batch = 16, int steps = FinetuneSteps, string? dev = null, int evaluateEvery = 1000) =>
        ["finetune", "--model", "bert-tiny-classifier", "--train", train ?? Train, "--eval", dev ?? Dev, "--steps", steps.ToString(System.Globalization.CultureInfo.InvariantCulture),
         "--batch", batch.ToString(System.Globalization.CultureInfo.InvariantCulture), "--eval-every", evaluateEvery.ToString(System.Globalization.CultureInfo.InvariantCulture), "--checkpoints", checkpoints];

    public void Dispose() => _folder.Dispose();

    /// <summary>Asserts a PNG file: the signature and an IHDR of the plot's size.</summary>
    public static void AssertPng(string path)
    {
        byte[] bytes = System.IO.File.ReadAllBytes(path);
        Assert.True(bytes.Length > 1000, $"{path} is {bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        Assert.Equal("IHDR", Encoding.ASCII.GetString(bytes, 12, 4));
        Assert.Equal(1000, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(560, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    /// <summary>The rows of a metrics.csv as (kind, step) with each row's named columns.</summary>
    public static List<Dictionary<string, string>> ReadMetrics(string path)
    {
        string[] lines = System.IO.File.ReadAllLines(path);
        string[] header = lines[0].Split(',');
        return lines.Skip(1).Select(l => header.Zip(l.Split(','), (h, v) => (h, v)).ToDictionary(p => p.h, p => p.v)).ToList();
    }

    private static void WriteCorpusSlice(string path, int documents, int linesPerDocument)
    {
        string text = ReadGzip(Path.Combine(AppContext.BaseDirectory, "data", "kjv-sentences.txt.gz"));
        IEnumerable<string> slices = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Take(documents)
            .Select(d => string.Join('\n', d.Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(linesPerDocument)));
        System.IO.File.WriteAllText(path, string.Join("\n\n", slices) + "\n");
    }

    /// <summary>The first <paramref name="perLabel"/> examples of each label, interleaved.</summary>
    private static void WriteTaskSlice(string source, string path, int perLabel)
    {
        string[] lines = ReadGzip(source).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] ot = lines.Where(l => l.StartsWith("OT\t", StringComparison.Ordinal)).Take(perLabel).ToArray();
        string[] nt = lines.Where(l => l.StartsWith("NT\t", StringComparison.Ordinal)).Take(perLabel).ToArray();
        System.IO.File.WriteAllLines(path, ot.Zip(nt, (a, b) => new[] { a, b }).SelectMany(p => p));
    }

    private static string ReadGzip(string path)
    {
        using var gzip = new GZipStream(System.IO.File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}

[CollectionDefinition(Name)]
public sealed class TrainingRunsCollection : ICollectionFixture<TrainingRunsFixture>
{
    public const string Name = "training runs";
}
