using System;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace BertGen.Cli.Tests.Serving;

/// <summary>
/// Requests a broken or hostile client sends — HTTP framing Kestrel refuses, compressed bodies, wrong routes and methods,
/// a field given twice or not at all, a client that goes away or trickles its body while the server stops — each
/// answered with a JSON error naming what is wrong, and the server serving on.
/// </summary>
public sealed class HostileClientTests : IClassFixture<MiniLmServerFixture>
{
    private readonly RunningServer _server;

    public HostileClientTests(MiniLmServerFixture fixture) => _server = fixture.Server;

    /// <summary>
    /// Kestrel's refusal of a body's framing was a 500, "internal error: Bad chunk size data.": a chunk size that is not hex
    /// (its BadHttpRequestException), and one past 2^31, which it refuses with an IOException (an OverflowException inside;
    /// found by the fuzz corpus's serve family).
    /// </summary>
    [Theory]
    [InlineData("zz")]
    [InlineData("FFFFFFFFFFFFFFFFFF")]
    public async Task A_broken_chunk_size_is_400_json_and_the_server_serves_on(string chunkSize)
    {
        (int status, string body) = await RawHttp.SendAsync(_server.Server.Address, System.Text.Encoding.ASCII.GetBytes(
            $"POST /embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{chunkSize}\r\n{{}}\r\n0\r\n\r\n"));

        Assert.Equal(400, status);
        using JsonDocument error = JsonDocument.Parse(body);
        Assert.Equal("the body could not be read: Bad chunk size data.", error.RootElement.GetProperty("error").GetString());
        Assert.Equal("validation", error.RootElement.GetProperty("error_type").GetString());
        Assert.Single(await RunningServer.ReadEmbeddingsAsync(await _server.PostAsync("/embed", RunningServer.Json("still serving"))));
    }

    /// <summary>
    /// The JSON reader decodes only the strings a route binds: a byte that is not UTF-8 in a key, or in the value of a field
    /// no route reads, was read past and the request answered, where JSON is UTF-8 and TEI refuses such a body (found by the
    /// fuzz corpus's serve family). A bad byte in a field the route reads is still named with the field.
    /// </summary>
    [Theory]
    [InlineData("/embed", "{\"inputs\": \"a\", \"norm\u00FFalize\": true}")]
    [InlineData("/embed", "{\"inputs\": \"a\", \"comment\": \"x\u00FFy\"}")]
    [InlineData("/tokenize", "{\"inputs\": [\"a\"], \"\u00FF\": 1}")]
    [InlineData("/v1/embeddings", "{\"input\": \"a\", \"user\": \"\u00FF\"}")]
    public async Task A_byte_that_is_not_utf8_in_a_key_or_an_unread_field_is_422_naming_it(string route, string latin1)
    {
        // The body's text with its one U+00FF written as the lone byte 0xFF (never UTF-8).
        byte[] body = System.Text.Encoding.Latin1.GetBytes(latin1);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        HttpResponseMessage response = await _server.Client.PostAsync(route, content);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal($"the body is not valid UTF-8 (byte 0xFF at offset {Array.IndexOf(body, (byte)0xFF)})",
            json.RootElement.GetProperty(route == "/v1/embeddings" ? "message" : "error").GetString());
    }

    /// <summary>TEI's /tokenize takes a prompt_name as /embed does: it was ignored, and the text tokenized without the prompt asked for.</summary>
    [Fact]
    public async Task A_prompt_name_on_tokenize_is_422_as_on_embed()
    {
        (string error, string type) = await RunningServer.ReadErrorAsync(
            await _server.PostAsync("/tokenize", RunningServer.Json("hello", extra: ", \"prompt_name\": \"query\"")), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("prompt_name 'query': this model has no prompts; leave prompt_name out", error);
        Assert.Equal("validation", type);
    }

    /// <summary>Kestrel does not decompress: a gzip body was refused for its first byte ("'0x1F' is an invalid start of a value").</summary>
    [Fact]
    public async Task A_compressed_body_is_415_naming_the_encoding()
    {
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(RunningServer.Json("hello")));
        }

        using var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        (string error, string type) = await RunningServer.ReadErrorAsync(await _server.Client.PostAsync("/embed", content), HttpStatusCode.UnsupportedMediaType);
        Assert.Equal("Content-Encoding 'gzip': the server does not decompress; send the body uncompressed", error);
        Assert.Equal("validation", type);
    }

    /// <summary>
    /// System.Text.Json reads UTF-8 without a byte-order mark: the BOM PowerShell and some .NET writers put first was refused
    /// as "'0xEF' is an invalid start of a value", and a UTF-16 body (.NET's Encoding.Unicode) for its first byte or a NUL.
    /// The UTF-8 BOM means nothing and is skipped; UTF-16 and UTF-32 are 415 naming the encoding.
    /// </summary>
    [Fact]
    public async Task A_utf8_bom_is_skipped()
    {
        using var content = new ByteArrayContent([.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(RunningServer.Json("hello"))]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        float[] withBom = Assert.Single(await RunningServer.ReadEmbeddingsAsync(await _server.Client.PostAsync("/embed", content)));

        Assert.Equal(Assert.Single(await RunningServer.ReadEmbeddingsAsync(await _server.PostAsync("/embed", RunningServer.Json("hello")))), withBom);
    }

    [Theory]
    [InlineData("utf-16", true, "the body is UTF-16LE: the server reads UTF-8 JSON only; send the body as UTF-8")]
    [InlineData("utf-16", false, "the body is UTF-16LE: the server reads UTF-8 JSON only; send the body as UTF-8")]
    [InlineData("utf-16BE", true, "the body is UTF-16BE: the server reads UTF-8 JSON only; send the body as UTF-8")]
    [InlineData("utf-16BE", false, "the body is UTF-16BE: the server reads UTF-8 JSON only; send the body as UTF-8")]
    [InlineData("utf-32", true, "the body is UTF-32LE: the server reads UTF-8 JSON only; send the body as UTF-8")]
    [InlineData("utf-32", false, "the body is UTF-32LE: the server reads UTF-8 JSON only; send the body as UTF-8")]
    public async Task A_utf16_or_utf32_body_is_415_naming_its_encoding(string encoding, bool byteOrderMark, string expected)
    {
        Encoding text = Encoding.GetEncoding(encoding);
        using var content = new ByteArrayContent([.. byteOrderMark ? text.GetPreamble() : [], .. text.GetBytes(RunningServer.Json("hello"))]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        (string error, string type) = await RunningServer.ReadErrorAsync(await _server.Client.PostAsync("/embed", content), HttpStatusCode.UnsupportedMediaType);
        Assert.Equal(expected, error);
        Assert.Equal("validation", type);
    }

    /// <summary>
    /// A charset on the Content-Type that no JSON text can be in is refused before the body is read. Any other charset is
    /// ignored (application/json has no charset parameter, RFC 8259 §11): the body is read as UTF-8 and a byte that is
    /// not UTF-8 is named where it is, as ever.
    /// </summary>
    [Fact]
    public async Task A_utf16_charset_is_415_naming_it_and_other_charsets_are_ignored()
    {
        HttpResponseMessage utf16 = await _server.Client.PostAsync("/embed", new StringContent(RunningServer.Json("hello"), Encoding.Unicode, "application/json"));
        (string error, _) = await RunningServer.ReadErrorAsync(utf16, HttpStatusCode.UnsupportedMediaType);
        Assert.Equal("Content-Type charset 'utf-16': the server reads UTF-8 JSON only; send the body as UTF-8", error);

        using var latin1 = new ByteArrayContent(Encoding.UTF8.GetBytes(RunningServer.Json("hello")));
        latin1.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/json; charset=ISO-8859-1");
        Assert.Single(await RunningServer.ReadEmbeddingsAsync(await _server.Client.PostAsync("/embed", latin1)));
    }

    /// <summary>
    /// Routing's own answers were never counted: a client hammering a wrong path was invisible in bertgen_requests_total.
    /// They are counted under the route they matched, or "unmatched" (never under the path sent, which any client picks,
    /// so the series would be unbounded). /metrics answered every method; it takes GET, and says so as the other routes do.
    /// </summary>
    [Fact]
    public async Task Routing_errors_are_counted_under_a_bounded_route_and_metrics_takes_only_get()
    {
        const string stray = "/no/such/route-7f3a";
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync(stray)).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await _server.Client.DeleteAsync("/Tokenize/")).StatusCode);

        (string post, _) = await RunningServer.ReadErrorAsync(await _server.PostAsync("/metrics", "{}"), HttpStatusCode.MethodNotAllowed);
        Assert.Equal("POST /metrics: the route takes GET", post);
        using var head = new HttpRequestMessage(HttpMethod.Head, "/metrics");
        using var headHealth = new HttpRequestMessage(HttpMethod.Head, "/health");
        Assert.Equal((await _server.Client.SendAsync(headHealth)).StatusCode, (await _server.Client.SendAsync(head)).StatusCode);

        // /metrics sums every server of the test process, and the exporter keeps a scrape for 300 ms: only that these
        // series come is this test's to check.
        string metrics = "";
        await WaitUntil(async () => (metrics = await _server.Client.GetStringAsync("/metrics")).Contains("route=\"unmatched\",status=\"404\"}", StringComparison.Ordinal)
            && metrics.Contains("route=\"/tokenize\",status=\"405\"}", StringComparison.Ordinal)
            && metrics.Contains("route=\"/metrics\",status=\"405\"}", StringComparison.Ordinal));
        Assert.DoesNotContain(stray, metrics, StringComparison.Ordinal);
    }

    /// <summary>Routing's 404 and 405 had empty bodies: a client could not tell a typo from a wrong method.</summary>
    [Fact]
    public async Task Unknown_routes_and_wrong_methods_are_json_errors_naming_them()
    {
        (string wrongMethod, _) = await RunningServer.ReadErrorAsync(await _server.Client.GetAsync("/embed"), HttpStatusCode.MethodNotAllowed);
        Assert.Equal("GET /embed: the route takes POST", wrongMethod);
        (string noRoute, _) = await RunningServer.ReadErrorAsync(await _server.PostAsync("/embeddings", RunningServer.Json("a")), HttpStatusCode.NotFound);
        Assert.StartsWith("POST '/embeddings': no such route; the routes are POST /embed, POST /embed_all, ", noRoute, StringComparison.Ordinal);
        Assert.EndsWith(", GET /health, GET /info, GET /metrics", noRoute, StringComparison.Ordinal);

        HttpResponseMessage openAi = await _server.Client.GetAsync("/v1/embeddings");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, openAi.StatusCode);
        using JsonDocument json = JsonDocument.Parse(await openAi.Content.ReadAsStringAsync());
        Assert.Equal("GET /v1/embeddings: the route takes POST", json.RootElement.GetProperty("message").GetString());
        Assert.Equal(405, json.RootElement.GetProperty("code").GetInt32());
    }

    /// <summary>
    /// A field given twice was read as its last value ("b" embedded, "normalize": false obeyed) while anything reading the
    /// first saw another request; a field not given at all was "inputs cannot be empty", also when the body held OpenAI's
    /// "input" or "Inputs" with text in it.
    /// </summary>
    [Theory]
    [InlineData("/embed", """{"inputs": "a", "inputs": "b"}""", "'inputs' is given twice; send it once")]
    [InlineData("/embed", """{"inputs": "a", "normalize": true, "normalize": false}""", "'normalize' is given twice; send it once")]
    [InlineData("/embed", """{"input": "a"}""", "the body has no 'inputs'")]
    [InlineData("/embed", """{"Inputs": "a"}""", "the body has no 'inputs'")]
    [InlineData("/tokenize", """{}""", "the body has no 'inputs'")]
    [InlineData("/embed_all", """{"inputs": null}""", "'inputs' must be a string or an array of strings, not null")]
    [InlineData("/v1/embeddings", """{"inputs": ["a"]}""", "the body has no 'input'")]
    public async Task A_field_given_twice_or_not_at_all_is_422_naming_it(string route, string body, string expected)
    {
        HttpResponseMessage response = await _server.PostAsync(route, body);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(expected, json.RootElement.GetProperty(route == "/v1/embeddings" ? "message" : "error").GetString());
    }

    /// <summary>OpenAI's body has no "truncate": the advice to send it was followed, ignored, and answered with the same 413.</summary>
    [Fact]
    public async Task A_too_long_text_on_the_openai_route_is_not_told_to_send_truncate()
    {
        HttpResponseMessage response = await _server.PostAsync("/v1/embeddings", RunningServer.Json(ServeTexts.OfLength(300, 2), "input"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.EndsWith("as sentence-transformers truncates it); start the server with --auto-truncate or --chunk", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A request whose client went away was still computed, in full, ahead of the live ones queued behind it (ten abandoned
    /// requests of 32 long texts held a one-word request for 8 s), kept its --max-concurrent-requests slot until then, and was
    /// counted as a 200. Its inputs are dropped, its slot freed at once, and it is counted as 499.
    /// </summary>
    [Fact]
    public async Task A_request_whose_client_went_away_is_not_computed_and_is_counted_as_499()
    {
        await using RunningServer server = await RunningServer.StartAsync();
        RunningServer.BatchHold hold = server.HoldBatches();

        Task<HttpResponseMessage> live = server.PostAsync("/embed", RunningServer.Json("the live one"));
        try
        {
            await hold.FirstBatch;
            using var leaving = new CancellationTokenSource();
            Task<HttpResponseMessage> abandoned = server.Client.PostAsync("/embed",
                new StringContent(RunningServer.Json(Enumerable.Range(0, 8).Select(i => ServeTexts.OfLength(100, i)).ToArray()), Encoding.UTF8, "application/json"), leaving.Token);
            // The live input counts as queued until its held batch runs: 1 + 8.
            await WaitUntil(() => server.Server.Batcher!.QueuedInputs == 9);
            leaving.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
            await WaitUntil(() => server.Server.Batcher!.QueuedInputs == 9 && server.Server.RequestsInFlight == 1);
        }
        finally
        {
            // Held batches would hold the server's disposal too.
            hold.Release();
        }

        Assert.Single(await RunningServer.ReadEmbeddingsAsync(await live));
        Assert.Single(await RunningServer.ReadEmbeddingsAsync(await server.PostAsync("/embed", RunningServer.Json("after"))));
        Assert.Equal(2, server.Server.Batcher!.ComputedInputs); // "the live one" and "after"

        // /metrics sums every server of the test process, so only that a 499 is there is this test's to check.
        await WaitUntil(async () => (await server.Client.GetStringAsync("/metrics")).Contains("route=\"/embed\",status=\"499\"}", StringComparison.Ordinal));
    }

    /// <summary>
    /// While the server stops, Kestrel no longer holds a client to its minimum data rate: one trickling its body a byte at
    /// a time held the exit for the whole 30 s shutdown timeout, was then reset unanswered, and the server still printed
    /// that every request in flight was answered. A body still arriving is refused with 503 and the stop goes on.
    /// </summary>
    [Fact]
    public async Task Stopping_refuses_a_body_still_arriving_with_503_instead_of_waiting_for_it()
    {
        RunningServer server = await RunningServer.StartAsync();
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(server.Server.Address.Host, server.Server.Address.Port);
            NetworkStream stream = client.GetStream();
            await stream.WriteAsync("POST /embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"inputs\": "u8.ToArray());
            await WaitUntil(() => server.Server.RequestsInFlight == 1);

            var clock = Stopwatch.StartNew();
            await server.Server.StopAsync().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the stop waited {clock.Elapsed.TotalSeconds:F1} s for the body");
            (int status, string body) = RawHttp.Read(stream);
            Assert.Equal(503, status);
            using JsonDocument error = JsonDocument.Parse(body);
            Assert.Equal("the server is stopping and the body had not all arrived; send the request again", error.RootElement.GetProperty("error").GetString());
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>
    /// An answer given before the body is read (503 while loading, 429, 424, 415) leaves the rest of the body to be read
    /// and discarded so that the connection can carry the next request. Kestrel did that with a 5 s deadline, but stops its
    /// timers first when the server stops: a client still trickling such a body held the exit for the whole 30 s shutdown
    /// timeout, then was reset.
    /// </summary>
    [Fact]
    public async Task Stopping_does_not_wait_for_the_rest_of_a_body_already_answered()
    {
        var neverLoaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        RunningServer server = await RunningServer.StartAsync(loadGate: neverLoaded.Task);
        using var trickling = new CancellationTokenSource();
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(server.Server.Address.Host, server.Server.Address.Port);
            NetworkStream stream = client.GetStream();
            await stream.WriteAsync("POST /embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"inputs\": "u8.ToArray());
            Assert.Equal(503, (await RawHttp.ReadOneAsync(stream)).Status);
            Task trickle = Task.Run(async () =>
            {
                while (!trickling.IsCancellationRequested)
                {
                    await stream.WriteAsync(" "u8.ToArray());
                    await Task.Delay(100);
                }
            });

            await Task.Delay(500);
            var clock = Stopwatch.StartNew();
            await server.Server.StopAsync().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the stop waited {clock.Elapsed.TotalSeconds:F1} s for the body");
            await Assert.ThrowsAnyAsync<IOException>(() => trickle.WaitAsync(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            trickling.Cancel();
            await server.DisposeAsync();
        }
    }

    /// <summary>A body its answer did not read is still read to its end while the server runs: the connection serves on.</summary>
    [Fact]
    public async Task A_connection_whose_body_was_answered_unread_carries_the_next_request()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(_server.Server.Address.Host, _server.Server.Address.Port);
        NetworkStream stream = client.GetStream();
        string body = RunningServer.Json(new string('a', 5000));
        await stream.WriteAsync(Encoding.UTF8.GetBytes($"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n{body[..10]}"));
        Assert.Equal(424, (await RawHttp.ReadOneAsync(stream)).Status);

        await stream.WriteAsync(Encoding.UTF8.GetBytes(body[10..]));
        await stream.WriteAsync("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        Assert.Equal(200, (await RawHttp.ReadOneAsync(stream)).Status);
    }

    private static Task WaitUntil(Func<bool> condition) => WaitUntil(() => Task.FromResult(condition()));

    private static async Task WaitUntil(Func<Task<bool>> condition)
    {
        for (int i = 0; i < 500; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(20);
        }

        Assert.Fail("timed out waiting for the server");
    }

    /// <summary>HTTP/1.1 over a bare socket, for requests <see cref="HttpClient"/> will not send.</summary>
    private static class RawHttp
    {
        public static async Task<(int Status, string Body)> SendAsync(Uri server, byte[] request)
        {
            using var client = new TcpClient();
            await client.ConnectAsync(server.Host, server.Port);
            NetworkStream stream = client.GetStream();
            await stream.WriteAsync(request);
            return Read(stream);
        }

        /// <summary>One answer's status and raw body (a chunked one not de-chunked), leaving the connection open.</summary>
        public static async Task<(int Status, string Body)> ReadOneAsync(NetworkStream stream)
        {
            var received = new MemoryStream();
            var buffer = new byte[4096];
            while (true)
            {
                string answer = Encoding.UTF8.GetString(received.ToArray());
                int headersEnd = answer.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (headersEnd >= 0)
                {
                    string headers = answer[..headersEnd], body = answer[(headersEnd + 4)..];
                    int status = int.Parse(headers.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
                    System.Text.RegularExpressions.Match length = System.Text.RegularExpressions.Regex.Match(headers, @"Content-Length: (\d+)", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
                    if (length.Success ? Encoding.UTF8.GetByteCount(body) >= int.Parse(length.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : body.EndsWith("0\r\n\r\n", StringComparison.Ordinal))
                    {
                        return (status, body);
                    }
                }

                int read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
                if (read == 0)
                {
                    throw new IOException($"the server closed the connection mid-answer: {answer}");
                }

                received.Write(buffer, 0, read);
            }
        }

        /// <summary>The answer's status and body (de-chunked), read until the server closes the connection.</summary>
        public static (int Status, string Body) Read(NetworkStream stream)
        {
            stream.ReadTimeout = 30_000;
            var received = new MemoryStream();
            stream.CopyTo(received);
            string answer = Encoding.UTF8.GetString(received.ToArray());
            int headersEnd = answer.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            string headers = answer[..headersEnd];
            string body = answer[(headersEnd + 4)..];
            if (headers.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
            {
                var whole = new StringBuilder();
                for (int at = 0; ;)
                {
                    int lineEnd = body.IndexOf("\r\n", at, StringComparison.Ordinal);
                    int size = Convert.ToInt32(body[at..lineEnd], 16);
                    if (size == 0)
                    {
                        break;
                    }

                    whole.Append(body, lineEnd + 2, size);
                    at = lineEnd + 2 + size + 2;
                }

                body = whole.ToString();
            }

            return (int.Parse(headers.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), body);
        }
    }
}
