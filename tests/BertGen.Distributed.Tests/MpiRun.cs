using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace BertGen.Distributed.Tests;

/// <summary>What one mpirun (or single process) run printed and how it ended.</summary>
internal sealed record RunResult(int ExitCode, string Output, string Error, TimeSpan Elapsed)
{
    public string[] ErrorLines => Error.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToArray();

    public RunResult AssertSucceeded()
    {
        Assert.True(ExitCode == 0, $"exit code {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}");
        return this;
    }
}

/// <summary>
/// Starts the test programs as Open MPI jobs (<c>mpirun --quiet --oversubscribe -np N dotnet PROGRAM …</c>, as root
/// where CI runs) or as plain processes, with a time limit: a job that outlives it is killed and the test fails, so a
/// hang can never stall the suite.
/// </summary>
internal static class MpiRun
{
    public static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    public static string Cli => Path.Combine(AppContext.BaseDirectory, "bertgen.dll");

    public static string Driver => Path.Combine(AppContext.BaseDirectory, "BertGen.Distributed.Driver.dll");

    public static string DataFile(string name) => Path.Combine(AppContext.BaseDirectory, "Data", name);

    public static string Vocabulary => Path.Combine(AppContext.BaseDirectory, "data", "bert-base-uncased-vocab.txt");

    /// <summary>Runs <paramref name="program"/> as <paramref name="ranks"/> ranks of one mpirun job.</summary>
    public static RunResult Ranks(int ranks, string program, IEnumerable<string> arguments, Action<Process>? whileRunning = null) =>
        Start(Mpirun(), ["--quiet", "--oversubscribe", "--bind-to", "none", "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), Dotnet, program, .. arguments], whileRunning);

    /// <summary>
    /// Runs <paramref name="program"/> as one mpirun job of one rank per entry of <paramref name="argumentsOfRank"/>, each
    /// rank with its own arguments (Open MPI's <c>-np 1 A : -np 1 B</c>): a file that exists for one rank only, as on
    /// machines whose copies differ.
    /// </summary>
    public static RunResult EachRank(string program, params IEnumerable<string>[] argumentsOfRank) =>
        EachRank(argumentsOfRank.Select(arguments => (program, arguments)).ToArray());

    /// <summary>
    /// Runs one mpirun job of one rank per entry of <paramref name="ranks"/>, each its own program with its own arguments:
    /// another build of a program on one machine.
    /// </summary>
    public static RunResult EachRank(params (string Program, IEnumerable<string> Arguments)[] ranks)
    {
        var job = new List<string> { "--quiet", "--oversubscribe", "--bind-to", "none" };
        for (int rank = 0; rank < ranks.Length; rank++)
        {
            if (rank > 0)
            {
                job.Add(":");
            }

            job.AddRange(["-np", "1", Dotnet, ranks[rank].Program, .. ranks[rank].Arguments]);
        }

        return Start(Mpirun(), job, null);
    }

    /// <summary>Runs <paramref name="program"/> as one plain process (no mpirun: libmpi is never loaded).</summary>
    public static RunResult Alone(string program, IEnumerable<string> arguments) => Start(Dotnet, [program, .. arguments], null);

    /// <summary>Runs mpirun itself with <paramref name="arguments"/> (for launch errors).</summary>
    public static RunResult Mpirun(IEnumerable<string> arguments) => Start(Mpirun(), ["--quiet", .. arguments], null);

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    private static string Mpirun()
    {
        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            string candidate = Path.Combine(folder, "mpirun");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("mpirun is not on PATH: install Open MPI (Debian: apt-get install openmpi-bin libopenmpi-dev); .ci/run does");
    }

    private static RunResult Start(string file, IReadOnlyList<string> arguments, Action<Process>? whileRunning)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // CI runs as root; Open MPI refuses root unless told twice.
        start.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        start.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        start.Environment.Remove("OMPI_COMM_WORLD_SIZE"); // a test host started by mpirun must not make its children think so
        var clock = Stopwatch.StartNew();
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        whileRunning?.Invoke(process);
        if (!process.WaitForExit((int)Limit.TotalMilliseconds))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"'{file} {string.Join(' ', arguments)}' ran past {Limit.TotalMinutes} minutes and was killed\nstderr:\n{error.Result}");
        }

        process.WaitForExit();
        return new RunResult(process.ExitCode, output.Result, error.Result, clock.Elapsed);
    }

    /// <summary>The process of rank <paramref name="rank"/> of a running job (found by the OMPI_COMM_WORLD_RANK mpirun gave it).</summary>
    public static Process? FindRank(int rank, string commandLineFragment)
    {
        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out int pid))
            {
                continue;
            }

            try
            {
                string commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                string environment = File.ReadAllText(Path.Combine(directory, "environ"));
                if (commandLine.Contains(commandLineFragment, StringComparison.Ordinal)
                    && environment.Split('\0').Contains($"OMPI_COMM_WORLD_RANK={rank}"))
                {
                    return Process.GetProcessById(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                // The process ended while we looked, or is not ours to read.
            }
        }

        return null;
    }

    public const int SigInt = 2, SigTerm = 15, SigCont = 18, SigStop = 19;

    /// <summary>Sends <paramref name="signal"/> to process <paramref name="pid"/> (Ctrl-C to mpirun, SIGTERM to a rank).</summary>
    public static void Signal(int pid, int signal) => Assert.Equal(0, kill(pid, signal));

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds.</summary>
    public static void WaitFor(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Limit, $"gave up waiting for {what}");
            Thread.Sleep(100);
        }
    }
}
