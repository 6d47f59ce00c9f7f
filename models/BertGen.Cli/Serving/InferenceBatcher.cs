using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using BertGen.Runtime.Inference;

namespace BertGen.Cli.Serving;

/// <summary>
/// Dynamic batching over the compiled shapes. Inputs wait in one queue in arrival order; a former takes them into a
/// batch while the batch's cost — the positions its forward passes compute, padding included, as
/// <see cref="BatchRunner.Plan"/> lays them out in the smallest compiled shapes that hold them — stays within the token
/// budget, and hands the batch to the compute thread. One batch computes while the next is formed and waits (TEI's
/// one-batch prefetch), so the compute thread never waits for forming. A request's many inputs are separate items:
/// they may land in different batches, and the request reassembles them in order.
/// </summary>
internal sealed class InferenceBatcher : IDisposable
{
    private readonly BatchRunner _runner;
    private readonly int _hidden;
    private readonly PoolingMode _pooling;
    private readonly int _maxBatchTokens;
    private readonly ServeMetrics _metrics;
    private readonly Channel<InferenceItem> _queue = Channel.CreateUnbounded<InferenceItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<List<InferenceItem>> _formed = Channel.CreateBounded<List<InferenceItem>>(
        new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Task _former;
    private readonly Thread _compute;
    private int _queued;
    private long _computed;
    private long _batches;

    /// <summary>
    /// Refuses a batch budget below the positions of the compiled shape that holds the longest input, which could never
    /// run. <c>serve</c> checks it from the compiled shapes before it listens, so the refusal is its only line.
    /// </summary>
    public static void RequireBudget(IReadOnlyCollection<(int Batch, int Sequence)> shapes, int maxBatchTokens)
    {
        int longest = shapes.Max(v => v.Sequence);
        int largestSingle = shapes.Where(v => v.Sequence == longest).Min(v => v.Batch) * longest;
        if (maxBatchTokens < largestSingle)
        {
            throw new CliUsageException($"--max-batch-tokens must be at least {largestSingle}, the positions of the compiled shape that holds the longest input, not {maxBatchTokens}");
        }
    }

    public InferenceBatcher(IBertModel model, PoolingMode pooling, int maxBatchTokens, ServeMetrics metrics)
    {
        _runner = new BatchRunner(model);
        _hidden = model.HiddenSize;
        _pooling = pooling;
        _metrics = metrics;
        RequireBudget(model.ShapeVariants, maxBatchTokens);
        _maxBatchTokens = maxBatchTokens;
        _former = Task.Run(FormAsync);
        _compute = new Thread(Compute) { Name = "bertgen compute", IsBackground = true };
        _compute.Start();
    }

    /// <summary>Inputs waiting for their batch to begin computing (queued, or in the batch formed next).</summary>
    public int QueuedInputs => Volatile.Read(ref _queued);

    /// <summary>Inputs computed so far (dropped ones are not); tests check what was computed.</summary>
    internal long ComputedInputs => Interlocked.Read(ref _computed);

    /// <summary>Batches computed so far. Tests count this server's own batches here: <c>/metrics</c> sums every server of a
    /// process (the exporter reads every meter of its name), and a test process runs several.</summary>
    internal long ComputedBatches => Interlocked.Read(ref _batches);

    /// <summary>Runs before each batch computes, on the compute thread; tests hold batches back with it.</summary>
    internal Func<Task>? BeforeBatch { get; set; }

    /// <summary>Queues <paramref name="items"/> in order; each one's <see cref="InferenceItem.Result"/> completes when its batch has run.</summary>
    public void Enqueue(IReadOnlyList<InferenceItem> items)
    {
        long now = Stopwatch.GetTimestamp();
        foreach (InferenceItem item in items)
        {
            item.EnqueuedAt = now;
            Interlocked.Increment(ref _queued);
            if (!_queue.Writer.TryWrite(item))
            {
                Interlocked.Decrement(ref _queued);
                item.Result.TrySetException(new ApiException(ApiError.Unavailable, "the server is shutting down"));
            }
        }
    }

    /// <summary>Stops taking inputs, computes everything already queued, and releases the compiled passes.</summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _former.GetAwaiter().GetResult();
        _compute.Join();
        _runner.Dispose();
    }

    private async Task FormAsync()
    {
        ChannelReader<InferenceItem> queue = _queue.Reader;
        try
        {
            // Form the next batch only once the slot is free: then it holds what arrived while the last one computed.
            while (await _formed.Writer.WaitToWriteAsync() && await queue.WaitToReadAsync())
            {
                var batch = new List<InferenceItem>();
                var counts = new Dictionary<int, int>();
                int cost = 0;
                while (queue.TryPeek(out InferenceItem? next))
                {
                    int sequence = _runner.SequenceFor(next.Input.Length);
                    int count = counts.GetValueOrDefault(sequence);
                    int added = GroupTokens(sequence, count + 1) - GroupTokens(sequence, count);
                    if (batch.Count > 0 && cost + added > _maxBatchTokens)
                    {
                        break;
                    }

                    queue.TryRead(out _);
                    batch.Add(next);
                    counts[sequence] = count + 1;
                    cost += added;
                }

                _formed.Writer.TryWrite(batch);
            }
        }
        finally
        {
            _formed.Writer.TryComplete();
        }
    }

    private int GroupTokens(int sequence, int count) => count == 0 ? 0 : _runner.BatchesFor(sequence, count).Sum() * sequence;

    private void Compute()
    {
        ChannelReader<List<InferenceItem>> formed = _formed.Reader;
        while (formed.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (formed.TryRead(out List<InferenceItem>? batch))
            {
                BeforeBatch?.Invoke().GetAwaiter().GetResult();
                Run(batch);
            }
        }
    }

    private void Run(List<InferenceItem> formed)
    {
        long start = Stopwatch.GetTimestamp();
        Interlocked.Add(ref _queued, -formed.Count);

        // Inputs of a request whose client has gone are dropped, not computed: ten abandoned requests of 32 long texts
        // held a live one-word request behind them for 8 s.
        var batch = new List<InferenceItem>(formed.Count);
        foreach (InferenceItem item in formed)
        {
            if (item.Abandoned.IsCancellationRequested)
            {
                item.Result.TrySetCanceled(item.Abandoned);
            }
            else
            {
                batch.Add(item);
            }
        }

        if (batch.Count == 0)
        {
            return;
        }

        var inputs = new TokenizedInput[batch.Count];
        for (int i = 0; i < batch.Count; i++)
        {
            batch[i].StartedAt = start;
            inputs[i] = batch[i].Input;
            _metrics.Queued(Stopwatch.GetElapsedTime(batch[i].EnqueuedAt, start));
        }

        var outputs = new float[batch.Count][];
        try
        {
            _runner.Run(inputs, (index, pass, row) => outputs[index] = batch[index].Capture(pass, row, _hidden, _pooling));
        }
        catch (Exception e)
        {
            foreach (InferenceItem item in batch)
            {
                item.Result.TrySetException(e);
            }

            return;
        }

        Interlocked.Add(ref _computed, batch.Count);
        Interlocked.Increment(ref _batches);
        int tokens = _runner.Plan(inputs.Select(i => i.Length).ToArray()).Sum(p => p.Tokens);
        _metrics.Batch(batch.Count, tokens, Stopwatch.GetElapsedTime(start));
        for (int i = 0; i < batch.Count; i++)
        {
            batch[i].Result.TrySetResult(outputs[i]);
        }
    }
}
