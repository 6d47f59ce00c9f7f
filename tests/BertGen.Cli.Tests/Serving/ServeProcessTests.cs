using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Tasks;
using Xunit;

namespace BertGen.Cli.Tests.Serving;

/// <summary>
/// <c>bertgen serve</c> as a real process: it prints where it listens, answers, and on SIGTERM finishes the requests in
/// flight before exiting with 0. The process is killed if anything goes wrong, so none outlives the test.
/// </summary>
public sealed class ServeProcessTests
{
    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    private const int SigTerm = 15;

    [Fact]
    public async Task Sigterm_drains_the_requests_in_flight_then_exits_zero()
    {
        ProcessStartInfo start = BertGenProcess.StartInfo(["serve", "--port", "0", "--max-batch-tokens", "512"]);
        using Process process = Process.Start(start)!;
        var error = new StringBuilder();
        var ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        Uri? address = null;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ready.TrySetException(new InvalidOperationException($"bertgen serve ended early: {error}"));
                return;
            }

            lock (error)
            {
                error.AppendLine(e.Data);
            }

            const string listening = "bertgen: listening on ";
            if (e.Data.StartsWith(listening, StringComparison.Ordinal))
            {
                address = new Uri(e.Data[listening.Length..].Split(' ')[0]);
            }
            else if (e.Data.StartsWith("bertgen: ready:", StringComparison.Ordinal))
            {
                ready.TrySetResult(address!);
            }
        };
        process.BeginErrorReadLine();
        try
        {
            Uri server = await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
            using var client = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(60) };

            // Four requests of 8 texts of ~120 tokens: ~32 forward passes of 1 × 128, about a second of work or more.
            string body = RunningServer.Json(Enumerable.Range(0, 8).Select(i => ServeTexts.OfLength(120, i)).ToArray());
            Task<HttpResponseMessage>[] inFlight = Enumerable.Range(0, 4)
                .Select(_ => client.PostAsync("/embed", new StringContent(body, Encoding.UTF8, "application/json"))).ToArray();
            for (int i = 0; i < 500 && !(await client.GetStringAsync("/metrics")).Contains("bertgen_requests_in_flight{otel_scope_name=\"BertGen.Serve\"} 4", StringComparison.Ordinal); i++)
            {
                await Task.Delay(10);
            }

            Assert.Equal(0, kill(process.Id, SigTerm));
            foreach (Task<HttpResponseMessage> request in inFlight)
            {
                Assert.Equal(8, (await RunningServer.ReadEmbeddingsAsync(await request)).Length);
            }

            Assert.True(process.WaitForExit(30_000), "bertgen serve did not exit after SIGTERM");
            process.WaitForExit(); // and its redirected stderr is read to the end
            Assert.Equal(0, process.ExitCode);
            lock (error)
            {
                Assert.Contains("bertgen: stopped: every request in flight was answered", error.ToString(), StringComparison.Ordinal);
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
