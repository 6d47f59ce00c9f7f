using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace BertGen.Cli.Serving;

/// <summary>
/// The server's instruments (System.Diagnostics.Metrics), which the OpenTelemetry Prometheus exporter turns into
/// <c>/metrics</c>: requests by route and status, their latency, time queued, batches (inputs, computed positions,
/// compute time), and gauges of the queue and the requests in flight.
/// </summary>
internal sealed class ServeMetrics : IDisposable
{
    public const string MeterName = "BertGen.Serve";

    // Seconds: from 1 ms (a short text on MiniLM takes ~4 ms to compute) to 30 s (a deep queue under overload).
    private static readonly double[] SecondsBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<double> _queueDuration;
    private readonly Histogram<double> _batchDuration;
    private readonly Histogram<int> _batchInputs;
    private readonly Histogram<int> _batchTokens;

    public ServeMetrics(Func<int> queuedInputs, Func<int> requestsInFlight)
    {
        _requests = _meter.CreateCounter<long>("bertgen.requests", "{request}", "HTTP requests answered, by route and status code.");
        _requestDuration = _meter.CreateHistogram("bertgen.request.duration", "s", "Time from a request's arrival to its answer.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _queueDuration = _meter.CreateHistogram("bertgen.queue.duration", "s", "Time an input waited in the queue before its batch began computing.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _batchDuration = _meter.CreateHistogram("bertgen.batch.duration", "s", "Time one batch took to compute (all its forward passes).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _batchInputs = _meter.CreateHistogram("bertgen.batch.inputs", "{input}", "Inputs (texts or windows) per batch.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] });
        _batchTokens = _meter.CreateHistogram("bertgen.batch.tokens", "{token}", "Positions computed per batch, padding included (what --max-batch-tokens bounds).",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [16, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384] });
        _meter.CreateObservableGauge("bertgen.queue.size", queuedInputs, "{input}", "Inputs waiting for a batch.");
        _meter.CreateObservableGauge("bertgen.requests.in_flight", requestsInFlight, "{request}", "Requests admitted and not yet answered.");
    }

    public void Request(string route, int status, TimeSpan duration)
    {
        var tags = new TagList { { "route", route }, { "status", status } };
        _requests.Add(1, tags);
        _requestDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("route", route));
    }

    public void Queued(TimeSpan waited) => _queueDuration.Record(waited.TotalSeconds);

    public void Batch(int inputs, int tokens, TimeSpan duration)
    {
        _batchInputs.Record(inputs);
        _batchTokens.Record(tokens);
        _batchDuration.Record(duration.TotalSeconds);
    }

    public void Dispose() => _meter.Dispose();
}
