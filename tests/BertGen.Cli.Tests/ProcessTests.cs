using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace BertGen.Cli.Tests;

/// <summary>
/// The built <c>bertgen.dll</c> as a real process: the console wiring the in-process tests bypass (UTF-8 on
/// pipes whatever the locale, exit codes, stdin as raw bytes, the pretrained/ folder beside the app).
/// </summary>
public sealed class ProcessTests
{
    [Fact]
    public async Task PipedLinesBecomeJsonLinesInUtf8()
    {
        (int code, string output, string error) = await RunAsync("Crème brûlée\nThis is an example sentence\n"u8.ToArray(), "embed");

        Assert.True(code == 0, error);
        Assert.Equal("", error);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using JsonDocument first = JsonDocument.Parse(lines[0]);
        Assert.Equal("Crème brûlée", first.RootElement.GetProperty("text").GetString());
        using JsonDocument second = JsonDocument.Parse(lines[1]);
        Assert.Equal(0.0677, second.RootElement.GetProperty("embedding")[0].GetDouble(), 3);
    }

    [Fact]
    public async Task InvalidUtf8IsOneLineAndExitCodeOne()
    {
        (int code, string output, string error) = await RunAsync([0x61, 0x0A, 0x62, 0xE2, 0x82, 0x0A], "embed");

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal("bertgen: error: standard input: invalid UTF-8 on line 2 at byte 2 (0xE2, offset 3 in the input)", error.TrimEnd('\n'));
    }

    [Fact]
    public async Task UsageErrorExitsWithTwo()
    {
        (int code, string output, string error) = await RunAsync([], "embed", "--pooling", "median", "x");

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith("bertgen: error: ", error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>
    /// Standard output on a full disk: a short answer is written only by the flush at the end, which threw from a finally
    /// block, so the process died with an unhandled IOException's stack trace (exit 134) instead of one line.
    /// </summary>
    [Theory]
    [InlineData("inspect bert-tiny")]
    [InlineData("similarity a b")]
    public async Task A_full_disk_under_standard_output_is_one_line(string command)
    {
        var start = new ProcessStartInfo("sh") { RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { "-c", "exec \"$@\" > /dev/full", "sh", BertGenProcess.Host, BertGenProcess.App })
        {
            start.ArgumentList.Add(arg);
        }

        foreach (string arg in command.Split(' '))
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        string error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal((1, "bertgen: error: no space left on device"), (process.ExitCode, error.TrimEnd('\n')));
    }

    [Fact]
    public async Task UnderMpirunTablesArePlainMarkdownThoughStdoutIsATerminal()
    {
        // mpirun gives every rank a pseudo-terminal as stdout even when its own output goes to a file; `script` gives
        // the same. Outside mpirun a terminal gets box-drawing borders, so the first run shows the pty is seen as one.
        string onTerminal = await RunOnPseudoTerminalAsync(launchedByMpirun: false, "inspect");
        string underMpirun = await RunOnPseudoTerminalAsync(launchedByMpirun: true, "inspect");

        Assert.Contains("╭", onTerminal, StringComparison.Ordinal);
        Assert.DoesNotContain("╭", underMpirun, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", underMpirun, StringComparison.Ordinal);
        Assert.Contains("| ---", underMpirun, StringComparison.Ordinal);
    }

    private static async Task<string> RunOnPseudoTerminalAsync(bool launchedByMpirun, params string[] args)
    {
        var start = new ProcessStartInfo("script")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        // 200 columns: the model list is wider than the 80 a pty without a size is taken for, and a table too wide to
        // show whole on a terminal is written as Markdown there too.
        foreach (string arg in new[] { "-q", "-e", "-c", "stty cols 200; " + string.Join(' ', [BertGenProcess.Host, BertGenProcess.App, .. args]), "/dev/null" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["LANG"] = "C.UTF-8";
        start.Environment["TERM"] = "xterm-256color";
        start.Environment.Remove("OMPI_COMM_WORLD_SIZE");
        if (launchedByMpirun)
        {
            start.Environment["OMPI_COMM_WORLD_SIZE"] = "1";
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(process.ExitCode == 0, await output + await error);
        return await output;
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(byte[] input, params string[] args)
    {
        Assert.True(File.Exists(BertGenProcess.App), $"{BertGenProcess.App} was not built");
        ProcessStartInfo start = BertGenProcess.StartInfo(args, redirectInput: true);

        // A C locale must not turn the output into ASCII question marks.
        start.Environment["LANG"] = "C";
        start.Environment["LC_ALL"] = "C";
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        await process.StandardInput.BaseStream.WriteAsync(input);
        process.StandardInput.Close();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        return (process.ExitCode, await output, await error);
    }
}
