using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;
using BertGen.ServeBench;

// Usage: BertGen.ServeBench load --server PATH [--seconds N] [--requests N]
//        BertGen.ServeBench overload --server PATH [--requests N] [--limit N] [--seconds N (of the capacity run)]
// PATH is the native bertgen binary or bertgen.dll. Everything runs on loopback and stops by itself.
string mode = args.Length > 0 ? args[0] : "load";
string? server = null;
double seconds = 10;
int requests = 3000, limit = 32;
for (int i = 1; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--server": server = args[++i]; break;
        case "--seconds": seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--requests": requests = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--limit": limit = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}");
            return 2;
    }
}

if (server is null || mode is not ("load" or "overload"))
{
    Console.Error.WriteLine("usage: BertGen.ServeBench load|overload --server PATH [--seconds N] [--requests N] [--limit N]");
    return 2;
}

// Short: 7–9 tokens. Long: 126 one-WordPiece words, [CLS] … [SEP] = 128 tokens exactly.
string[] words = ["river", "stone", "morning", "garden", "letter", "window", "winter", "music", "harbour", "candle"];
string Short(int i) => $"This is sentence number {i}.";
string Long(int i) => string.Join(' ', Enumerable.Range(0, 126).Select(k => words[(k * 7 + i) % words.Length]));
string Body(string text) => JsonSerializer.Serialize(new { inputs = text });

Console.WriteLine($"host: {Host.Describe()}");
if (mode == "overload")
{
    // 2× overload: short texts arriving at twice the rate the server answers them (measured first with 8 clients), until
    // `requests` have been sent; what cannot be admitted under --max-concurrent-requests must get 429, and memory must stay flat.
    using ServerProcess overloaded = await ServerProcess.StartAsync(server, "--max-concurrent-requests", limit.ToString(CultureInfo.InvariantCulture));
    LoadResult capacity = await LoadGenerator.RunAsync(overloaded.Address, "/embed", i => Body(Short(i)), 8, TimeSpan.FromSeconds(seconds), requests);
    double rate = 2 * capacity.RequestsPerSecond;
    long rssAfterFirst = 0;
    LoadResult result = await LoadGenerator.RunOpenLoopAsync(overloaded.Address, "/embed", i => Body(Short(i)), rate, TimeSpan.FromMinutes(30), requests,
        done =>
        {
            if (done == 1000)
            {
                rssAfterFirst = overloaded.ResidentBytes;
            }
        });
    long rssAtEnd = overloaded.ResidentBytes;
    using var client = new HttpClient { BaseAddress = overloaded.Address };
    bool healthy = (await client.GetAsync("/health")).IsSuccessStatusCode && !overloaded.HasExited;
    Console.WriteLine($"capacity {capacity.RequestsPerSecond:F1} req/s (8 clients); offered {rate:F1} req/s open-loop, --max-concurrent-requests {limit}: "
        + $"{result.ByStatus.Values.Sum():N0} answers in {result.Elapsed.TotalSeconds:F0} s: "
        + string.Join(", ", result.ByStatus.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value:N0}")) + $", connection failures {result.Failures}; "
        + $"200s p50 {result.Percentile(50):F1} ms p99 {result.Percentile(99):F1} ms; server alive and healthy: {healthy}");
    Console.WriteLine($"RSS after 1,000 requests {rssAfterFirst / 1048576.0:F1} MiB, after {result.ByStatus.Values.Sum():N0}: {rssAtEnd / 1048576.0:F1} MiB ({100.0 * (rssAtEnd - rssAfterFirst) / rssAfterFirst:+0.0;-0.0}%)");
    return 0;
}

using var baseline = new InProcessBaseline();
using ServerProcess process = await ServerProcess.StartAsync(server);
using var metrics = new HttpClient { BaseAddress = process.Address };
Console.WriteLine("texts   clients   req/s   p50 ms   p99 ms   answered   mean batch   in-process texts/s (same batches)   server / in-process");
foreach ((string name, Func<int, string> text) in new (string, Func<int, string>)[] { ("short", Short), ("128-tok", Long) })
{
    // Warm the server's passes for this length before measuring.
    await LoadGenerator.RunAsync(process.Address, "/embed", i => Body(text(i)), 8, TimeSpan.FromSeconds(2), 200);
    foreach (int clients in new[] { 1, 8, 64 })
    {
        (double sum, double count) before = BatchInputs(await metrics.GetStringAsync("/metrics"));
        LoadResult result = await LoadGenerator.RunAsync(process.Address, "/embed", i => Body(text(i)), clients, TimeSpan.FromSeconds(seconds), requests);
        (double sum, double count) after = BatchInputs(await metrics.GetStringAsync("/metrics"));
        double meanBatch = (after.sum - before.sum) / Math.Max(1, after.count - before.count);
        int sameBatches = Math.Max(1, (int)Math.Round(meanBatch));
        double inProcess = baseline.TextsPerSecond(Enumerable.Range(0, Math.Min(result.Ok, 400)).Select(text).ToArray(), sameBatches);
        Console.WriteLine($"{name,-7} {clients,7} {result.RequestsPerSecond,7:F1} {result.Percentile(50),8:F1} {result.Percentile(99),8:F1} {result.Ok,10:N0} {meanBatch,12:F2} {inProcess,36:F1} {result.RequestsPerSecond / inProcess,21:P0}");
    }
}

return 0;

// The batcher's inputs-per-batch histogram: its sum and count so far.
static (double Sum, double Count) BatchInputs(string metrics)
{
    double Value(string prefix) => double.Parse(metrics.Split('\n').First(l => l.StartsWith(prefix, StringComparison.Ordinal)).Split(' ')[^1], CultureInfo.InvariantCulture);
    return (Value("bertgen_batch_inputs_sum"), Value("bertgen_batch_inputs_count"));
}

internal static class Host
{
    /// <summary>lscpu's family and model, the core count and the load average: what every figure is named with.</summary>
    public static string Describe()
    {
        string cpu = RunText("lscpu");
        string Field(string name) => cpu.Split('\n').FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        return $"{Field("Model name")} family {Field("CPU family")} model {Field("Model")}, {Environment.ProcessorCount} cores, load average {RunText("cat", "/proc/loadavg").Split(' ')[0]}";
    }

    private static string RunText(string file, string argument = "")
    {
        using Process process = Process.Start(new ProcessStartInfo(file, argument) { RedirectStandardOutput = true })!;
        string text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return text;
    }
}
