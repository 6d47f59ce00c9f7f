using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;
using BertGen.Cli.Serving;
using Xunit;

namespace BertGen.Cli.Tests.Serving;

/// <summary>
/// The batcher under concurrency, admission and shutdown: batches are held back on the compute thread
/// (<c>InferenceBatcher.BeforeBatch</c>) so that requests really are queued together, in flight or over the limit
/// when the test looks. Embeddings are held to the CLI's answers (1e-6, as in <see cref="ServerRouteTests"/>).
/// </summary>
public sealed class ServerBatchingTests
{
    private const double Tolerance = 1e-6;

    [Fact]
    public async Task Concurrent_requests_of_mixed_lengths_are_batched_and_each_gets_the_clis_answers_in_order()
    {
        await using RunningServer server = await RunningServer.StartAsync();
        RunningServer.BatchHold hold = server.HoldBatches();

        // 12 requests of 1–3 texts from 3 to 200 WordPieces: every compiled sequence up to 256, and 8 × 128.
        int[] lengths = [3, 14, 30, 60, 100, 120, 110, 200, 90, 5, 70, 125];
        string[][] requests = lengths.Select((l, r) => Enumerable.Range(0, 1 + (r % 3)).Select(k => ServeTexts.OfLength(Math.Max(1, l - (k * 2)), r + k)).ToArray()).ToArray();
        Task<HttpResponseMessage> first = server.PostAsync("/embed", RunningServer.Json(requests[0]));
        await hold.FirstBatch;
        Task<HttpResponseMessage>[] rest = requests.Skip(1).Select(texts => server.PostAsync("/embed", RunningServer.Json(texts))).ToArray();
        await WaitUntil(() => server.Server.Batcher!.QueuedInputs == requests.Sum(r => r.Length));
        hold.Release();

        float[][][] served = await Task.WhenAll(new[] { first }.Concat(rest).Select(async r => await RunningServer.ReadEmbeddingsAsync(await r)));
        float[][] cli = ServeTexts.Cli(requests.SelectMany(r => r).ToArray());
        int at = 0;
        for (int r = 0; r < requests.Length; r++)
        {
            Assert.Equal(requests[r].Length, served[r].Length);
            for (int i = 0; i < requests[r].Length; i++, at++)
            {
                Assert.True(Embeddings.MaxDifference(served[r][i], cli[at]) <= Tolerance, $"request {r + 1} text {i + 1}");
            }
        }

        // The queued inputs went through in batches of more than one: fewer batches than inputs. (Counted by this server's
        // batcher: /metrics sums every server of the test process, and other test classes' servers run alongside.)
        long batches = server.Server.Batcher!.ComputedBatches;
        Assert.True(batches < requests.Sum(r => r.Length), $"{batches} batches of {requests.Sum(r => r.Length)} inputs");
    }

    [Fact]
    public async Task A_large_array_is_split_across_batches_by_the_token_budget_and_reassembled_in_order()
    {
        ServeSettings settings = RunningServer.Defaults with { MaxBatchTokens = 1024 };
        await using RunningServer server = await RunningServer.StartAsync(settings: settings);
        string[] texts = Enumerable.Range(0, 20).Select(i => ServeTexts.OfLength(80 + (i % 5) * 10, i)).ToArray();

        float[][] served = await RunningServer.ReadEmbeddingsAsync(await server.PostAsync("/embed", RunningServer.Json(texts)));

        float[][] cli = ServeTexts.Cli(texts);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.True(Embeddings.MaxDifference(served[i], cli[i]) <= Tolerance, $"text {i + 1}");
        }

        // 20 inputs of ≤ 128 tokens at 1,024 positions a batch (one 8 × 128 pass): at least 3 batches.
        Assert.True(server.Server.Batcher!.ComputedBatches >= 3, $"{server.Server.Batcher!.ComputedBatches} batches");
    }

    [Fact]
    public async Task Over_max_concurrent_requests_is_429_json_and_the_admitted_request_still_succeeds()
    {
        await using RunningServer server = await RunningServer.StartAsync(settings: RunningServer.Defaults with { MaxConcurrentRequests = 1 });
        RunningServer.BatchHold hold = server.HoldBatches();

        Task<HttpResponseMessage> admitted = server.PostAsync("/embed", RunningServer.Json("admitted"));
        await hold.FirstBatch;
        (string error, string type) = await RunningServer.ReadErrorAsync(await server.PostAsync("/embed", RunningServer.Json("rejected")), HttpStatusCode.TooManyRequests);
        Assert.StartsWith("over --max-concurrent-requests (1 requests", error, StringComparison.Ordinal);
        Assert.Equal("overloaded", type);
        hold.Release();

        Assert.Single(await RunningServer.ReadEmbeddingsAsync(await admitted));
        Assert.Single(await RunningServer.ReadEmbeddingsAsync(await server.PostAsync("/embed", RunningServer.Json("after"))));
    }

    [Fact]
    public async Task While_loading_health_and_compute_routes_are_503_json_and_info_says_not_ready()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using RunningServer server = await RunningServer.StartAsync(loadGate: gate.Task);

        (string health, string type) = await RunningServer.ReadErrorAsync(await server.Client.GetAsync("/health"), HttpStatusCode.ServiceUnavailable);
        Assert.Equal("the model is still loading", health);
        Assert.Equal("unhealthy", type);
        await RunningServer.ReadErrorAsync(await server.PostAsync("/embed", RunningServer.Json("early")), HttpStatusCode.ServiceUnavailable);
        using (JsonDocument info = JsonDocument.Parse(await server.Client.GetStringAsync("/info")))
        {
            Assert.False(info.RootElement.GetProperty("ready").GetBoolean());
        }

        gate.SetResult();
        await server.Server.Loaded;
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task Stopping_answers_every_request_in_flight_before_the_model_goes()
    {
        RunningServer server = await RunningServer.StartAsync();
        RunningServer.BatchHold hold = server.HoldBatches();

        string[][] requests = [["one", "two"], [ServeTexts.OfLength(120, 1)], [ServeTexts.OfLength(40, 2), "three"]];
        Task<HttpResponseMessage>[] inFlight = requests.Select(r => server.PostAsync("/embed", RunningServer.Json(r))).ToArray();
        await hold.FirstBatch;
        await WaitUntil(() => server.Server.Batcher!.QueuedInputs == 5);
        Task stopping = server.Server.StopAsync();
        await Task.Delay(100);
        Assert.False(stopping.IsCompleted);
        hold.Release();
        await stopping;

        float[][][] served = await Task.WhenAll(inFlight.Select(async r => await RunningServer.ReadEmbeddingsAsync(await r)));
        float[][] cli = ServeTexts.Cli(requests.SelectMany(r => r).ToArray());
        Assert.Equal(cli, served.SelectMany(r => r), new EmbeddingComparer(Tolerance));
        await server.DisposeAsync();
        await Assert.ThrowsAsync<HttpRequestException>(() => new HttpClient().GetAsync(new Uri(server.Server.Address, "/health")));
    }

    [Fact]
    public async Task A_body_without_a_length_is_cut_at_the_payload_limit_with_413_json()
    {
        // A small limit and a small body: the client has sent all of it before the server answers, so no reset races the 413.
        await using RunningServer server = await RunningServer.StartAsync(settings: RunningServer.Defaults with { PayloadLimit = 1000 });
        var request = new HttpRequestMessage(HttpMethod.Post, "/embed") { Content = new ChunkedContent(RunningServer.Json(new string('a', 1500))) };

        (string error, string type) = await RunningServer.ReadErrorAsync(await server.Client.SendAsync(request), HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("the body is larger than --payload-limit 1000 bytes", error);
        Assert.Equal("validation", type);
        Assert.Single(await RunningServer.ReadEmbeddingsAsync(await server.PostAsync("/embed", RunningServer.Json("small enough"))));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 3000 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition(), "timed out waiting for the server");
    }

    /// <summary>A body sent without a length (chunked transfer encoding), so only reading it finds it too long.</summary>
    private sealed class ChunkedContent(string text) : HttpContent
    {
        protected override Task SerializeToStreamAsync(System.IO.Stream stream, TransportContext? context) => stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text)).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    private sealed class EmbeddingComparer(double tolerance) : System.Collections.Generic.IEqualityComparer<float[]>
    {
        public bool Equals(float[]? x, float[]? y) => x is not null && y is not null && x.Length == y.Length && Embeddings.MaxDifference(x, y) <= tolerance;

        public int GetHashCode(float[] obj) => obj.Length;
    }
}
