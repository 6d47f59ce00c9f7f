using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using BertGen.Cli.Serving;

namespace BertGen.Cli.Tests.Serving;

/// <summary>
/// A real <c>bertgen serve</c> server in this process, on a free loopback port, with an <see cref="HttpClient"/> for it;
/// disposing stops it (draining what is in flight) and releases the model, so no server outlives its test.
/// </summary>
internal sealed class RunningServer : IAsyncDisposable
{
    private RunningServer(SentenceEncoder encoder, EmbeddingServer server, StringWriter log)
    {
        Encoder = encoder;
        Server = server;
        Log = log;
        Client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public SentenceEncoder Encoder { get; }

    public EmbeddingServer Server { get; }

    public StringWriter Log { get; }

    public HttpClient Client { get; }

    /// <summary>TEI's defaults on port 0.</summary>
    public static ServeSettings Defaults { get; } = new(IPAddress.Loopback, 0, 16384, 512, 32, 2_000_000, AutoTruncate: false, Chunk: false);

    public static async Task<RunningServer> StartAsync(EncoderOptions? options = null, ServeSettings? settings = null, Task? loadGate = null)
    {
        SentenceEncoder encoder = SentenceEncoder.Open(options ?? new EncoderOptions("minilm", null, null, null));
        var log = new StringWriter();
        EmbeddingServer server = await EmbeddingServer.StartAsync(encoder, settings ?? Defaults, TextWriter.Synchronized(log), loadGate: loadGate);
        var running = new RunningServer(encoder, server, log);
        if (loadGate is null)
        {
            await server.Loaded;
        }

        return running;
    }

    /// <summary>
    /// Holds every batch before it computes (<c>InferenceBatcher.BeforeBatch</c>) until <see cref="BatchHold.Release"/>, so
    /// that requests really are queued together, in flight or over a limit.
    /// </summary>
    public BatchHold HoldBatches()
    {
        var hold = new BatchHold();
        Server.Batcher!.BeforeBatch = hold.Wait;
        return hold;
    }

    /// <summary>See <see cref="HoldBatches"/>: <see cref="FirstBatch"/> completes when a batch reaches the hold.</summary>
    public sealed class BatchHold
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task FirstBatch => _reached.Task;

        public void Release() => _released.TrySetResult();

        internal Task Wait()
        {
            _reached.TrySetResult();
            return _released.Task;
        }
    }

    public Task<HttpResponseMessage> PostAsync(string route, string json) =>
        Client.PostAsync(route, new StringContent(json, Encoding.UTF8, "application/json"));

    public static string Json(object? inputs, string field = "inputs", string extra = "") =>
        $"{{\"{field}\": {JsonSerializer.Serialize(inputs)}{extra}}}";

    public static async Task<float[][]> ReadEmbeddingsAsync(HttpResponseMessage response)
    {
        string body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode}: {body}");
        }

        using JsonDocument json = JsonDocument.Parse(body);
        return json.RootElement.EnumerateArray().Select(e => e.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
    }

    /// <summary>The error body's fields, checking the status.</summary>
    public static async Task<(string Error, string Type)> ReadErrorAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        string body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != status)
        {
            throw new InvalidOperationException($"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/json")
        {
            throw new InvalidOperationException($"error without a JSON content type: {body}");
        }

        using JsonDocument json = JsonDocument.Parse(body);
        return (json.RootElement.GetProperty("error").GetString()!, json.RootElement.GetProperty("error_type").GetString()!);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        Encoder.Dispose();
    }
}

/// <summary>Texts of chosen WordPiece lengths and the CLI's embeddings of them, the oracle every served embedding is held to.</summary>
internal static class ServeTexts
{
    private static readonly string[] Words = ["river", "stone", "morning", "garden", "letter", "window", "winter", "music", "harbour", "candle"];

    /// <summary>all-MiniLM-L6-v2's tokenizer: every word of <see cref="OfLength"/> is one WordPiece of it.</summary>
    public static BertGen.Text.BertWordPieceTokenizer Tokenizer { get; } = LoadTokenizer();

    private static BertGen.Text.BertWordPieceTokenizer LoadTokenizer()
    {
        using var package = BertGen.Runtime.Pretrained.PretrainedPackage.Open(BertGen.Runtime.Pretrained.PretrainedModel.MiniLmL6V2);
        return BertGen.Text.BertWordPieceTokenizer.Create(BertGen.Text.BertVocabulary.Parse(package.ReadVocabularyText(), "all-MiniLM-L6-v2"));
    }

    /// <summary>A text of about <paramref name="words"/> WordPieces (each word here is one piece), varied by <paramref name="seed"/>.</summary>
    public static string OfLength(int words, int seed) =>
        string.Join(' ', Enumerable.Range(0, words).Select(i => Words[(i * 7 + seed * 3) % Words.Length]));

    /// <summary><c>bertgen embed</c>'s answers (in-process, its own model load), in order.</summary>
    public static float[][] Cli(params string[] texts)
    {
        CliResult result = Tests.Cli.Run(["embed", "--quiet", .. texts]);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(result.Error);
        }

        return Embeddings.Parse(result).Select(p => p.Embedding).ToArray();
    }
}
