using System;
using System.Threading;
using BertGen.Runtime.Memory;
using BertGen.Runtime.Threading;
using BertGen.Runtime.Training;
using BertGen.Runtime.CompilerServices;

namespace BertGen.Runtime.Distributed;

/// <summary>
/// Sums the gradient buffer over a data-parallel group once per optimiser step, in one of three ways:
/// <list type="bullet">
/// <item>overlapped (the default when the processes span machines): as the last micro-batch's backward reports gradients final
/// (<see cref="IGradientProgress"/>: a suffix of the buffer at a time, heads and late layers first), they are cut
/// into buckets from the end of the buffer — the first <see cref="DataParallelSettings.FirstBucketMegabytes"/>, the
/// rest <see cref="DataParallelSettings.BucketMegabytes"/> — and each bucket's all-reduce is started at once and left
/// to progress while earlier layers compute; <see cref="Complete"/> waits for them before the optimiser step;</item>
/// <item>whole (the default on one machine): one blocking all-reduce of the buffer after the backward;</item>
/// <item>sharded (ZeRO-1): one reduce-scatter after the backward, leaving this process the sum of its part only.</item>
/// </list>
/// Buckets depend only on the sequence of offsets the generated backward reports, which is the same on every process,
/// so every process starts the same all-reduces in the same order, as MPI requires.
/// </summary>
/// <remarks>
/// MPI moves a non-blocking collective only inside MPI calls (Open MPI has no asynchronous progress of its own), and
/// a ring all-reduce over N processes takes 2(N − 1) rounds, each needing a call after the last one's messages
/// arrived. Progress at layer boundaries alone would leave most rounds to the final wait, so while buckets are in
/// flight a progress thread tests them about every millisecond (<see cref="DataParallelSettings.ProgressThread"/>).
/// Every call into the group goes through one lock, so the group sees one caller at a time (MPI_THREAD_SERIALIZED).
/// </remarks>
internal sealed class GradientReduction : IGradientProgress, IDisposable
{
    private readonly IDataParallelGroup _group;
    private readonly AlignedBuffer _gradients;
    private readonly DataParallelSettings _settings;
    private readonly long _bucket, _firstBucket;
    private readonly bool _overlap;
    private readonly object _calls = new();
    private readonly Thread? _progress;
    private readonly ManualResetEventSlim _inFlight = new(false);
    private volatile bool _disposed;
    private long _pendingFrom;
    private bool _first;

    public GradientReduction(IDataParallelGroup group, AlignedBuffer gradients, DataParallelSettings settings)
    {
        _group = group;
        _gradients = gradients;
        _settings = settings;
        _bucket = Floats(settings.BucketMegabytes);
        _firstBucket = Floats(settings.FirstBucketMegabytes);
        _overlap = settings.OverlapReduction ?? !group.SharesOneMachine;
        if (settings.ShardOptimizerState)
        {
            PartCounts = new int[group.Size];
            for (int r = 0; r < group.Size; r++)
            {
                (long from, long to) = ParallelRanges.Chunk(gradients.Length, 16, r, group.Size);
                PartCounts[r] = checked((int)(to - from));
                if (r == group.Rank)
                {
                    PartOffset = from;
                }
            }

            PartGradients = new AlignedBuffer(PartCounts[group.Rank]);
        }
        else if (_overlap && settings.ProgressThread)
        {
            _progress = new Thread(DriveProgress) { IsBackground = true, Name = "BertGen all-reduce progress" };
            _progress.Start();
        }
    }

    /// <summary>ZeRO-1: floats of the parameter buffer each rank owns, laid end to end from 0; null otherwise.</summary>
    public int[]? PartCounts { get; }

    /// <summary>ZeRO-1: where this rank's part begins.</summary>
    public long PartOffset { get; }

    /// <summary>ZeRO-1: the summed gradients of this rank's part, after <see cref="Complete"/>.</summary>
    public AlignedBuffer? PartGradients { get; }

    /// <summary>Before the step's last micro-batch: what to hand its backward (this, when overlapping), or null.</summary>
    public IGradientProgress? BeginLastMicroBatch()
    {
        _pendingFrom = _gradients.Length;
        _first = true;
        return _overlap && !_settings.ShardOptimizerState ? this : null;
    }

    public void CompletedFrom(long offset)
    {
        lock (_calls)
        {
            StartBuckets(offset);
        }
    }

    private void StartBuckets(long offset)
    {
        offset = Math.Clamp(offset, 0, _gradients.Length);
        while (_pendingFrom > offset)
        {
            long from = _pendingFrom - (_first ? _firstBucket : _bucket);
            if (from < offset)
            {
                if (offset > 0)
                {
                    break; // not a whole bucket yet: wait for earlier layers
                }

                from = 0; // the backward is done: the rest goes as one (smaller) bucket
            }

            _group.StartAllReduceSum(_gradients, from, _pendingFrom - from);
            _pendingFrom = from;
            _first = false;
            _inFlight.Set();
        }

        _group.TestStarted(); // progress for the buckets in flight: MPI moves non-blocking collectives inside its calls
    }

    // The progress thread: while buckets are in flight, test them about every millisecond (sleeping in between, so it
    // costs the compute threads next to nothing), until Complete takes over.
    private void DriveProgress()
    {
        while (!_disposed)
        {
            _inFlight.Wait();
            while (_inFlight.IsSet && !_disposed)
            {
                lock (_calls)
                {
                    if (_inFlight.IsSet && _group.TestStarted())
                    {
                        _inFlight.Reset();
                    }
                }

                Thread.Sleep(1);
            }
        }
    }

    /// <summary>After the last micro-batch: every rank's gradients summed (the part's only, for ZeRO-1).</summary>
    public void Complete()
    {
        if (_settings.ShardOptimizerState)
        {
            _group.ReduceScatterSum(_gradients, PartGradients!, PartCounts);
        }
        else if (_overlap)
        {
            lock (_calls)
            {
                StartBuckets(0); // a backward that reported nothing (a test model) or stopped short
                _group.WaitStarted();
                _inFlight.Reset();
            }
        }
        else
        {
            _group.AllReduceSum(_gradients, 0, _gradients.Length);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _inFlight.Set();
        _progress?.Join();
        _inFlight.Dispose();
        PartGradients?.Dispose();
    }

    private static long Floats(double megabytes) => Math.Max(16, (long)(megabytes * 1e6 / sizeof(float)) / 16 * 16);
}
