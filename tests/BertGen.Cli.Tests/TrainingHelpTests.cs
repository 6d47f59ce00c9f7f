using System;
using Xunit;

namespace BertGen.Cli.Tests;

/// <summary>Every training and checkpoint command documents itself, with its defaults.</summary>
public sealed class TrainingHelpTests
{
    [Theory]
    [InlineData("pretrain", "--corpus", "[default: bert-tiny]", "[default: 300]", "--resume")]
    [InlineData("finetune", "--init", "[default: minilm-l6-classifier]", "[default: 0.0001]", "--labels")]
    [InlineData("finetune", "Under mpirun or with --replicas: reduce gradient buckets", "so off with --replicas", "Under mpirun or with --replicas, when the reduction overlaps")]
    [InlineData("fill-mask", "--checkpoint", "records, else bert-tiny)", "[default: 5]", "--format")]
    [InlineData("classify", "--checkpoint", "records, else minilm-l6-classifier)", "--labels", "--file")]
    [InlineData("bench", "--runs", "[default: minilm-l6]", "[default: 10]", "--warmup")]
    public void HelpListsTheOptionsAndDefaults(string command, params string[] expected)
    {
        CliResult result = Cli.Run(command, "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error);
        foreach (string text in expected)
        {
            Assert.Contains(text, result.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void RootHelpListsTheNewCommands()
    {
        string output = Cli.Run("--help").Output;
        foreach (string command in new[] { "pretrain", "finetune", "fill-mask", "classify", "bench" })
        {
            Assert.Contains("  " + command, output, StringComparison.Ordinal);
        }
    }
}
