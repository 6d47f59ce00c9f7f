using System;
using System.Globalization;
using System.Linq;
using Xunit;

namespace BertGen.Cli.Tests;

public sealed class BenchCommandTests
{
    [Fact]
    public void ARowPerCompiledShapeForForwardAndTraining()
    {
        CliResult result = Cli.Run("bench", "--model", "bert-tiny-classifier", "--runs", "1", "--warmup", "0", "--quiet");

        Assert.True(result.ExitCode == 0, result.Error);
        string[][] rows = result.OutputLines.Where(l => l.StartsWith('|') && !l.Contains("median", StringComparison.Ordinal) && !l.Contains("---", StringComparison.Ordinal))
            .Select(TrainingCommandTests.Cells).ToArray();

        // The title names the micro-kernel path this machine runs (CI hosts have AVX-512).
        Assert.Contains(result.OutputLines, l => l.Contains("bert-tiny-classifier (BertTinyClassifier), ", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" threads, " + Commands.BenchCommand.KernelPath() + " kernels", StringComparison.Ordinal));
        Assert.Equal(["forward", "training step"], rows.Select(r => r[0]));
        foreach (string[] row in rows)
        {
            Assert.Equal(["16", "64"], row[1..3]);
            double median = double.Parse(row[3], CultureInfo.InvariantCulture);
            double tokensPerSecond = double.Parse(row[5], NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
            Assert.True(median > 0);

            // tokens/s is the shape's 1,024 tokens over the median.
            Assert.Equal(1024 / (median / 1000), tokensPerSecond, tokensPerSecond * 0.01 + 1);
            Assert.True(double.Parse(row[6], CultureInfo.InvariantCulture) > 0);
        }
    }

    [Fact]
    public void UnknownModel()
    {
        Assert.Contains("unknown model 'bert-huge'", Cli.Run("bench", "-m", "bert-huge").AssertOneLineError(2), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--runs", "2147483647", "--runs must be between 1 and 1,000,000, not 2147483647")]
    [InlineData("--runs", "0", "--runs must be between 1 and 1,000,000, not 0")]
    [InlineData("--warmup", "-1", "--warmup must be between 0 and 1,000,000, not -1")]
    public void RunCountsOutOfRangeAreUsageErrors(string option, string value, string message)
    {
        // --runs 2147483647 was "out of memory" (a time is kept per run), and either option's error named both.
        Assert.Equal("bertgen: error: " + message, Cli.Run("bench", "-m", "bert-tiny", option, value).AssertOneLineError(2));
    }

    [Fact]
    public void HelpMentionsThePeerComparisons()
    {
        CliResult result = Cli.Run("bench", "--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("bench/", result.Output, StringComparison.Ordinal);
        Assert.Contains("ONNX Runtime", result.Output, StringComparison.Ordinal);
    }
}
