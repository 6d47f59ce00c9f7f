using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Microsoft.AspNetCore.Http;

namespace BertGen.Cli.Serving;

/// <summary>
/// One request's stages, for TEI's timing headers: tokenisation, time queued (until the first of its inputs' batches
/// began), inference (from then until its last input was computed) and the total, in whole milliseconds as TEI sends them.
/// </summary>
internal sealed class RequestClock
{
    private readonly long _start = Stopwatch.GetTimestamp();
    private long _tokenized;
    private long _enqueued;
    private long _batchStarted;
    private long _computed;

    public int Characters { get; private set; }

    public int Tokens { get; private set; }

    public TimeSpan Total => Stopwatch.GetElapsedTime(_start);

    public void Tokenized(IEnumerable<string> texts, int tokens)
    {
        _tokenized = Stopwatch.GetTimestamp();
        Characters = texts.Sum(t => t.Length);
        Tokens = tokens;
    }

    public void Enqueued() => _enqueued = Stopwatch.GetTimestamp();

    /// <summary>All inputs are computed; <paramref name="firstBatchStarted"/> is when the first of their batches began.</summary>
    public void Computed(long firstBatchStarted)
    {
        _batchStarted = firstBatchStarted;
        _computed = Stopwatch.GetTimestamp();
    }

    public void WriteHeaders(IHeaderDictionary headers)
    {
        long tokenized = _tokenized == 0 ? Stopwatch.GetTimestamp() : _tokenized;
        TimeSpan tokenization = Stopwatch.GetElapsedTime(_start, tokenized);
        TimeSpan queue = _computed == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_enqueued, _batchStarted);
        TimeSpan inference = _computed == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_batchStarted, _computed);
        headers["x-compute-type"] = "cpu";
        headers["x-compute-characters"] = Characters.ToString(CultureInfo.InvariantCulture);
        headers["x-compute-tokens"] = Tokens.ToString(CultureInfo.InvariantCulture);
        headers["x-tokenization-time"] = Milliseconds(tokenization);
        headers["x-queue-time"] = Milliseconds(queue);
        headers["x-inference-time"] = Milliseconds(inference);
        headers["x-compute-time"] = Milliseconds(tokenization + queue + inference);
        headers["x-total-time"] = Milliseconds(Total);
    }

    private static string Milliseconds(TimeSpan time) => ((long)time.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
}
