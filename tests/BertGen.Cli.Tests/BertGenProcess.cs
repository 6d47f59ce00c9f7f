using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace BertGen.Cli.Tests;

/// <summary>The built <c>bertgen.dll</c> as a real process, as the tests that need one (signals, pipes, terminals) start it.</summary>
internal static class BertGenProcess
{
    /// <summary>The <c>dotnet</c> host that runs the tests (the SDK's, under <c>dotnet test</c>).</summary>
    public static string Host => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    /// <summary>The CLI built beside the tests.</summary>
    public static string App => Path.Combine(AppContext.BaseDirectory, "bertgen.dll");

    /// <summary>
    /// <c>dotnet bertgen.dll ARGS</c> with standard output and error read as UTF-8 (and standard input written, when asked),
    /// never taken for an mpirun rank, though the tests themselves may run under one.
    /// </summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args, bool redirectInput = false)
    {
        var start = new ProcessStartInfo(Host)
        {
            RedirectStandardInput = redirectInput,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(App);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("OMPI_COMM_WORLD_SIZE");
        return start;
    }
}
