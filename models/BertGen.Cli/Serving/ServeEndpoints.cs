using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading;
using System.Threading.Tasks;
using BertGen.Runtime;
using BertGen.Runtime.Inference;
using BertGen.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BertGen.Cli.Serving;

/// <summary>
/// The HTTP routes, TEI's contract: each handler reads and checks its body, tokenises, queues the inputs on the
/// <see cref="InferenceBatcher"/>, awaits them and writes JSON with the timing headers. Every failure is an
/// <see cref="ApiException"/> turned into a JSON error with its status; admission (503 while loading, 429 over
/// <c>--max-concurrent-requests</c>) comes before the body is read. A request whose client goes away is dropped: its
/// inputs are not computed, and it is counted with nginx's 499.
/// </summary>
internal sealed class ServeEndpoints
{
    /// <summary>nginx's "client closed request": the status <c>/metrics</c> counts a request under when its client went away before its answer.</summary>
    public const int ClientClosedRequest = 499;

    /// <summary>The route <c>/metrics</c> counts a request under when no route has its path: never the path itself, which any client picks.</summary>
    public const string Unmatched = "unmatched";

    /// <summary>How long a body the answer did not read is read and discarded for, as Kestrel's own drain of it would (its RequestBodyDrainTimeout).</summary>
    private static readonly TimeSpan UnreadBodyDrainTime = TimeSpan.FromSeconds(5);

    /// <summary>Set in <see cref="HttpContext.Items"/> once a route starts reading its body.</summary>
    private static readonly object BodyReadKey = new();

    private readonly SentenceEncoder _encoder;
    private readonly ServeSettings _settings;
    private readonly ServeMetrics _metrics;
    private readonly bool _classifier;
    private InferenceBatcher? _batcher;
    private int _inFlight;

    public ServeEndpoints(SentenceEncoder encoder, ServeSettings settings, Func<ServeEndpoints, ServeMetrics> metrics)
    {
        _encoder = encoder;
        _settings = settings;
        _classifier = encoder.Architecture.Heads.Contains(ModelCatalog.SequenceClassificationHead);
        _metrics = metrics(this);
    }

    public int InFlight => Volatile.Read(ref _inFlight);

    public int QueuedInputs => _batcher?.QueuedInputs ?? 0;

    public bool Ready => Volatile.Read(ref _batcher) is not null;

    /// <summary>Opens the routes that compute, once the model is loaded.</summary>
    public void Serve(InferenceBatcher batcher) => Volatile.Write(ref _batcher, batcher);

    /// <summary>Maps every route onto <paramref name="routes"/>.</summary>
    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/embed", Handle(EmbedAsync));
        routes.MapPost("/embed_all", Handle(EmbedAllAsync));
        routes.MapPost("/v1/embeddings", Handle(OpenAiEmbeddingsAsync, openAiErrors: true));
        routes.MapPost("/predict", Handle(PredictAsync));
        routes.MapPost("/tokenize", Handle(TokenizeAsync));
        routes.MapGet("/health", Handle(HealthAsync, admit: false));
        routes.MapGet("/info", Handle(InfoAsync, admit: false));
    }

    /// <summary>
    /// Every request passes here first, routing's own 404 and 405 among them: it is timed from here and counted in
    /// <c>/metrics</c> under the route it matched (<see cref="Unmatched"/> when none), and a body its answer did not read
    /// is then drained (<see cref="DrainUnreadBodyAsync"/>).
    /// </summary>
    public async Task MeasureAsync(HttpContext http, RequestDelegate next)
    {
        var clock = new RequestClock();
        http.Features.Set(clock);
        bool escaped = false;
        try
        {
            await next(http);
        }
        catch
        {
            // Kestrel answers an exception that leaves the pipeline with 500; the response still says 200 here.
            escaped = true;
            throw;
        }
        finally
        {
            int status = http.RequestAborted.IsCancellationRequested ? ClientClosedRequest : escaped ? StatusCodes.Status500InternalServerError : http.Response.StatusCode;
            _metrics.Request(RouteOf(http), status, clock.Total);
        }

        await DrainUnreadBodyAsync(http);
    }

    /// <summary>
    /// The route pattern <paramref name="http"/> matched. Routing's 405 is an endpoint of its own, with no pattern: its path
    /// is a route's (maybe in other letter case, or with a trailing slash), so it is looked up among the routes.
    /// </summary>
    private static string RouteOf(HttpContext http)
    {
        if (http.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: string matched })
        {
            return matched;
        }

        string path = http.Request.Path.Value?.TrimEnd('/') ?? "";
        return http.RequestServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern.RawText).FirstOrDefault(pattern => string.Equals(pattern, path, StringComparison.OrdinalIgnoreCase)) ?? Unmatched;
    }

    /// <summary>
    /// Reads and discards a body the answer did not read (429, 503 while loading, 424 and 415 are given before it; a 404
    /// may have one), after sending the answer whole. Kestrel would drain it itself, so that the connection can carry the
    /// next request, with a 5 s deadline — but it stops its timers first when the server stops, so a client still
    /// trickling such a body held the exit for the whole 30 s shutdown timeout. Here the drain has the same 5 s and the
    /// stop ends it at once; either closes the connection, whose answer is already sent. A body Kestrel refuses (a
    /// Content-Length over --payload-limit, broken chunks) is left to it: it closes the connection without reading on.
    /// </summary>
    private async Task DrainUnreadBodyAsync(HttpContext http)
    {
        if (http.Items.ContainsKey(BodyReadKey) || http.RequestAborted.IsCancellationRequested
            || http.Features.Get<IHttpRequestBodyDetectionFeature>() is not { CanHaveBody: true }
            || http.Request.ContentLength > _settings.PayloadLimit)
        {
            return;
        }

        CancellationToken stopping = http.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var draining = CancellationTokenSource.CreateLinkedTokenSource(stopping, http.RequestAborted);
        draining.CancelAfter(UnreadBodyDrainTime);
        try
        {
            await http.Response.CompleteAsync();
            await http.Request.Body.CopyToAsync(Stream.Null, draining.Token);
        }
        catch (BadHttpRequestException)
        {
            // Kestrel refused the rest (broken chunks, chunks past --payload-limit): it closes the connection itself. (An
            // IOException too, so caught before the next clause.)
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            http.Abort();
        }
    }

    private RequestDelegate Handle(Func<HttpContext, RequestClock, Task> handler, bool admit = true, bool openAiErrors = false) => async http =>
    {
        RequestClock clock = http.Features.GetRequiredFeature<RequestClock>();
        bool admitted = false;
        try
        {
            if (admit)
            {
                if (!Ready)
                {
                    throw new ApiException(ApiError.Unavailable, "the model is still loading");
                }

                admitted = true;
                if (Interlocked.Increment(ref _inFlight) > _settings.MaxConcurrentRequests)
                {
                    throw new ApiException(ApiError.Overloaded, $"over --max-concurrent-requests ({_settings.MaxConcurrentRequests} requests are being answered); try again shortly");
                }
            }

            await handler(http, clock);
        }
        catch (Exception e) when (!http.Response.HasStarted && !http.RequestAborted.IsCancellationRequested && e is not OperationCanceledException)
        {
            (ApiError error, string message) = e is ApiException api ? (api.Error, api.Message) : (ApiError.Internal, $"internal error: {CliErrors.OneLine(e.Message)}");
            await WriteErrorAsync(http, error, message, openAiErrors);
        }
        catch (Exception) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away (mid-body or while its inputs were queued): nobody reads an answer.
        }
        finally
        {
            if (admitted)
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    };

    /// <summary>
    /// Gives routing's own answers a JSON body naming what is wrong, as every other error has: a path no route has (404)
    /// and a route asked with a method it does not take (405; its <c>Allow</c> header names the one it does).
    /// </summary>
    public Task WriteRoutingErrorAsync(StatusCodeContext context)
    {
        HttpContext http = context.HttpContext;
        string request = $"{http.Request.Method} {http.Request.Path}";
        bool openAi = http.Request.Path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase);
        return http.Response.StatusCode switch
        {
            // The path is quoted and cut: it is any text a client sends, up to Kestrel's 8 KB request line.
            StatusCodes.Status404NotFound => WriteErrorAsync(http, ApiError.NotFound,
                $"{http.Request.Method} {MessageText.Quote(http.Request.Path.ToString())}: no such route; the routes are {string.Join(", ", Routes(http))}", openAi),
            StatusCodes.Status405MethodNotAllowed => WriteErrorAsync(http, ApiError.WrongMethod,
                $"{request}: the route takes {(http.Response.Headers.Allow.Count > 0 ? string.Join(" or ", http.Response.Headers.Allow.ToArray()) : "another method")}", openAi),
            _ => Task.CompletedTask,
        };
    }

    /// <summary>The routes mapped, as "POST /embed" (a route that took any method would be its path alone), in the order they were mapped.</summary>
    private static IEnumerable<string> Routes(HttpContext http) =>
        http.RequestServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().Select(e =>
            (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods is { Count: > 0 } methods ? $"{string.Join("|", methods)} " : "") + e.RoutePattern.RawText);

    private static async Task WriteErrorAsync(HttpContext http, ApiError error, string message, bool openAi)
    {
        http.Response.StatusCode = error.Status;
        http.Response.ContentType = "application/json";
        if (openAi)
        {
            await JsonSerializer.SerializeAsync(http.Response.Body, new OpenAiErrorResponse(message, error.Status, error.Type), ServeJsonContext.Api.OpenAiErrorResponse);
        }
        else
        {
            await JsonSerializer.SerializeAsync(http.Response.Body, new ErrorResponse(message, error.Type), ServeJsonContext.Api.ErrorResponse);
        }
    }

    private async Task EmbedAsync(HttpContext http, RequestClock clock)
    {
        RequireEmbeddingModel("/embed");
        EmbedRequest request = await ReadAsync(http, ServeJsonContext.Api.EmbedRequest);
        TruncationSide side = Side(request.TruncationDirection);
        RefuseUnservedPrompt(request.PromptName);
        RefuseShortening(request.Dimensions);
        IReadOnlyList<string> texts = RequireTexts(request.Inputs, "inputs");
        float[][] embeddings = await EmbedTextsAsync(texts, request.Truncate, side, request.Normalize, clock, http.RequestAborted);
        await WriteAsync(http, clock, embeddings, ServeJsonContext.Api.SingleArrayArray);
    }

    /// <summary>
    /// TEI's <c>truncation_direction</c>, in either case: which end of an over-long text is cut when truncating (Right, the
    /// default, keeps its start; Left keeps its end).
    /// </summary>
    private static TruncationSide Side(string? truncationDirection) => truncationDirection switch
    {
        null => TruncationSide.Right,
        _ when truncationDirection.Equals("right", StringComparison.OrdinalIgnoreCase) => TruncationSide.Right,
        _ when truncationDirection.Equals("left", StringComparison.OrdinalIgnoreCase) => TruncationSide.Left,
        _ => throw new ApiException(ApiError.Validation, $"truncation_direction must be Left or Right, not {MessageText.Quote(truncationDirection)}"),
    };

    // Ignored, a request for 128 dimensions (OpenAI's, or TEI's Matryoshka field) got all of them: a client storing them in a
    // 128-wide index fails later, or keeps a prefix of a vector normalised over all of them.
    private void RefuseShortening(int? dimensions)
    {
        if (dimensions is int asked && asked != _encoder.Model.HiddenSize)
        {
            throw new ApiException(ApiError.Validation,
                $"dimensions {asked.ToString(CultureInfo.InvariantCulture)}: {_encoder.Id}'s embeddings have {_encoder.Model.HiddenSize.ToString(CultureInfo.InvariantCulture)} and are not shortened; leave dimensions out");
        }
    }

    // Ignored, a TEI "prompt_name" embedded the text without its prompt: an answer to another question.
    private static void RefuseUnservedPrompt(string? promptName)
    {
        if (promptName is not null)
        {
            throw new ApiException(ApiError.Validation, $"prompt_name {MessageText.Quote(promptName)}: this model has no prompts; leave prompt_name out");
        }
    }

    private async Task OpenAiEmbeddingsAsync(HttpContext http, RequestClock clock)
    {
        RequireEmbeddingModel("/v1/embeddings");
        OpenAiEmbeddingsRequest request = await ReadAsync(http, ServeJsonContext.Api.OpenAiEmbeddingsRequest);
        IReadOnlyList<string> texts = RequireTexts(request.Input, "input");
        string format = request.EncodingFormat ?? "float";
        if (format is not ("float" or "base64"))
        {
            throw new ApiException(ApiError.Validation, $"encoding_format must be float or base64, not '{format}'");
        }

        RefuseShortening(request.Dimensions);

        // OpenAI's body has no "truncate": only the server's --auto-truncate or --chunk take a long text.
        float[][] embeddings = await EmbedTextsAsync(texts, truncate: null, TruncationSide.Right, normalize: true, clock, http.RequestAborted, truncatable: false);
        var usage = new OpenAiUsage(clock.Tokens, clock.Tokens);
        if (format == "base64")
        {
            // OpenAI's base64: the float32 values' little-endian bytes.
            var data = embeddings.Select((e, i) => new OpenAiEmbedding<string>("embedding", Convert.ToBase64String(MemoryMarshal.AsBytes(e.AsSpan())), i)).ToArray();
            await WriteAsync(http, clock, new OpenAiEmbeddingsResponse<string>("list", data, _encoder.Id, usage), ServeJsonContext.Api.OpenAiEmbeddingsResponseString);
        }
        else
        {
            var data = embeddings.Select((e, i) => new OpenAiEmbedding<float[]>("embedding", e, i)).ToArray();
            await WriteAsync(http, clock, new OpenAiEmbeddingsResponse<float[]>("list", data, _encoder.Id, usage), ServeJsonContext.Api.OpenAiEmbeddingsResponseSingleArray);
        }
    }

    private async Task EmbedAllAsync(HttpContext http, RequestClock clock)
    {
        RequireEmbeddingModel("/embed_all");
        EmbedAllRequest request = await ReadAsync(http, ServeJsonContext.Api.EmbedAllRequest);
        TruncationSide side = Side(request.TruncationDirection);
        RefuseUnservedPrompt(request.PromptName);
        IReadOnlyList<string> texts = RequireTexts(request.Inputs, "inputs");
        // Token vectors of a long text cannot be averaged into one: /embed_all truncates or refuses, never chunks.
        RefuseBlank(texts);
        TokenizedInput[] inputs = texts.Select((t, i) => Prepare(t, i, request.Truncate, side, chunk: false, chunkable: false, truncatable: true).Inputs[0]).ToArray();
        clock.Tokenized(texts, inputs.Sum(i => i.Length));
        float[][] states = await RunAsync(inputs, InferenceOutput.TokenStates, clock, http.RequestAborted);
        int hidden = _encoder.Model.HiddenSize;
        float[][][] tokens = states.Select(s => Enumerable.Range(0, s.Length / hidden).Select(t => s.AsSpan(t * hidden, hidden).ToArray()).ToArray()).ToArray();
        await WriteAsync(http, clock, tokens, ServeJsonContext.Api.SingleArrayArrayArray);
    }

    private async Task PredictAsync(HttpContext http, RequestClock clock)
    {
        if (!_classifier)
        {
            throw new ApiException(ApiError.WrongModel, $"/predict needs a sequence classifier; this server runs the embedding model {_encoder.Id} (use /embed)");
        }

        PredictRequest request = await ReadAsync(http, ServeJsonContext.Api.PredictRequest);
        TruncationSide side = Side(request.TruncationDirection);
        if (request.Inputs is null)
        {
            throw Missing("inputs");
        }

        if (request.Inputs.Sequences.Count == 0)
        {
            throw new ApiException(ApiError.Empty, "inputs cannot be empty");
        }

        IReadOnlyList<(string A, string? B)> sequences = request.Inputs.Sequences;
        RequireBatchSize(sequences.Count);
        for (int i = 0; i < sequences.Count; i++)
        {
            if (BlankText.DescribeSequence(sequences[i].A, sequences[i].B, _encoder.Tokenizer) is (var part, string why))
            {
                throw new ApiException(ApiError.Empty, $"{(part is null ? "input" : $"the {part} text of input")} {i + 1} {why}");
            }
        }

        bool truncate = request.Truncate ?? _settings.AutoTruncate;
        var inputs = new TokenizedInput[sequences.Count];
        for (int i = 0; i < inputs.Length; i++)
        {
            (string a, string? b) = sequences[i];
            EncodedInput encoded = b is null ? _encoder.Tokenizer.Encode(a, _encoder.MaxTokens, side) : _encoder.Tokenizer.EncodePair(a, b, _encoder.MaxTokens, side);
            if (encoded.Truncated && !truncate)
            {
                throw TooLong(i, b is null ? _encoder.Tokenizer.Tokenize(a).Length + 2 : _encoder.Tokenizer.Tokenize(a).Length + _encoder.Tokenizer.Tokenize(b).Length + 3, chunkable: false, truncatable: true);
            }

            inputs[i] = encoded.ToTokenizedInput();
        }

        clock.Tokenized(sequences.Select(s => s.A + s.B), inputs.Sum(i => i.Length));
        float[][] logits = await RunAsync(inputs, InferenceOutput.SequenceLogits, clock, http.RequestAborted);
        Prediction[][] predictions = logits.Select(l => Predictions(l, request.RawScores)).ToArray();
        if (request.Inputs.IsBatch)
        {
            await WriteAsync(http, clock, predictions, ServeJsonContext.Api.PredictionArrayArray);
        }
        else
        {
            await WriteAsync(http, clock, predictions[0], ServeJsonContext.Api.PredictionArray);
        }
    }

    private async Task TokenizeAsync(HttpContext http, RequestClock clock)
    {
        TokenizeRequest request = await ReadAsync(http, ServeJsonContext.Api.TokenizeRequest);
        RefuseUnservedPrompt(request.PromptName);
        IReadOnlyList<string> texts = RequireTexts(request.Inputs, "inputs");
        BertVocabulary vocabulary = _encoder.Tokenizer.Vocabulary;
        var result = new SimpleToken[texts.Count][];
        for (int i = 0; i < texts.Count; i++)
        {
            // As TEI: a piece's text is the part of the input it came from, its start and stop UTF-8 byte offsets. A special
            // token written in the text ("[SEP]") is such a piece too: TEI marks special only what its post-processor adds
            // (tokenizers' special_tokens_mask is 0 for a token matched in the text), and gives the match's offsets.
            byte[] utf8 = Encoding.UTF8.GetBytes(texts[i]);
            IEnumerable<SimpleToken> tokens = _encoder.Tokenizer.TokenizeWithOffsets(texts[i]).Select(span => span.Start is int start && span.End is int stop
                ? new SimpleToken(span.Id, Encoding.UTF8.GetString(utf8, start, stop - start), false, start, stop)
                : new SimpleToken(span.Id, vocabulary.TokenOf(span.Id), false, null, null));
            if (request.AddSpecialTokens)
            {
                tokens = tokens.Prepend(Special(vocabulary.ClassificationId)).Append(Special(vocabulary.SeparatorId));
            }

            result[i] = tokens.ToArray();
        }

        clock.Tokenized(texts, result.Sum(r => r.Length));
        await WriteAsync(http, clock, result, ServeJsonContext.Api.SimpleTokenArrayArray);

        SimpleToken Special(int id) => new(id, vocabulary.TokenOf(id), true, null, null);
    }

    private Task HealthAsync(HttpContext http, RequestClock clock) =>
        Ready ? Task.CompletedTask : throw new ApiException(ApiError.Unavailable, "the model is still loading");

    private Task InfoAsync(HttpContext http, RequestClock clock)
    {
        ModelTypeInfo type = _classifier
            ? new ModelTypeInfo(null, new ClassifierModelType(
                _encoder.Labels.Select((l, i) => (l, i)).ToDictionary(p => p.i.ToString(CultureInfo.InvariantCulture), p => p.l),
                _encoder.Labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i)))
            : new ModelTypeInfo(new EmbeddingModelType((_settings.Pooling ?? _encoder.DefaultPooling) == PoolingMode.Cls ? "cls" : "mean"), null);
        var info = new ServerInfo(
            _encoder.Id, null, _encoder.Precision.DataType, type, _settings.MaxConcurrentRequests, _encoder.MaxTokens, _settings.MaxBatchTokens,
            null, _settings.MaxClientBatchSize, _settings.AutoTruncate, _settings.Chunk, Environment.ProcessorCount,
            typeof(ServeEndpoints).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
            ModelCatalog.CliName(_encoder.Architecture),
            _encoder.Architecture.Shapes.Select(s => new[] { s.Batch, s.Sequence }).ToArray(),
            Ready);
        http.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(http.Response.Body, info, ServeJsonContext.Api.ServerInfo);
    }

    /// <summary>Pooled, combined (windows of a long text) and optionally normalised embeddings, in input order.</summary>
    /// <param name="truncatable">Whether the route's body has <c>"truncate"</c>, so that a too-long text's error may suggest it.</param>
    private async Task<float[][]> EmbedTextsAsync(IReadOnlyList<string> texts, bool? truncate, TruncationSide side, bool normalize, RequestClock clock,
        CancellationToken abandoned, bool truncatable = true)
    {
        RefuseBlank(texts);
        PreparedText[] prepared = texts.Select((t, i) => Prepare(t, i, truncate, side, _settings.Chunk, chunkable: true, truncatable)).ToArray();
        TokenizedInput[] inputs = prepared.SelectMany(p => p.Inputs).ToArray();
        clock.Tokenized(texts, inputs.Sum(i => i.Length));
        float[][] pooled = await RunAsync(inputs, InferenceOutput.Pooled, clock, abandoned);
        var embeddings = new float[texts.Count][];
        for (int i = 0, at = 0; i < texts.Count; at += prepared[i].Inputs.Count, i++)
        {
            embeddings[i] = TextPreparation.Combine(pooled[at..(at + prepared[i].Inputs.Count)], prepared[i].Weights);
            if (normalize)
            {
                Pooling.NormalizeL2(embeddings[i]);
            }
        }

        return embeddings;
    }

    /// <param name="chunkable">Whether the route embeds a long text whole when the server runs with --chunk (one vector
    /// per text can be averaged over windows; token vectors and a classifier's scores cannot).</param>
    /// <param name="truncatable">Whether the route's body has <c>"truncate"</c> (OpenAI's has not).</param>
    private PreparedText Prepare(string text, int index, bool? truncate, TruncationSide side, bool chunk, bool chunkable, bool truncatable)
    {
        PreparedText prepared = TextPreparation.Prepare(_encoder.Tokenizer, text, _encoder.MaxTokens, chunk, side);
        if (prepared.Truncated && !(truncate ?? _settings.AutoTruncate))
        {
            throw TooLong(index, prepared.Tokens, chunkable, truncatable);
        }

        return prepared;
    }

    private ApiException TooLong(int index, int tokens, bool chunkable, bool truncatable) => new(ApiError.PayloadTooLarge,
        $"input {index + 1} has {tokens} tokens, more than the model's limit of {_encoder.MaxTokens} ({_encoder.TruncationReason}); "
        + $"{(truncatable ? "send \"truncate\": true, or " : "")}start the server with --auto-truncate{(chunkable ? " or --chunk" : "")}");

    /// <param name="abandoned">The request's <see cref="HttpContext.RequestAborted"/>: once its client has gone, its inputs are not computed.</param>
    private async Task<float[][]> RunAsync(TokenizedInput[] inputs, InferenceOutput output, RequestClock clock, CancellationToken abandoned)
    {
        InferenceBatcher batcher = _batcher ?? throw new ApiException(ApiError.Unavailable, "the model is still loading");
        InferenceItem[] items = inputs.Select(i => new InferenceItem(i, output, abandoned)).ToArray();
        clock.Enqueued();
        batcher.Enqueue(items);
        float[][] results = await Task.WhenAll(items.Select(i => i.Result.Task)).WaitAsync(abandoned);
        clock.Computed(items.Min(i => i.StartedAt));
        return results;
    }

    private void RequireEmbeddingModel(string route)
    {
        if (_classifier)
        {
            throw new ApiException(ApiError.WrongModel, $"{route} needs an embedding model; this server runs the classifier {_encoder.Id} (use /predict)");
        }
    }

    private IReadOnlyList<string> RequireTexts(TextInputs? inputs, string field)
    {
        if (inputs is null)
        {
            throw Missing(field);
        }

        if (inputs.Texts.Count == 0)
        {
            throw new ApiException(ApiError.Empty, $"{field} cannot be empty");
        }

        RequireBatchSize(inputs.Texts.Count);
        return inputs.Texts;
    }

    /// <summary>
    /// Refuses an empty or blank text (<see cref="BlankText"/>: nothing the model's tokenizer keeps) among those a route
    /// computes with (/tokenize answers one, with only its special tokens, which is right). Checked before any input is queued, so a
    /// request is answered whole or not at all.
    /// </summary>
    private void RefuseBlank(IReadOnlyList<string> texts)
    {
        for (int i = 0; i < texts.Count; i++)
        {
            RefuseBlank(texts[i], $"input {i + 1}");
        }
    }

    private void RefuseBlank(string text, string name)
    {
        if (BlankText.Describe(text, _encoder.Tokenizer) is string blank)
        {
            throw new ApiException(ApiError.Empty, $"{name} {blank}");
        }
    }

    // Absent, not empty: "inputs cannot be empty" answered {"input": "a"} (OpenAI's name sent to a TEI route), whose text is not empty.
    // A null value never gets here: the converters read it, and it is named as a wrong type.
    private static ApiException Missing(string field) => new(ApiError.Validation, $"the body has no '{field}'");

    private void RequireBatchSize(int count)
    {
        if (count > _settings.MaxClientBatchSize)
        {
            throw new ApiException(ApiError.Validation, $"batch size {count} > maximum allowed batch size {_settings.MaxClientBatchSize} (--max-client-batch-size)");
        }
    }

    /// <summary>Every label with its score (as HF's text-classification pipeline gives it: <see cref="ClassScores"/>) or raw logit, best first, as TEI answers.</summary>
    private Prediction[] Predictions(float[] logits, bool raw)
    {
        double[] scores = raw ? logits.Select(l => (double)l).ToArray() : ClassScores.Of(logits, ClassScores.FunctionOf(_encoder.Architecture));
        return scores.Select((s, i) => (Score: s, Index: i)).OrderByDescending(p => p.Score).Select(p => new Prediction((float)p.Score, _encoder.Labels[p.Index])).ToArray();
    }

    private async Task<T> ReadAsync<T>(HttpContext http, JsonTypeInfo<T> type)
        where T : class
    {
        if (http.Request.ContentLength > _settings.PayloadLimit)
        {
            throw new ApiException(ApiError.PayloadTooLarge, $"the body has {http.Request.ContentLength} bytes, more than --payload-limit {_settings.PayloadLimit}");
        }

        // Kestrel does not decode bodies: a gzip body was read as JSON and refused for its first byte ('0x1F' is an invalid start).
        string encoding = http.Request.Headers.ContentEncoding.ToString();
        if (encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiException(ApiError.UnsupportedEncoding, $"Content-Encoding {MessageText.Quote(encoding)}: the server does not decompress; send the body uncompressed");
        }

        RequestBodyEncoding.RefuseDeclared(http.Request.ContentType);

        // A body still arriving when the server stops is refused rather than awaited: while Kestrel drains it no longer holds a
        // client to its minimum data rate, so one trickling a byte at a time held the exit for the whole shutdown timeout.
        CancellationToken stopping = http.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);

        // The body is read whole (at most --payload-limit bytes) so an error can quote the value it is about.
        var body = new MemoryStream();
        ReadOnlyMemory<byte> json = default;
        http.Items[BodyReadKey] = true;
        try
        {
            await http.Request.Body.CopyToAsync(body, reading.Token);
            json = body.GetBuffer().AsMemory(0, (int)body.Length);
            int start = RequestBodyEncoding.JsonStart(json.Span);
            json = json[start..];
            T request = JsonSerializer.Deserialize(json.Span, type)
                ?? throw new ApiException(ApiError.Validation, "the body must be a JSON object, not null");

            // The reader decodes only the strings it binds: a byte that is not UTF-8 in a key or an unknown field's value was
            // read past and the request answered, where JSON is UTF-8 (RFC 8259 §8.1) and TEI's serde refuses it. (Bad bytes
            // in a bound string are refused above, naming the field.)
            int bad = BertGen.Runtime.InvalidUtf8.FirstBadByte(json.Span);
            return bad < 0 ? request
                : throw new ApiException(ApiError.Validation, string.Create(CultureInfo.InvariantCulture, $"the body is not valid UTF-8 (byte 0x{json.Span[bad]:X2} at offset {start + bad})"));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && !http.RequestAborted.IsCancellationRequested)
        {
            throw new ApiException(ApiError.Unavailable, "the server is stopping and the body had not all arrived; send the request again");
        }
        catch (JsonException e)
        {
            throw new ApiException(ApiError.Validation, RequestBodyErrors.Describe(e, type, json));
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's refusals of the body itself; they were 500s, "internal error: Bad chunk size data.".
            throw e.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => new ApiException(ApiError.PayloadTooLarge, $"the body is larger than --payload-limit {_settings.PayloadLimit} bytes"),
                StatusCodes.Status408RequestTimeout => new ApiException(ApiError.TooSlow, TooSlowMessage(http)),
                _ => new ApiException(ApiError.Malformed, $"the body could not be read: {CliErrors.OneLine(e.Message)}"),
            };
        }
        catch (IOException e) when (!http.RequestAborted.IsCancellationRequested)
        {
            // Kestrel refuses a chunk size past 2^31 with an IOException (an OverflowException inside), not a
            // BadHttpRequestException: it was a 500, "internal error: Bad chunk size data.".
            throw new ApiException(ApiError.Malformed, $"the body could not be read: {CliErrors.OneLine(e.Message)}");
        }
    }

    private static string TooSlowMessage(HttpContext http) =>
        http.Features.Get<IHttpMinRequestBodyDataRateFeature>()?.MinDataRate is { } rate
            ? $"the body arrived slower than {rate.BytesPerSecond.ToString(CultureInfo.InvariantCulture)} bytes a second (after the first {rate.GracePeriod.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s); send it at once"
            : "the body arrived too slowly; send it at once";

    private static Task WriteAsync<T>(HttpContext http, RequestClock clock, T body, JsonTypeInfo<T> type)
    {
        clock.WriteHeaders(http.Response.Headers);
        http.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(http.Response.Body, body, type);
    }
}
