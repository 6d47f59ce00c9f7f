using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace BertGen.Cli.Serving;

/// <summary>
/// <c>bertgen serve</c>'s host: Kestrel with minimal-API routes (<see cref="WebApplication.CreateSlimBuilder()"/>, native-AOT
/// safe), listening before the weights are in so that <c>/health</c> answers 503 while they load. Stopping (SIGTERM,
/// Ctrl-C, <see cref="StopAsync"/>) closes the listener, lets the requests in flight finish — their inputs are computed
/// by the batcher, which outlives the server — and only then releases the model.
/// </summary>
internal sealed class EmbeddingServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ServeEndpoints _endpoints;
    private readonly ServeMetrics _metrics;
    private readonly SentenceEncoder _encoder;
    private readonly ServeSettings _settings;
    private readonly TextWriter _log;
    private InferenceBatcher? _batcher;

    private EmbeddingServer(WebApplication app, ServeEndpoints endpoints, ServeMetrics metrics, SentenceEncoder encoder, ServeSettings settings, TextWriter log, Uri address)
    {
        _app = app;
        _endpoints = endpoints;
        _metrics = metrics;
        _encoder = encoder;
        _settings = settings;
        _log = log;
        Address = address;
    }

    /// <summary>Where it listens, with the real port when <see cref="ServeSettings.Port"/> was 0.</summary>
    public Uri Address { get; }

    /// <summary>Completes once the model is loaded and the compute routes answer; faults if loading failed (the server then stops).</summary>
    public Task Loaded { get; private set; } = Task.CompletedTask;

    /// <summary>The batcher, once <see cref="Loaded"/>; tests hold batches back through it.</summary>
    internal InferenceBatcher? Batcher => _batcher;

    /// <summary>Requests admitted and not yet answered (this server's own; <c>/metrics</c> sums every server of the process).</summary>
    internal int RequestsInFlight => _endpoints.InFlight;

    /// <summary>Starts listening, then loads the weights in the background.</summary>
    /// <param name="loadGate">Loading waits for it (tests watch the 503s of a server still loading).</param>
    public static async Task<EmbeddingServer> StartAsync(SentenceEncoder encoder, ServeSettings settings, TextWriter log, CancellationToken cancellation = default,
        Task? loadGate = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(settings.Address, settings.Port);
            kestrel.Limits.MaxRequestBodySize = settings.PayloadLimit;
            kestrel.AddServerHeader = false;
        });
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("bertgen"))
            .WithMetrics(metrics => metrics.AddMeter(ServeMetrics.MeterName).AddPrometheusExporter());
        ServeMetrics? created = null;
        var endpoints = new ServeEndpoints(encoder, settings, e => created = new ServeMetrics(() => e.QueuedInputs, () => e.InFlight));
        WebApplication app = builder.Build();
        app.Use(endpoints.MeasureAsync);
        app.UseStatusCodePages(endpoints.WriteRoutingErrorAsync);
        endpoints.Map(app);
        // The exporter's route takes any method: a POST scraped the metrics.
        app.MapPrometheusScrapingEndpoint("/metrics").WithMetadata(new HttpMethodMetadata([HttpMethods.Get]));
        await app.StartAsync(cancellation);
        string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var server = new EmbeddingServer(app, endpoints, created!, encoder, settings, log, new Uri(bound));
        server.Loaded = Task.Run(async () =>
        {
            await (loadGate ?? Task.CompletedTask);
            server.Load();
        });
        return server;
    }

    /// <summary>Completes when the host has stopped (SIGTERM, Ctrl-C, <paramref name="stop"/> or <see cref="StopAsync"/>) and every request in flight is answered.</summary>
    public async Task WaitForShutdownAsync(CancellationToken stop)
    {
        using CancellationTokenRegistration registration = stop.Register(() => _app.Lifetime.StopApplication());
        await _app.WaitForShutdownAsync();
    }

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        // After the server: requests still in flight during the stop needed the batcher to answer them.
        _batcher?.Dispose();
        _metrics.Dispose();
    }

    private void Load()
    {
        try
        {
            var timings = new StageTimings();
            _encoder.LoadWeights(timings);
            _batcher = new InferenceBatcher(_encoder.Model, _settings.Pooling ?? _encoder.DefaultPooling, _settings.MaxBatchTokens, _metrics);
            _endpoints.Serve(_batcher);
            _log.WriteLine($"bertgen: ready: {_encoder.Description}, inputs up to {_encoder.MaxTokens} tokens, compiled shapes {string.Join(", ", _encoder.Architecture.Shapes.Select(s => $"{s.Batch}×{s.Sequence}"))}");
        }
        catch
        {
            _app.Lifetime.StopApplication();
            throw;
        }
    }
}
