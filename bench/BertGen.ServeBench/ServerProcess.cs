using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;

namespace BertGen.ServeBench;

/// <summary>A <c>bertgen serve</c> child process on a free loopback port; killed on dispose if it is still running.</summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The server's resident set now (VmRSS), in bytes.</summary>
    public long ResidentBytes
    {
        get
        {
            string line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
    }

    /// <summary>Starts <paramref name="server"/> (a native <c>bertgen</c> or a <c>bertgen.dll</c>) with <c>serve --port 0</c> and the extra arguments; waits until ready.</summary>
    public static async Task<ServerProcess> StartAsync(string server, params string[] arguments)
    {
        bool dll = server.EndsWith(".dll", StringComparison.Ordinal);
        var start = new ProcessStartInfo(dll ? "dotnet" : server) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (dll)
        {
            start.ArgumentList.Add(server);
        }

        foreach (string argument in new[] { "serve", "--port", "0" }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        Process process = Process.Start(start)!;
        Uri? address = null;
        while (await process.StandardError.ReadLineAsync() is string line)
        {
            const string listening = "bertgen: listening on ";
            if (line.StartsWith(listening, StringComparison.Ordinal))
            {
                address = new Uri(line[listening.Length..].Split(' ')[0]);
            }
            else if (line.StartsWith("bertgen: ready:", StringComparison.Ordinal))
            {
                // Keep draining stderr so the server never blocks on a full pipe.
                _ = process.StandardError.ReadToEndAsync();
                return new ServerProcess(process, address!);
            }
        }

        throw new InvalidOperationException($"bertgen serve exited with {process.ExitCode} before it was ready");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
