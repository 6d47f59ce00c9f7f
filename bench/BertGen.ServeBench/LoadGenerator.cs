using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace BertGen.ServeBench;

/// <summary>What one load run saw: answers by status code, latencies of the 200s, and the wall time.</summary>
internal sealed record LoadResult(IReadOnlyDictionary<int, int> ByStatus, double[] LatenciesMs, TimeSpan Elapsed, int Failures)
{
    public int Ok => ByStatus.GetValueOrDefault(200);

    public double RequestsPerSecond => Ok / Elapsed.TotalSeconds;

    public double Percentile(double p)
    {
        if (LatenciesMs.Length == 0)
        {
            return double.NaN;
        }

        double[] sorted = LatenciesMs.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100 * sorted.Length) - 1)];
    }
}

/// <summary>
/// Closed-loop load: <c>concurrency</c> clients, each sending its next request when the last is answered, until the
/// time or the request count runs out (both bounded), on one keep-alive connection each.
/// </summary>
internal static class LoadGenerator
{
    public static async Task<LoadResult> RunAsync(Uri server, string route, Func<int, string> body, int concurrency, TimeSpan duration, int maxRequests,
        Action<int>? progress = null)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var client = new HttpClient(handler) { BaseAddress = server, Timeout = TimeSpan.FromSeconds(120) };
        var statuses = new Dictionary<int, int>();
        var latencies = new List<double>();
        int sent = 0, failures = 0;
        var clock = Stopwatch.StartNew();
        async Task Client()
        {
            while (clock.Elapsed < duration)
            {
                int index = Interlocked.Increment(ref sent) - 1;
                if (index >= maxRequests)
                {
                    return;
                }

                long start = Stopwatch.GetTimestamp();
                try
                {
                    using HttpResponseMessage response = await client.PostAsync(route, new StringContent(body(index), Encoding.UTF8, "application/json"));
                    await response.Content.ReadAsByteArrayAsync();
                    double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    lock (statuses)
                    {
                        statuses[(int)response.StatusCode] = statuses.GetValueOrDefault((int)response.StatusCode) + 1;
                        if (response.IsSuccessStatusCode)
                        {
                            latencies.Add(ms);
                        }
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failures);
                }

                progress?.Invoke(index + 1);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(Client)));
        return new LoadResult(statuses, latencies.ToArray(), clock.Elapsed, failures);
    }

    /// <summary>
    /// Open-loop load: a request every 1/<paramref name="rate"/> seconds whether or not the earlier ones are answered (as
    /// independent users arrive), until <paramref name="maxRequests"/> are sent or the time runs out; then waits for the answers.
    /// </summary>
    public static async Task<LoadResult> RunOpenLoopAsync(Uri server, string route, Func<int, string> body, double rate, TimeSpan duration, int maxRequests,
        Action<int>? progress = null)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var client = new HttpClient(handler) { BaseAddress = server, Timeout = TimeSpan.FromSeconds(120) };
        var statuses = new Dictionary<int, int>();
        var latencies = new List<double>();
        var pending = new List<Task>();
        int failures = 0, answered = 0;
        var clock = Stopwatch.StartNew();
        async Task Send(int index)
        {
            long start = Stopwatch.GetTimestamp();
            try
            {
                using HttpResponseMessage response = await client.PostAsync(route, new StringContent(body(index), Encoding.UTF8, "application/json"));
                await response.Content.ReadAsByteArrayAsync();
                lock (statuses)
                {
                    statuses[(int)response.StatusCode] = statuses.GetValueOrDefault((int)response.StatusCode) + 1;
                    if (response.IsSuccessStatusCode)
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    }
                }
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref failures);
            }

            progress?.Invoke(Interlocked.Increment(ref answered));
        }

        for (int index = 0; index < maxRequests && clock.Elapsed < duration; index++)
        {
            TimeSpan due = TimeSpan.FromSeconds(index / rate);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            pending.Add(Send(index));
        }

        await Task.WhenAll(pending);
        return new LoadResult(statuses, latencies.ToArray(), clock.Elapsed, failures);
    }
}
