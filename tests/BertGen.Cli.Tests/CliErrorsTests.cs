using System;
using System.Collections.Generic;
using System.IO;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Training;
using BertGen.Runtime.Weights;
using Xunit;

namespace BertGen.Cli.Tests;

/// <summary>
/// The error line for exceptions no command raises yet (checkpoints, training, optimisation: for pretrain and
/// finetune) and for bugs: still one line, with the right exit code.
/// </summary>
public sealed class CliErrorsTests
{
    public static IEnumerable<object[]> RuntimeFailures() =>
    [
        [new CheckpointException("checkpoint 'step-100' was written by model BertMini, not BertTiny")],
        [new TrainingException("loss is NaN at step 12")],
        [new OptimizationException("learning rate must be positive")],
        [new WeightFileException("tensor 'x' is truncated")],
        [new FileNotFoundException("gone", "/data/corpus.txt")],
    ];

    [Theory]
    [MemberData(nameof(RuntimeFailures))]
    public void RuntimeFailuresAreOneLineWithExitCodeOne(Exception exception)
    {
        var error = new StringWriter();
        Assert.Equal(1, CliErrors.Report(exception, error, verbose: false));
        string line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("bertgen: error: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", line, StringComparison.Ordinal);
    }

    [Fact]
    public void AWriteTheFileSystemRefusedSaysWhy()
    {
        // A full disk was "the file system refused it"; .NET's own message names the hidden temporary file written first.
        var full = new IOException("No space left on device : '/data/.minilm.int8.safetensors.5f0c.tmp'");
        Assert.Equal("cannot write 'minilm.int8.safetensors': no space left on device", OutputFile.CannotWrite("minilm.int8.safetensors", full).Message);
        Assert.Equal("cannot write 'spec.bert.json': permission denied", OutputFile.CannotWrite("spec.bert.json", new UnauthorizedAccessException("Access denied")).Message);
    }

    [Fact]
    public void AnUnexpectedExceptionIsAnInternalErrorOnOneLine()
    {
        var error = new StringWriter();
        int code = CliErrors.Report(new InvalidOperationException("first line\nsecond\tline"), error, verbose: false);

        Assert.Equal(1, code);
        Assert.Equal("bertgen: error: internal error (InvalidOperationException): first line second line (run with --verbose for details)\n", error.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public void UsageErrorsExitWithTwo()
    {
        var error = new StringWriter();
        Assert.Equal(2, CliErrors.Report(new CliUsageException("unknown model 'x'"), error, verbose: false));
        Assert.Equal("bertgen: error: unknown model 'x'", error.ToString().TrimEnd());
    }

    [Theory]
    [InlineData("Cannot hold out 6 of 4 documents.", "cannot hold out 6 of 4 documents")]
    [InlineData("The masked LM weight 0.5 at 3 is neither 0 (padding) nor 1 (a prediction).", "the masked LM weight 0.5 at 3 is neither 0 (padding) nor 1 (a prediction)")]
    [InlineData("A held-out share must be above 0.", "a held-out share must be above 0")]
    [InlineData("BertTiny: call PrepareWeights() first", "BertTiny: call PrepareWeights() first")]
    [InlineData("MLM head missing", "MLM head missing")]
    [InlineData("loss is NaN at step 12", "loss is NaN at step 12")]
    [InlineData("wait...", "wait...")]
    public void RuntimeSentencesReadAsOneClauseAfterTheErrorPrefix(string message, string shown)
    {
        var error = new StringWriter();
        CliErrors.Report(new TrainingException(message), error, verbose: false);
        Assert.Equal("bertgen: error: " + shown, error.ToString().TrimEnd());
    }
}
