using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace BertGen.Cli.Tests.Serving;

/// <summary>One all-MiniLM-L6-v2 server shared by the route tests (one model load).</summary>
public sealed class MiniLmServerFixture : IAsyncLifetime
{
    internal RunningServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await RunningServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// Every route of <c>bertgen serve</c> over real HTTP on loopback, against the CLI's own answers for the same texts. The
/// server and the CLI run the same compiled kernels, whose arithmetic per row does not depend on the batch a row is in,
/// so the embeddings agree to float rounding; 1e-6 absolute (on unit vectors) allows only that.
/// </summary>
public sealed class ServerRouteTests : IClassFixture<MiniLmServerFixture>
{
    private const double Tolerance = 1e-6;
    private readonly RunningServer _server;

    public ServerRouteTests(MiniLmServerFixture fixture) => _server = fixture.Server;

    [Fact]
    public async Task Embed_gives_the_clis_embeddings_in_order_with_timing_headers()
    {
        string[] texts = ["This is an example sentence", "Crème brûlée", ServeTexts.OfLength(100, 1)];
        HttpResponseMessage response = await _server.PostAsync("/embed", RunningServer.Json(texts));
        float[][] served = await RunningServer.ReadEmbeddingsAsync(response);

        float[][] cli = ServeTexts.Cli(texts);
        Assert.Equal(3, served.Length);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.True(Embeddings.MaxDifference(served[i], cli[i]) <= Tolerance, $"text {i + 1}");
        }

        // The published all-MiniLM-L6-v2 vector of the first text (REFERENCE.md §5).
        Assert.Equal(0.0677, served[0][0], 3);
        foreach (string header in new[] { "x-compute-time", "x-queue-time", "x-inference-time", "x-total-time", "x-tokenization-time" })
        {
            Assert.True(long.TryParse(Assert.Single(response.Headers.GetValues(header)), out long ms) && ms >= 0, header);
        }

        Assert.Equal("cpu", Assert.Single(response.Headers.GetValues("x-compute-type")));
        Assert.True(int.Parse(Assert.Single(response.Headers.GetValues("x-compute-tokens"))) > 7 + 4);
    }

    [Fact]
    public async Task Embed_of_one_string_without_normalising_is_the_raw_mean()
    {
        float[][] normalized = await RunningServer.ReadEmbeddingsAsync(await _server.PostAsync("/embed", RunningServer.Json("A man is eating food.")));
        float[][] raw = await RunningServer.ReadEmbeddingsAsync(await _server.PostAsync("/embed", RunningServer.Json("A man is eating food.", extra: ", \"normalize\": false")));

        double norm = Embeddings.Norm(raw[0]);
        Assert.NotEqual(1.0, norm, 3);
        Assert.True(Embeddings.MaxDifference(raw[0].Select(v => (float)(v / norm)).ToArray(), normalized[0]) <= Tolerance);
    }

    [Fact]
    public async Task OpenAi_embeddings_in_float_and_base64_are_the_embed_vectors()
    {
        string[] texts = ["first text", "the second one"];
        float[][] embed = await RunningServer.ReadEmbeddingsAsync(await _server.PostAsync("/embed", RunningServer.Json(texts)));

        using JsonDocument floats = JsonDocument.Parse(await (await _server.PostAsync("/v1/embeddings", RunningServer.Json(texts, "input", ", \"model\": \"x\""))).Content.ReadAsStringAsync());
        using JsonDocument base64 = JsonDocument.Parse(await (await _server.PostAsync("/v1/embeddings", RunningServer.Json(texts, "input", ", \"encoding_format\": \"base64\""))).Content.ReadAsStringAsync());

        Assert.Equal("list", floats.RootElement.GetProperty("object").GetString());
        Assert.Equal("all-MiniLM-L6-v2", floats.RootElement.GetProperty("model").GetString());
        Assert.True(floats.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() >= 8);
        for (int i = 0; i < texts.Length; i++)
        {
            JsonElement item = floats.RootElement.GetProperty("data")[i];
            Assert.Equal(i, item.GetProperty("index").GetInt32());
            Assert.Equal(embed[i], item.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray());
            byte[] bytes = Convert.FromBase64String(base64.RootElement.GetProperty("data")[i].GetProperty("embedding").GetString()!);
            Assert.Equal(embed[i], MemoryMarshal.Cast<byte, float>(bytes).ToArray());
        }
    }

    [Fact]
    public async Task Embed_all_gives_every_tokens_vector_as_embed_tokens_does()
    {
        string[] texts = ["Hello world!", "Token level output for late chunking"];
        using JsonDocument served = JsonDocument.Parse(await (await _server.PostAsync("/embed_all", RunningServer.Json(texts))).Content.ReadAsStringAsync());

        CliResult cli = Cli.Run(["embed", "--quiet", "--tokens", .. texts]);
        Assert.Equal(0, cli.ExitCode);
        for (int i = 0; i < texts.Length; i++)
        {
            using JsonDocument line = JsonDocument.Parse(cli.OutputLines[i]);
            JsonElement expected = line.RootElement.GetProperty("embeddings");
            JsonElement actual = served.RootElement[i];
            Assert.Equal(line.RootElement.GetProperty("tokens").GetArrayLength(), actual.GetArrayLength());
            Assert.Equal(expected.GetArrayLength(), actual.GetArrayLength());
            for (int t = 0; t < actual.GetArrayLength(); t++)
            {
                float[] a = actual[t].EnumerateArray().Select(v => v.GetSingle()).ToArray();
                float[] e = expected[t].EnumerateArray().Select(v => v.GetSingle()).ToArray();
                Assert.Equal(384, a.Length);
                Assert.True(Embeddings.MaxDifference(a, e) <= 1e-5, $"text {i + 1} token {t}");
            }
        }
    }

    [Fact]
    public async Task Tokenize_gives_the_tokenizers_ids_with_the_special_tokens_marked()
    {
        using JsonDocument json = JsonDocument.Parse(await (await _server.PostAsync("/tokenize", RunningServer.Json("This is an example sentence"))).Content.ReadAsStringAsync());
        JsonElement tokens = Assert.Single(json.RootElement.EnumerateArray().ToArray());

        Assert.Equal([101, 2023, 2003, 2019, 2742, 6251, 102], tokens.EnumerateArray().Select(t => t.GetProperty("id").GetInt32()).ToArray());
        Assert.Equal("[CLS]", tokens[0].GetProperty("text").GetString());
        Assert.True(tokens[0].GetProperty("special").GetBoolean());
        Assert.False(tokens[1].GetProperty("special").GetBoolean());

        // Offsets are UTF-8 bytes of the input (TEI's), and a piece's text is the part of the input it came from.
        string accented = "Crème brûlée!";
        using JsonDocument spans = JsonDocument.Parse(await (await _server.PostAsync("/tokenize", RunningServer.Json(accented, extra: ", \"add_special_tokens\": false"))).Content.ReadAsStringAsync());
        Assert.DoesNotContain("\\u00", spans.RootElement.GetRawText(), StringComparison.Ordinal); // UTF-8 as is, as TEI writes it
        byte[] utf8 = Encoding.UTF8.GetBytes(accented);
        string[] pieces = spans.RootElement[0].EnumerateArray().Select(t => t.GetProperty("text").GetString()!).ToArray();
        foreach (JsonElement token in spans.RootElement[0].EnumerateArray())
        {
            int start = token.GetProperty("start").GetInt32(), stop = token.GetProperty("stop").GetInt32();
            Assert.Equal(Encoding.UTF8.GetString(utf8, start, stop - start), token.GetProperty("text").GetString());
        }

        Assert.Equal(accented.Replace(" ", "", StringComparison.Ordinal), string.Concat(pieces));
        Assert.Equal("!", pieces[^1]);

        using JsonDocument bare = JsonDocument.Parse(await (await _server.PostAsync("/tokenize", RunningServer.Json("example", extra: ", \"add_special_tokens\": false"))).Content.ReadAsStringAsync());
        Assert.Equal(2742, Assert.Single(bare.RootElement[0].EnumerateArray().ToArray()).GetProperty("id").GetInt32());

        // [UNK] is the word it stands for, as TEI gives it (it had null offsets and the text "[UNK]").
        using JsonDocument unknown = JsonDocument.Parse(await (await _server.PostAsync("/tokenize", RunningServer.Json("say 😀!", extra: ", \"add_special_tokens\": false"))).Content.ReadAsStringAsync());
        JsonElement emoji = unknown.RootElement[0][1];
        Assert.Equal(100, emoji.GetProperty("id").GetInt32());
        Assert.Equal(("😀", 4, 8), (emoji.GetProperty("text").GetString(), emoji.GetProperty("start").GetInt32(), emoji.GetProperty("stop").GetInt32()));
    }

    [Fact]
    public async Task Health_info_and_metrics_answer()
    {
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.GetAsync("/health")).StatusCode);

        using JsonDocument info = JsonDocument.Parse(await _server.Client.GetStringAsync("/info"));
        Assert.Equal("all-MiniLM-L6-v2", info.RootElement.GetProperty("model_id").GetString());
        Assert.Equal("float32", info.RootElement.GetProperty("model_dtype").GetString());
        Assert.Equal("mean", info.RootElement.GetProperty("model_type").GetProperty("embedding").GetProperty("pooling").GetString());
        Assert.False(info.RootElement.GetProperty("model_type").TryGetProperty("classifier", out _));
        Assert.Equal(256, info.RootElement.GetProperty("max_input_length").GetInt32());
        Assert.Equal(16384, info.RootElement.GetProperty("max_batch_tokens").GetInt32());
        Assert.Contains(info.RootElement.GetProperty("compiled_shapes").EnumerateArray(), s => s[0].GetInt32() == 1 && s[1].GetInt32() == 256);

        await _server.PostAsync("/embed", RunningServer.Json("count me"));
        string metrics = await _server.Client.GetStringAsync("/metrics");
        Assert.Contains("bertgen_requests_total{", metrics, StringComparison.Ordinal);
        Assert.Contains("route=\"/embed\"", metrics, StringComparison.Ordinal);
        Assert.Contains("bertgen_batch_tokens_bucket", metrics, StringComparison.Ordinal);
        Assert.Contains("bertgen_queue_duration_seconds_bucket", metrics, StringComparison.Ordinal);
        Assert.Contains("bertgen_queue_size", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validation_errors_are_422_json()
    {
        (string tooMany, string type) = await RunningServer.ReadErrorAsync(await _server.PostAsync("/embed", RunningServer.Json(Enumerable.Repeat("x", 33).ToArray())), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("batch size 33 > maximum allowed batch size 32 (--max-client-batch-size)", tooMany);
        Assert.Equal("validation", type);

        (string badJson, _) = await RunningServer.ReadErrorAsync(await _server.PostAsync("/embed", "{\"inputs\": [\"a\", 3]}"), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("'inputs' must be a string or an array of strings; input 2 is a number", badJson);

        (string notJson, _) = await RunningServer.ReadErrorAsync(await _server.PostAsync("/embed", "inputs=hello"), HttpStatusCode.UnprocessableEntity);
        Assert.StartsWith("the body is not valid JSON (line 1, byte 1): ", notJson, StringComparison.Ordinal);

        // An invalid literal: System.Text.Json quotes the rest of the body, which the answer cuts as any quoted value.
        string rest = string.Concat(Enumerable.Repeat(", \"a long text that goes on\"", 200));
        (string badLiteral, _) = await RunningServer.ReadErrorAsync(await _server.PostAsync("/embed", $"{{\"normalize\": tru, \"inputs\": [\"x\"{rest}]}}"), HttpStatusCode.UnprocessableEntity);
        Assert.StartsWith("the body is not valid JSON (line 1, byte ", badLiteral, StringComparison.Ordinal);
        Assert.Contains(" is an invalid JSON literal. Expected the literal 'true'", badLiteral, StringComparison.Ordinal);
        Assert.InRange(badLiteral.Length, 1, 300);
        Assert.Contains(" characters) is", badLiteral, StringComparison.Ordinal);

        (string notObject, _) = await RunningServer.ReadErrorAsync(await _server.PostAsync("/embed", "[\"a\"]"), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("the body must be a JSON object, not an array", notObject);

        (string noBody, _) = await RunningServer.ReadErrorAsync(await _server.PostAsync("/embed", ""), HttpStatusCode.UnprocessableEntity);
        Assert.StartsWith("the body is not valid JSON", noBody, StringComparison.Ordinal);

        // A text that is not UTF-8 (an overlong '/'): the reader's own refusal, still about the field.
        using var invalid = new ByteArrayContent([.. "{\"inputs\": \"a"u8, 0xC0, 0xAF, .. "\"}"u8]);
        invalid.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        (string notUtf8, _) = await RunningServer.ReadErrorAsync(await _server.Client.PostAsync("/embed", invalid), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("'inputs' must be a string or an array of strings; input 1 is not valid UTF-8", notUtf8);
        using var invalidModel = new ByteArrayContent([.. "{\"input\": \"a\", \"model\": \"m"u8, 0xC0, 0xAF, .. "\"}"u8]);
        invalidModel.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using JsonDocument model = JsonDocument.Parse(await (await _server.Client.PostAsync("/v1/embeddings", invalidModel)).Content.ReadAsStringAsync());
        Assert.Equal("'model' must be a string of valid UTF-8", model.RootElement.GetProperty("message").GetString());

        using JsonDocument openAi = JsonDocument.Parse(await (await _server.PostAsync("/v1/embeddings", "{\"input\": \"a\", \"encoding_format\": \"int8\"}")).Content.ReadAsStringAsync());
        Assert.Equal(422, openAi.RootElement.GetProperty("code").GetInt32());
        Assert.Contains("encoding_format", openAi.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);

        // OpenAI's dimensions was ignored: 384 values came back for 128. The model's own size is still accepted.
        using JsonDocument shortened = JsonDocument.Parse(await (await _server.PostAsync("/v1/embeddings", "{\"input\": \"a\", \"dimensions\": 128}")).Content.ReadAsStringAsync());
        Assert.Equal(422, shortened.RootElement.GetProperty("code").GetInt32());
        Assert.Equal("dimensions 128: all-MiniLM-L6-v2's embeddings have 384 and are not shortened; leave dimensions out", shortened.RootElement.GetProperty("message").GetString());
        HttpResponseMessage whole = await _server.PostAsync("/v1/embeddings", "{\"input\": \"a\", \"dimensions\": 384}");
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
    }

    /// <summary>
    /// TEI's options this server does not have are 422s naming them: ignored, a <c>prompt_name</c> embedded the text without
    /// its prompt. A <c>truncation_direction</c> other than Left or Right is one too; both are accepted in either case.
    /// </summary>
    [Theory]
    [InlineData("/embed", """{"inputs": "a", "truncation_direction": "middle"}""", "truncation_direction must be Left or Right, not 'middle'")]
    [InlineData("/embed_all", """{"inputs": "a", "truncation_direction": ""}""", "truncation_direction must be Left or Right, not ''")]
    [InlineData("/embed", """{"inputs": "a", "prompt_name": "query"}""", "prompt_name 'query': this model has no prompts; leave prompt_name out")]
    [InlineData("/embed_all", """{"inputs": "a", "prompt_name": ""}""", "prompt_name '': this model has no prompts; leave prompt_name out")]
    [InlineData("/embed", """{"inputs": "a", "truncation_direction": 5}""", "'truncation_direction' must be a string, not 5")]
    [InlineData("/embed", """{"inputs": "a", "dimensions": 128}""", "dimensions 128: all-MiniLM-L6-v2's embeddings have 384 and are not shortened; leave dimensions out")]
    public async Task Tei_options_the_server_does_not_have_are_422s(string route, string body, string expected)
    {
        (string error, string type) = await RunningServer.ReadErrorAsync(await _server.PostAsync(route, body), HttpStatusCode.UnprocessableEntity);
        Assert.Equal(expected, error);
        Assert.Equal("validation", type);

        Assert.Equal(HttpStatusCode.OK, (await _server.PostAsync(route, """{"inputs": "a", "truncation_direction": "Right"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _server.PostAsync(route, """{"inputs": "a", "truncation_direction": "right", "prompt_name": null}""")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _server.PostAsync(route, """{"inputs": "a", "truncation_direction": "left"}""")).StatusCode);
    }

    /// <summary>
    /// TEI's <c>"truncation_direction": "Left"</c> keeps a long text's end: the truncated text's vectors are those of its last
    /// 254 WordPieces (one per word here) embedded whole, and not those of its start. It was refused (before that, ignored:
    /// the start was embedded).
    /// </summary>
    [Fact]
    public async Task Left_truncation_embeds_a_long_texts_end()
    {
        string text = ServeTexts.OfLength(300, 2);
        string end = string.Join(' ', text.Split(' ')[^254..]);
        const string left = ", \"truncate\": true, \"truncation_direction\": \"Left\"";

        float[][] truncated = await RunningServer.ReadEmbeddingsAsync(await _server.PostAsync("/embed", RunningServer.Json(text, extra: left)));
        float[][] whole = await RunningServer.ReadEmbeddingsAsync(await _server.PostAsync("/embed", RunningServer.Json(end)));
        float[][] start = await RunningServer.ReadEmbeddingsAsync(await _server.PostAsync("/embed", RunningServer.Json(text, extra: ", \"truncate\": true")));
        Assert.True(Embeddings.MaxDifference(truncated[0], whole[0]) <= Tolerance);
        Assert.True(Embeddings.MaxDifference(truncated[0], start[0]) > 1e-3);

        using JsonDocument tokens = JsonDocument.Parse(await (await _server.PostAsync("/embed_all", RunningServer.Json(text, extra: left))).Content.ReadAsStringAsync());
        using JsonDocument endTokens = JsonDocument.Parse(await (await _server.PostAsync("/embed_all", RunningServer.Json(end))).Content.ReadAsStringAsync());
        Assert.Equal(256, tokens.RootElement[0].GetArrayLength());
        for (int t = 0; t < 256; t += 51)
        {
            float[] served = tokens.RootElement[0][t].EnumerateArray().Select(v => v.GetSingle()).ToArray();
            float[] expected = endTokens.RootElement[0][t].EnumerateArray().Select(v => v.GetSingle()).ToArray();
            Assert.True(Embeddings.MaxDifference(served, expected) <= 1e-5, $"token {t}");
        }
    }

    /// <summary>
    /// No inputs, or an empty or blank text among them (one the tokenizer keeps nothing of), is TEI's 400 "empty" naming the
    /// input: an empty string was embedded as <c>[CLS] [SEP]</c> and answered 200 with a vector that means nothing.
    /// /tokenize answers it (with no tokens).
    /// </summary>
    [Fact]
    public async Task Empty_or_blank_inputs_are_400s_naming_the_input()
    {
        (string none, string type) = await RunningServer.ReadErrorAsync(await _server.PostAsync("/embed", RunningServer.Json(Array.Empty<string>())), HttpStatusCode.BadRequest);
        Assert.Equal("inputs cannot be empty", none);
        Assert.Equal("empty", type);

        (string second, string secondType) = await RunningServer.ReadErrorAsync(await _server.PostAsync("/embed", RunningServer.Json(new[] { "a", "", "c" })), HttpStatusCode.BadRequest);
        Assert.Equal("input 2 is empty", second);
        Assert.Equal("empty", secondType);
        (string single, _) = await RunningServer.ReadErrorAsync(await _server.PostAsync("/embed", RunningServer.Json(" \n ")), HttpStatusCode.BadRequest);
        Assert.Equal("input 1 is only whitespace", single);
        (string all, _) = await RunningServer.ReadErrorAsync(await _server.PostAsync("/embed_all", RunningServer.Json(new[] { "a", "\t" })), HttpStatusCode.BadRequest);
        Assert.Equal("input 2 is only whitespace", all);

        // Only accents: the uncased tokenizer strips them, leaving [CLS] [SEP].
        (string accents, string accentsType) = await RunningServer.ReadErrorAsync(await _server.PostAsync("/embed", RunningServer.Json(new[] { "a", "\u0301\u0300" })), HttpStatusCode.BadRequest);
        Assert.Equal("input 2 has nothing the tokenizer keeps (only accents, control or format characters)", accents);
        Assert.Equal("empty", accentsType);
        (string accentsAll, _) = await RunningServer.ReadErrorAsync(await _server.PostAsync("/embed_all", RunningServer.Json(new[] { " \u0301" })), HttpStatusCode.BadRequest);
        Assert.Equal("input 1 has nothing the tokenizer keeps (only accents, control or format characters)", accentsAll);

        HttpResponseMessage openAiResponse = await _server.PostAsync("/v1/embeddings", RunningServer.Json(new[] { "x", "y", "" }, field: "input"));
        Assert.Equal(HttpStatusCode.BadRequest, openAiResponse.StatusCode);
        using JsonDocument openAi = JsonDocument.Parse(await openAiResponse.Content.ReadAsStringAsync());
        Assert.Equal("input 3 is empty", openAi.RootElement.GetProperty("message").GetString());
        Assert.Equal(400, openAi.RootElement.GetProperty("code").GetInt32());
        Assert.Equal("empty", openAi.RootElement.GetProperty("type").GetString());

        HttpResponseMessage tokenized = await _server.PostAsync("/tokenize", RunningServer.Json(new[] { "" }, extra: ", \"add_special_tokens\": false"));
        Assert.Equal(HttpStatusCode.OK, tokenized.StatusCode);
        Assert.Equal("[[]]", await tokenized.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// A value of the wrong JSON type was answered with the .NET type it failed to bind to ("could not be converted to
    /// System.Nullable`1[System.Boolean]"): the answer names the field, what it takes in JSON's words and what was sent.
    /// </summary>
    [Theory]
    [InlineData("/embed", """{"inputs": "a", "truncate": "yes"}""", "'truncate' must be true or false, not \"yes\"")]
    [InlineData("/embed", """{"inputs": "a", "normalize": null}""", "'normalize' must be true or false, not null")]
    [InlineData("/embed", """{"inputs": 5}""", "'inputs' must be a string or an array of strings, not 5")]
    [InlineData("/embed_all", """{"inputs": {"text": "a"}}""", "'inputs' must be a string or an array of strings, not an object")]
    [InlineData("/embed_all", """{"inputs": "a", "truncate": 1}""", "'truncate' must be true or false, not 1")]
    [InlineData("/tokenize", """{"inputs": "a", "add_special_tokens": [true]}""", "'add_special_tokens' must be true or false, not an array")]
    [InlineData("/v1/embeddings", """{"input": "a", "dimensions": "384"}""", "'dimensions' must be a whole number, not \"384\"")]
    [InlineData("/v1/embeddings", """{"input": "a", "dimensions": 3.5}""", "'dimensions' must be a whole number, not 3.5")]
    [InlineData("/v1/embeddings", """{"input": "a", "model": 7}""", "'model' must be a string, not 7")]
    [InlineData("/v1/embeddings", """{"input": true, "encoding_format": "float"}""", "'input' must be a string or an array of strings, not true")]
    public async Task Wrong_typed_fields_are_422s_naming_the_field_and_its_json_type(string route, string body, string expected)
    {
        HttpResponseMessage response = await _server.PostAsync(route, body);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        string error = json.RootElement.GetProperty(route == "/v1/embeddings" ? "message" : "error").GetString()!;
        Assert.Equal(expected, error);
        Assert.DoesNotContain("System.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_request_field_type_has_its_json_wording()
    {
        var api = BertGen.Cli.Serving.ServeJsonContext.Api;
        System.Text.Json.Serialization.Metadata.JsonTypeInfo[] bodies = [api.EmbedRequest, api.EmbedAllRequest, api.TokenizeRequest, api.OpenAiEmbeddingsRequest, api.PredictRequest];
        Assert.All(bodies, b => Assert.NotEmpty(b.Properties));
        foreach (var property in bodies.SelectMany(b => b.Properties))
        {
            Assert.True(BertGen.Cli.Serving.RequestBodyErrors.Takes.ContainsKey(property.PropertyType), $"{property.Name}: {property.PropertyType}");
        }
    }

    [Fact]
    public async Task Too_long_texts_are_413_unless_truncated_and_truncation_cuts_at_256()
    {
        string text = ServeTexts.OfLength(300, 2);
        (string error, string type) = await RunningServer.ReadErrorAsync(await _server.PostAsync("/embed", RunningServer.Json(text)), HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("input 1 has 302 tokens, more than the model's limit of 256 (all-MiniLM-L6-v2's limit, as sentence-transformers truncates it); send \"truncate\": true, or start the server with --auto-truncate or --chunk", error);
        Assert.Equal("validation", type);

        // /embed_all never chunks (token vectors are not averaged): --chunk is no advice there.
        (string tokens, _) = await RunningServer.ReadErrorAsync(await _server.PostAsync("/embed_all", RunningServer.Json(text)), HttpStatusCode.RequestEntityTooLarge);
        Assert.EndsWith("send \"truncate\": true, or start the server with --auto-truncate", tokens, StringComparison.Ordinal);

        float[][] truncated = await RunningServer.ReadEmbeddingsAsync(await _server.PostAsync("/embed", RunningServer.Json(text, extra: ", \"truncate\": true")));
        float[][] prefix = await RunningServer.ReadEmbeddingsAsync(await _server.PostAsync("/embed", RunningServer.Json(ServeTexts.OfLength(254, 2))));
        Assert.True(Embeddings.MaxDifference(truncated[0], prefix[0]) <= Tolerance);
    }

    [Fact]
    public async Task A_body_over_the_payload_limit_is_413_json()
    {
        // Expect: 100-continue, so the client waits for the server's answer before sending the body it is refused
        // (otherwise the server may close the connection while 2 MB are still on their way, and the client sees a reset).
        string body = RunningServer.Json(new string('a', 2_100_000));
        var request = new HttpRequestMessage(HttpMethod.Post, "/embed") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        (string error, _) = await RunningServer.ReadErrorAsync(await _server.Client.SendAsync(request), HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal($"the body has {Encoding.UTF8.GetByteCount(body)} bytes, more than --payload-limit 2000000", error);
    }

    [Fact]
    public async Task Predict_on_an_embedding_model_is_424()
    {
        (string error, string type) = await RunningServer.ReadErrorAsync(await _server.PostAsync("/predict", RunningServer.Json("a")), HttpStatusCode.FailedDependency);
        Assert.Contains("/predict needs a sequence classifier", error, StringComparison.Ordinal);
        Assert.Equal("backend", type);
    }
}
