using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Xunit;

namespace BertGen.Cli.Tests;

/// <summary>
/// How a <c>pretrain</c> run training alone ends when it is stopped, as a real process signalled as a terminal, docker,
/// systemd or Kubernetes would: Ctrl-C and SIGTERM alike, before training began, during it, and after its last step.
/// </summary>
[Collection(TrainingRunsCollection.Name)]
public sealed partial class TrainingStopTests(TrainingRunsFixture runs)
{

    /// <summary>
    /// SIGTERM (docker stop, systemd, timeout, Kubernetes) killed the run with 143 and no line: no checkpoint of the steps
    /// done, the folder left behind. It stops as Ctrl-C does: the step finishes, a checkpoint, the line, exit 130.
    /// </summary>
    [Fact]
    public async Task Sigterm_stops_a_run_after_its_step_with_a_checkpoint_as_CtrlC_does()
    {
        string folder = runs.File("sigterm");
        string metrics = Path.Combine(folder, "metrics.csv");
        using Process process = Start([.. runs.PretrainArguments(folder, 100_000), "--checkpoint-every", "100000", "--quiet"]);
        try
        {
            // Stopped once a step is done: a training row is in metrics.csv.
            var clock = Stopwatch.StartNew();
            while (!(File.Exists(metrics) && File.ReadLines(metrics).Any(l => l.StartsWith("train,", StringComparison.Ordinal))))
            {
                if (process.HasExited)
                {
                    Assert.Fail($"bertgen ended before its first step: {await process.StandardError.ReadToEndAsync()}");
                }

                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "no training step within two minutes");
                await Task.Delay(20);
            }

            Assert.Equal(0, UnixProcess.Signal(process.Id, UnixProcess.SigTerm));
            (int code, string output, string error) = await EndAsync(process);

            Assert.True(code == 130, $"exit code {code}; stderr: {error}");
            string line = Assert.Single(Lines(error));
            Match stop = InterruptedAt().Match(line);
            Assert.True(stop.Success, line);
            Assert.Equal($"'{folder}'", stop.Groups["folder"].Value);
            long step = long.Parse(stop.Groups["step"].Value, CultureInfo.InvariantCulture);
            Assert.True(Directory.Exists(Path.Combine(folder, $"checkpoint-{step:D9}")), $"no checkpoint of step {step}");
            Assert.Contains("held-out", output, StringComparison.Ordinal);

            // Every metrics row whole, none after the checkpoint's step.
            string[] rows = File.ReadAllLines(metrics);
            int columns = rows[0].Split(',').Length;
            Assert.All(rows, r => Assert.Equal(columns, r.Split(',').Length));
            Assert.Equal(step, rows.Skip(1).Max(r => long.Parse(r.Split(',')[1], CultureInfo.InvariantCulture)));
        }
        finally
        {
            EndIfRunning(process);
        }
    }

    /// <summary>
    /// Stopped in the data checks (here: opening a vocabulary that is a named pipe no one writes), before the run has its folder, the
    /// process ended by the signal's default: silently, Ctrl-C with 130 and SIGTERM with 143. One line now, exit 130, and
    /// nothing written (a fresh run: no folder) or changed (a --resume: every file as it was).
    /// </summary>
    [Theory]
    [InlineData(UnixProcess.SigInt, false)]
    [InlineData(UnixProcess.SigTerm, false)]
    [InlineData(UnixProcess.SigInt, true)]
    public async Task A_stop_before_training_began_is_one_line_and_writes_nothing(int signal, bool resume)
    {
        if (signal == UnixProcess.SigInt && UnixProcess.IgnoresCtrlC())
        {
            // Started from a shell's background job, whose children ignore Ctrl-C (as bertgen then rightly does too).
            return;
        }

        string folder = runs.File($"stopped-before-training-{signal}-{resume}");
        if (resume)
        {
            TrainingCommandTests.CopyFolder(runs.PretrainRun, folder);
        }

        string before = Snapshot(folder);
        string vocabulary = runs.File($"held-back-vocab-{signal}-{resume}.txt");
        Assert.Equal(0, UnixProcess.MakeFifo(vocabulary));
        ProcessStartInfo start = BertGenProcess.StartInfo([.. runs.PretrainArguments(folder, TrainingRunsFixture.PretrainSteps + 1), "--vocab", vocabulary, .. resume ? new[] { "--resume" } : []]);
        start.Environment["DOTNET_EnableDiagnostics"] = "0"; // no debugger pipe, whose thread also waits in a FIFO's open
        using Process process = Process.Start(start)!;
        try
        {
            // bertgen opens the pipe in its checks and waits there for a writer, which never comes.
            var clock = Stopwatch.StartNew();
            while (!WaitsToOpenAPipe(process.Id))
            {
                Assert.False(process.HasExited, "bertgen ended before it opened the vocabulary");
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), "bertgen did not open the vocabulary within a minute");
                await Task.Delay(20);
            }

            Assert.Equal(0, UnixProcess.Signal(process.Id, signal));
            (int code, string output, string error) = await EndAsync(process);

            Assert.True(code == 130, $"exit code {code}; stderr: {error}");
            Assert.Equal("", output);
            Assert.Equal(
                resume ? "bertgen: error: interrupted before training began; nothing was changed; continue with --resume"
                    : "bertgen: error: interrupted before training began; nothing was written; run it again to start over",
                Assert.Single(Lines(error)));
            Assert.Equal(before, Snapshot(folder));
        }
        finally
        {
            EndIfRunning(process);
        }
    }

    /// <summary>
    /// A stop after the last step (here: given to a resumed run that had already made its steps) said "interrupted at step
    /// 3 of 3 … continue with --resume", which continues nothing: the trainer completes its final checkpoint and
    /// evaluation all the same, and the run is whole.
    /// </summary>
    [Fact]
    public void A_stop_after_the_last_step_says_the_run_is_complete()
    {
        string folder = runs.File("stopped-after-last-step");
        TrainingCommandTests.CopyFolder(runs.PretrainRun, folder);

        CliResult result = Cli.RunInterruptedAt($"bertgen: held-out at step {TrainingRunsFixture.PretrainSteps}",
            [.. runs.PretrainArguments(folder, TrainingRunsFixture.PretrainSteps), "--resume"]);

        Assert.Equal(130, result.ExitCode);
        Assert.Single(result.ErrorLines, l => l.StartsWith("bertgen: error:", StringComparison.Ordinal));
        Assert.Equal(
            $"bertgen: error: interrupted after the last step: the run finished its {TrainingRunsFixture.PretrainSteps} steps; its final checkpoint, evaluation and loss plot are in '{folder}'; nothing to resume",
            result.ErrorLines[^1]);
        Assert.True(Directory.Exists(Path.Combine(folder, $"checkpoint-{TrainingRunsFixture.PretrainSteps:D9}")));
        TrainingRunsFixture.AssertPng(Path.Combine(folder, "loss.png"));
        Assert.Contains(TrainingRunsFixture.ReadMetrics(Path.Combine(folder, "metrics.csv")),
            row => row["kind"] == "eval" && row["step"] == TrainingRunsFixture.PretrainSteps.ToString(CultureInfo.InvariantCulture));
    }



    [GeneratedRegex(@"^bertgen: error: interrupted at step (?<step>\d+) of 100000; checkpoint saved in (?<folder>'.*'); continue with --resume$")]
    private static partial Regex InterruptedAt();

    // Whether a thread of process `pid` sleeps in open(2) of a FIFO, waiting for the other end (the kernel's wait_for_partner).
    private static bool WaitsToOpenAPipe(int pid)
    {
        try
        {
            return Directory.GetDirectories($"/proc/{pid}/task").Any(task =>
            {
                try
                {
                    return File.ReadAllText(Path.Combine(task, "wchan")) == "wait_for_partner";
                }
                catch (IOException)
                {
                    return false; // the thread ended meanwhile
                }
            });
        }
        catch (IOException)
        {
            return false;
        }
    }


    // Every file under the folder with its SHA-256, or "absent".
    private static string Snapshot(string folder) => !Directory.Exists(folder) ? "absent" : string.Join('\n',
        Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => $"{f} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))}"));

    private static Process Start(string[] args) => Process.Start(BertGenProcess.StartInfo(args))!;

    private static async Task<(int Code, string Output, string Error)> EndAsync(Process process)
    {
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        return (process.ExitCode, await output, await error);
    }

    private static void EndIfRunning(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
