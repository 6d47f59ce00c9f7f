using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Xunit;

namespace BertGen.Cli.Tests;

/// <summary>The outcome of one in-process <c>bertgen</c> run.</summary>
internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    public string[] OutputLines => Lines(Output);

    public string[] ErrorLines => Lines(Error);

    /// <summary>Asserts the failure contract: the exit code, exactly one <c>bertgen: error:</c> line, no stack trace, no output.</summary>
    public string AssertOneLineError(int exitCode)
    {
        Assert.True(ExitCode == exitCode, $"exit code {ExitCode}, expected {exitCode}; stderr: {Error}");
        string line = Assert.Single(ErrorLines);
        Assert.StartsWith("bertgen: error: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
        Assert.Equal("", Output);
        return line;
    }

    private static string[] Lines(string text) =>
        text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToArray();
}

/// <summary>Runs the CLI in-process with captured streams; standard input is given as bytes (or is a terminal when null).</summary>
internal static class Cli
{
    public static CliResult Run(params string[] args) => RunWithInput((byte[]?)null, args);

    public static CliResult RunWithInput(string input, params string[] args) => RunWithInput(Encoding.UTF8.GetBytes(input), args);

    public static CliResult RunWithInput(byte[]? input, params string[] args) => RunWithInput(input, errorIsTerminal: false, args);

    public static CliResult RunWithInput(byte[]? input, bool errorIsTerminal, params string[] args) =>
        RunWithInput(input, errorIsTerminal, default, args);

    /// <summary>Runs with both standard output and standard error on a terminal <paramref name="width"/> columns wide.</summary>
    public static CliResult RunOnTerminal(int width, params string[] args) =>
        RunWithInput(null, errorIsTerminal: true, default, args, outputIsTerminal: true, width: width);

    /// <summary>Runs as if Ctrl-C had been pressed before the work began.</summary>
    public static CliResult RunInterrupted(params string[] args) =>
        RunWithInput(null, errorIsTerminal: false, new CancellationToken(canceled: true), args);

    /// <summary>
    /// Runs as if Ctrl-C were pressed as standard error gets a line starting with <paramref name="linePrefix"/>: for a
    /// training run, <c>bertgen: held-out at step 0</c> is a stop once its data is ready (a stop before that ends it
    /// without a checkpoint).
    /// </summary>
    public static CliResult RunInterruptedAt(string linePrefix, params string[] args)
    {
        using var interrupt = new CancellationTokenSource();
        return RunWithInput(null, errorIsTerminal: false, interrupt.Token, args, error: new InterruptingWriter(linePrefix, interrupt));
    }

    private static CliResult RunWithInput(byte[]? input, bool errorIsTerminal, CancellationToken interrupt, string[] args, bool outputIsTerminal = false, int width = 120,
        StringWriter? error = null)
    {
        var output = new StringWriter();
        error ??= new StringWriter();
        var console = new CliConsole(
            output,
            error,
            () => new MemoryStream(input ?? []),
            InputIsRedirected: input is not null,
            ErrorIsTerminal: errorIsTerminal,
            OutputIsTerminal: outputIsTerminal,
            Interrupt: interrupt,
            TerminalWidth: () => width);
        int code = BertGenCli.Run(args, console);
        return new CliResult(code, output.ToString(), error.ToString());
    }
}

/// <summary>Captures text, cancelling <c>interrupt</c> once a line starting with the prefix has been written.</summary>
internal sealed class InterruptingWriter(string linePrefix, CancellationTokenSource interrupt) : StringWriter
{
    public override void Write(char value)
    {
        base.Write(value);
        Check();
    }

    public override void Write(string? value)
    {
        base.Write(value);
        Check();
    }

    public override void Write(char[] buffer, int index, int count)
    {
        base.Write(buffer, index, count);
        Check();
    }

    public override void Write(ReadOnlySpan<char> buffer)
    {
        base.Write(buffer);
        Check();
    }

    public override void WriteLine(ReadOnlySpan<char> buffer)
    {
        base.WriteLine(buffer);
        Check();
    }

    private void Check()
    {
        if (!interrupt.IsCancellationRequested && ToString().Split('\n').Any(l => l.StartsWith(linePrefix, StringComparison.Ordinal)))
        {
            interrupt.Cancel();
        }
    }
}

/// <summary>A folder under the system temp folder, deleted on dispose.</summary>
internal sealed class TemporaryFolder : IDisposable
{
    public TemporaryFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "bertgen-cli-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

internal static class Embeddings
{
    /// <summary>Parses embed's JSON lines into (text, embedding) pairs.</summary>
    public static List<(string Text, float[] Embedding)> Parse(CliResult result)
    {
        var parsed = new List<(string, float[])>();
        foreach (string line in result.OutputLines)
        {
            using var json = System.Text.Json.JsonDocument.Parse(line);
            string text = json.RootElement.GetProperty("text").GetString()!;
            float[] embedding = json.RootElement.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            Assert.Equal(2, json.RootElement.EnumerateObject().Count());
            parsed.Add((text, embedding));
        }

        return parsed;
    }

    public static double Norm(float[] v) => Math.Sqrt(v.Sum(x => (double)x * x));

    public static double Cosine(float[] a, float[] b) => a.Zip(b, (x, y) => (double)x * y).Sum() / (Norm(a) * Norm(b));

    public static double MaxDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
}
